import { createHash } from "node:crypto";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newCombineOrderNo, subOrderNo } from "./order-numbers";
import { ensurePayUrl, type PayLink } from "./pay-link";
import { Prisma } from "@/lib/generated/prisma/client";
import { reserveStock } from "@/lib/catalog/stock";
import { sellingStoreWhere } from "@/lib/catalog/catalog";

export const CheckoutBodySchema = z
  .object({
    items: z
      .array(
        z
          .object({
            sku: z
              .string()
              .min(1)
              .max(64)
              .regex(/^[A-Za-z0-9_-]+$/, "invalid sku"),
            quantity: z.number().int().min(1, "quantity must be ≥ 1").max(99, "quantity must be ≤ 99"),
          })
          .strict(),
      )
      .min(1, "cart is empty")
      .max(50),
  })
  .strict();
export type CheckoutBody = z.infer<typeof CheckoutBodySchema>;

export const CheckoutKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "invalid Idempotency-Key");

const MAX_SUB_ORDERS = { partner: 50, direct: 10 } as const;
const MIN_SUB_ORDERS = { partner: 1, direct: 2 } as const;
// Per sub-order ceiling: far below WeChat's cap, high enough for any real cart of this shop.
const MAX_SUB_ORDER_FEN = 5_000_000;

/** WeChat rejects 4-byte UTF-8 characters (emoji) in text fields. */
function stripFourByteChars(s: string): string {
  return Array.from(s)
    .filter((c) => c.codePointAt(0)! <= 0xffff)
    .join("");
}

function describe(storeName: string, lines: { name: string; quantity: number }[]): string {
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  const first = lines[0]!.name;
  const text = count > 1 ? `${storeName}-${first}等${count}件` : `${storeName}-${first}`;
  return Array.from(stripFourByteChars(text)).slice(0, 127).join("");
}

export interface CheckoutResult extends PayLink {
  orderNo: string;
  expiresAt: Date;
}

/**
 * Creates the order from the server's own catalogue (never client prices), one sub-order per store,
 * persists it BEFORE calling WeChat Pay, then asks for the H5 pay link. A repeated checkout key
 * (double tap, client retry) returns the existing order instead of creating another.
 */
