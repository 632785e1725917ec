// Stock that cannot be oversold, decided by the database (never by an in-process lock):
//  - checkout reserves with one conditional UPDATE per product (`stock = stock - n WHERE stock >= n`)
//    inside the transaction that creates the order, so a failed or rolled-back checkout takes nothing
//    and two processes on PostgreSQL (row locks) or SQLite (one writer) can never both take the last unit;
//  - a close gives back exactly what each line reserved, inside the transaction whose conditional
//    status update (PENDING → CLOSED) won, so a close racing an expiry or WeChat's own CLOSED releases once;
//  - a paid order keeps its units; a payment that arrives after a close (WeChat is the truth: the order
//    becomes PAID again) takes them back, as far as any are left (see retakeStock).
import type { Prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";

type Tx = Prisma.TransactionClient;

export interface StockShortage {
  sku: string;
  /** Units left now (0 = sold out). */
  available: number;
}

/**
 * Reserves `quantity` units of every SKU whose stock is limited. Returns the units reserved per SKU
 * (0 for unlimited products). Throws OUT_OF_STOCK listing every short SKU; the caller's transaction
 * then rolls back whatever this call already took.
 */
export async function reserveStock(db: Tx, quantities: Map<string, number>): Promise<Map<string, number>> {
  const reserved = new Map<string, number>();
  const short: StockShortage[] = [];
  // A fixed order (by SKU) so concurrent PostgreSQL transactions lock product rows in the same order: no deadlocks.
  for (const sku of [...quantities.keys()].sort()) {
    const n = quantities.get(sku)!;
    const { count } = await db.product.updateMany({ where: { sku, stock: { gte: n } }, data: { stock: { decrement: n } } });
    if (count === 1) {
      reserved.set(sku, n);
      continue;
    }
    const p = await db.product.findUnique({ where: { sku }, select: { stock: true } });
    if (p && p.stock === null)
      reserved.set(sku, 0); // unlimited
    else short.push({ sku, available: Math.max(0, p?.stock ?? 0) });
  }
  if (short.length) {
    throw new AppError(
      "OUT_OF_STOCK",
      `库存不足：${short.map((s) => (s.available ? `${s.sku} 仅剩 ${s.available} 件` : `${s.sku} 已售罄`)).join("；")}`,
      {
        items: short,
      },
    );
  }
  return reserved;
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
