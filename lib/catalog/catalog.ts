import { prisma } from "@/lib/db";

import type { ProductView } from "./types";

export type { ProductView };

export async function listProducts(): Promise<ProductView[]> {
  const rows = await prisma.product.findMany({
    where: { active: true },
    include: { store: { select: { id: true, name: true, logoUrl: true } } },
    orderBy: [{ sortOrder: "asc" }, { sku: "asc" }],
  });
  return rows.map((p) => ({ sku: p.sku, name: p.name, priceFen: p.priceFen, store: p.store }));
}
