import { prisma } from "@/lib/db";
import { env, type WechatPayMode } from "@/lib/env";
import { parseDeliveryMethods } from "@/lib/delivery/model";
import { LOW_STOCK_THRESHOLD } from "./validation";
import { withStockTotals } from "./stock";

import type { ProductView } from "./types";

export type { ProductView };

/**
 * Stores whose products may be sold: active, and in direct mode with their own participant mchid (docs/wechatpay.md §3.2).
 * The checkout's SQLite read states the same rule in SQL (lib/orders/checkout-store.ts readCartProducts): change both.
 */
export function sellingStoreWhere(mode: WechatPayMode) {
  return mode === "direct" ? { active: true, mchid: { not: null } } : { active: true };
}

export async function listProducts(): Promise<ProductView[]> {
  const rows = await prisma.product.findMany({
    where: { active: true, store: sellingStoreWhere(env().wechatpay.mode) },
    include: {
      store: {
        select: {
          id: true,
          name: true,
          logoUrl: true,
          deliveryMethods: true,
          shippingFeeFen: true,
          freeShippingOverFen: true,
          pickupAddress: true,
          pickupHours: true,
        },
      },
    },
    orderBy: [{ sortOrder: "asc" }, { sku: "asc" }],
  });
  // A sharded product's units are its rows' sum (lib/catalog/stock.ts).
  return (await withStockTotals(prisma, rows)).map((p) => ({
    sku: p.sku,
    name: p.name,
    priceFen: p.priceFen,
    store: { ...p.store, deliveryMethods: parseDeliveryMethods(p.store.deliveryMethods) },
    imageUrl: p.imageUrl,
    stockLeft: p.stock !== null && p.stock <= LOW_STOCK_THRESHOLD ? p.stock : null,
  }));
}