export async function checkout(
  body: CheckoutBody,
  opts: {
    payerIp: string;
    checkoutKey?: string;
    now?: Date;
    /** SHA-256 of the browser's buyer cookie (lib/orders/buyer.ts) */ buyerIdHash?: string;
  },
): Promise<CheckoutResult> {
  const now = opts.now ?? new Date();
  const { wechatpay: w, orderExpireMinutes } = env();

  const quantities = new Map<string, number>();
  for (const item of body.items) quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);
  for (const [sku, q] of quantities) if (q > 99) throw new AppError("INVALID_REQUEST", `商品 ${sku} 数量不能超过 99`);
  const cartHash = hashCart(quantities);

  if (opts.checkoutKey) {
    const existing = await prisma.order.findUnique({ where: { checkoutKey: opts.checkoutKey }, select: EXISTING });
    if (existing) return resume(existing, cartHash, opts.buyerIdHash, now);
  }

  const mode = w.mode;
  const products = await prisma.product.findMany({
    // A deactivated store hides its products (and in direct mode a store needs its own mchid).
    where: { sku: { in: [...quantities.keys()] }, active: true, store: sellingStoreWhere(mode) },
    include: { store: true },
    // Sub-orders follow the catalogue order, so the result page lists stores as the cart did.
    orderBy: [{ sortOrder: "asc" }, { sku: "asc" }],
  });
  const unknown = [...quantities.keys()].filter((sku) => !products.some((p) => p.sku === sku));
  if (unknown.length) throw new AppError("UNKNOWN_SKU", `商品已下架或不存在：${unknown.join("、")}`, { skus: unknown });

  const byStore = new Map<string, typeof products>();
  for (const p of products) byStore.set(p.storeId, [...(byStore.get(p.storeId) ?? []), p]);
  if (byStore.size < MIN_SUB_ORDERS[mode] || byStore.size > MAX_SUB_ORDERS[mode]) {
    throw new AppError(
      "CART_NOT_ALLOWED",
      mode === "direct"
        ? `合单支付需要来自 2–10 家店铺的商品（当前 ${byStore.size} 家）`
        : `一次最多结算 ${MAX_SUB_ORDERS.partner} 家店铺的商品`,
    );
  }

  const orderNo = newCombineOrderNo(now);
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + orderExpireMinutes * 60_000);
  let position = 0;
  const subOrders = [...byStore.values()].map((storeProducts) => {
    position += 1;
    const store = storeProducts[0]!.store;
    const lines = storeProducts.map((p) => {
      const quantity = quantities.get(p.sku)!;
      return { sku: p.sku, name: p.name, unitPriceFen: p.priceFen, quantity, amountFen: p.priceFen * quantity };
    });
    const amountFen = lines.reduce((s, l) => s + l.amountFen, 0);
    if (amountFen > MAX_SUB_ORDER_FEN) throw new AppError("CART_NOT_ALLOWED", `${store.name} 的商品金额超过单笔上限`);
    return {
      outTradeNo: subOrderNo(orderNo, position),
      storeId: store.id,
      position,
      mchid: mode === "partner" ? w.combineMchid : store.mchid!,
      subMchid: mode === "partner" ? store.subMchid : null,
      amountFen,
      description: describe(store.name, lines),
      attach: `store:${store.id}`,
      lines,
    };
  });

  try {
    // Stock is reserved in the transaction that creates the order: both happen, or neither (a
    // rejected cart, a duplicate checkout key or a crash takes no stock). See lib/catalog/stock.ts.
    await prisma.$transaction(
      async (db) => {
        const reserved = await reserveStock(db, quantities);
        await db.order.create({
          data: {
            orderNo,
            mode,
            combineMchid: w.combineMchid,
            combineAppid: w.combineAppid,
            totalFen: subOrders.reduce((s, o) => s + o.amountFen, 0),
            payerIp: opts.payerIp,
            expiresAt,
            checkoutKey: opts.checkoutKey ?? null,
            cartHash,
            buyerIdHash: opts.buyerIdHash ?? null,
            subOrders: {
              create: subOrders.map(({ lines, ...o }) => ({
                ...o,
                lines: { create: lines.map((l) => ({ ...l, stockReserved: reserved.get(l.sku) ?? 0 })) },
              })),
            },
          },
        });
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    // A concurrent request with the same checkout key won the insert: continue with its order.
    if (opts.checkoutKey && e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      const existing = await prisma.order.findUnique({ where: { checkoutKey: opts.checkoutKey }, select: EXISTING });
      if (existing) return resume(existing, cartHash, opts.buyerIdHash, now);
    }
    throw e;
  }
  const link = await ensurePayUrl(orderNo, now);
  return { orderNo, expiresAt, ...link };
}

const EXISTING = { orderNo: true, cartHash: true, buyerIdHash: true } as const;

/** Key-sorted "sku×quantity" list: the same cart in any item order hashes the same. */
function hashCart(quantities: Map<string, number>): string {
  const canonical = [...quantities]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, q]) => `${sku}×${q}`)
    .join("\n");
  return createHash("sha256").update(canonical).digest("hex");
}

/**
 * A repeated Idempotency-Key returns the order it created — only for the same cart from the same
 * browser; anything else is a client bug (or someone else's key) and gets 422, never that order.
 */
async function resume(
  existing: { orderNo: string; cartHash: string | null; buyerIdHash: string | null },
  cartHash: string,
  buyerIdHash: string | undefined,
  now: Date,
): Promise<CheckoutResult> {
  const sameCart = existing.cartHash === null || existing.cartHash === cartHash;
  const sameBuyer = existing.buyerIdHash === null || existing.buyerIdHash === (buyerIdHash ?? null);
  if (!sameCart || !sameBuyer) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "该请求标识已用于另一笔订单，请刷新页面后重新下单");
  }
  const orderNo = existing.orderNo;
  const link = await ensurePayUrl(orderNo, now);
  const order = await prisma.order.findUniqueOrThrow({ where: { orderNo }, select: { expiresAt: true } });
  return { orderNo, expiresAt: order.expiresAt, ...link };
}
