// Stock that cannot be oversold, decided by the database (never by an in-process lock):
//  - checkout reserves with one conditional UPDATE for the cart (`stock = stock - n WHERE stock >= n` per SKU)
//    at the end of the transaction that creates the order, so a failed or rolled-back checkout takes nothing
//    and two processes on PostgreSQL (row locks) or SQLite (one writer) can never both take the last unit;
//  - a close gives back exactly what each line reserved, inside the transaction whose conditional
//    status update (PENDING → CLOSED) won, so a close racing an expiry or WeChat's own CLOSED releases once;
//  - a paid order keeps its units; a payment that arrives after a close (WeChat is the truth: the order
//    becomes PAID again) takes them back, as far as any are left (see retakeStock).
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import type { SqliteDirect } from "@/lib/db";

type Tx = Prisma.TransactionClient;

export interface StockShortage {
  sku: string;
  /** Units left now (0 = sold out). */
  available: number;
}

/**
 * Reserves the cart's units of every product that was stock-limited when checkout read the cart, in one
 * conditional UPDATE (`stock >= n` per SKU), or throws OUT_OF_STOCK listing every short SKU; the caller's
 * transaction then rolls back. Returns the SKUs found unlimited meanwhile (an edit between the read and
 * now): nothing was taken for them. Run it LAST in the transaction that creates the order: on PostgreSQL
 * the row locks it takes are then held for one round trip to COMMIT rather than through the inserts, which
 * is what serialises checkouts of a hot product. A product made limited after the read is left alone: the
 * checkout counts as sold before the edit.
 */
export async function reserveStock(db: Tx, quantities: ReadonlyMap<string, number>, limitedSkus: readonly string[]): Promise<string[]> {
  if (limitedSkus.length === 0) return [];
  // One statement for the whole cart; SKUs in a fixed order (PostgreSQL locks rows as the index scan meets them).
  const skus = [...limitedSkus].sort();
  const units = Prisma.join(
    skus.map((sku) => Prisma.sql`WHEN ${sku} THEN CAST(${quantities.get(sku)!} AS INTEGER)`),
    " ",
  );
  const taken = await db.$queryRaw<{ sku: string }[]>`
    UPDATE "Product" SET "stock" = "stock" - CASE "sku" ${units} END
     WHERE "sku" IN (${Prisma.join(skus)}) AND "stock" >= CASE "sku" ${units} END
    RETURNING "sku"`;
  if (taken.length === skus.length) return [];
  const missing = skus.filter((sku) => !taken.some((t) => t.sku === sku));
  return shortOrUnlimited(missing, await db.product.findMany({ where: { sku: { in: missing } }, select: { sku: true, stock: true } }));
}

/**
 * reserveStock inside the checkout's SQLite write (lib/db.ts sqliteWrite), synchronously: the same one
 * conditional UPDATE for the cart (the units as a JSON object sku → n), the same OUT_OF_STOCK.
 */
export function reserveStockSqlite(c: SqliteDirect, quantities: ReadonlyMap<string, number>, limitedSkus: readonly string[]): string[] {
  if (limitedSkus.length === 0) return [];
  const units = JSON.stringify(Object.fromEntries(limitedSkus.map((sku) => [sku, quantities.get(sku)!])));
  const taken = c.all<{ sku: string }>(
    `UPDATE "Product" SET "stock" = "stock" - u.value FROM json_each(?) AS u
      WHERE "Product"."sku" = u.key AND "Product"."stock" >= u.value
     RETURNING "Product"."sku"`,
    [units],
  );
  if (taken.length === limitedSkus.length) return [];
  const missing = [...limitedSkus].sort().filter((sku) => !taken.some((t) => t.sku === sku));
  const now = c.all<{ sku: string; stock: number | bigint | null }>(
    `SELECT "sku", "stock" FROM "Product" WHERE "sku" IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(missing)],
  );
  return shortOrUnlimited(
    missing,
    now.map((p) => ({ sku: p.sku, stock: p.stock === null ? null : Number(p.stock) })),
  );
}

/** After a partial reservation: OUT_OF_STOCK naming every short SKU, or the SKUs found unlimited (nothing taken). */
function shortOrUnlimited(missing: string[], now: { sku: string; stock: number | null }[]): string[] {
  const short: StockShortage[] = missing
    .map((sku) => ({ sku, stock: now.find((p) => p.sku === sku)?.stock }))
    .filter((p) => p.stock !== null)
    .map((p) => ({ sku: p.sku, available: Math.max(0, p.stock ?? 0) }));
  if (short.length) {
    throw new AppError(
      "OUT_OF_STOCK",
      `库存不足：${short.map((s) => (s.available ? `${s.sku} 仅剩 ${s.available} 件` : `${s.sku} 已售罄`)).join("；")}`,
      { items: short },
    );
  }
  return missing;
}

/** Gives back what the order's lines reserved. Call only from the transaction that closed the order. */
export async function releaseStock(db: Tx, orderNo: string): Promise<void> {
  const lines = await db.orderLine.findMany({
    where: { subOrder: { orderNo }, stockReserved: { gt: 0 } },
    select: { sku: true, stockReserved: true },
  });
  for (const l of lines) {
    // A product made unlimited since (stock null) has nothing to give back to.
    await db.product.updateMany({ where: { sku: l.sku, stock: { not: null } }, data: { stock: { increment: l.stockReserved } } });
  }
}

/**
 * A payment WeChat reports for an order we had closed (and released): the goods are sold after all,
 * so take the units again. If fewer are left, stock goes to 0 and the shortfall is returned for the
 * audit row — the merchant must then source or refund them (money already moved, it cannot be refused).
 */
export async function retakeStock(db: Tx, orderNo: string): Promise<string[]> {
  const lines = await db.orderLine.findMany({
    where: { subOrder: { orderNo }, stockReserved: { gt: 0 } },
    select: { sku: true, stockReserved: true },
  });
  const shortfalls: string[] = [];
  for (const l of lines) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const took = await db.product.updateMany({
        where: { sku: l.sku, stock: { gte: l.stockReserved } },
        data: { stock: { decrement: l.stockReserved } },
      });
      if (took.count === 1) break;
      const p = await db.product.findUnique({ where: { sku: l.sku }, select: { stock: true } });
      if (!p || p.stock === null) break;
      const emptied = await db.product.updateMany({ where: { sku: l.sku, stock: p.stock }, data: { stock: 0 } });
      if (emptied.count === 1) {
        shortfalls.push(`${l.sku}×${l.stockReserved - p.stock}`);
        break;
      }
    }
  }
  return shortfalls;
}
