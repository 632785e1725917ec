// Stock that cannot be oversold, decided by the database (never by an in-process lock):
//  - checkout reserves with one conditional UPDATE for the cart (`stock = stock - n WHERE stock >= n` per SKU)
//    at the end of the transaction that creates the order, so a failed or rolled-back checkout takes nothing
//    and two processes on PostgreSQL (row locks) or SQLite (one writer) can never both take the last unit;
//  - a close gives back exactly what each line reserved, inside the transaction whose conditional
//    status update (PENDING → CLOSED) won, so a close racing an expiry or WeChat's own CLOSED releases once;
//  - a paid order keeps its units; a payment that arrives after a close (WeChat is the truth: the order
//    becomes PAID again) takes them back, as far as any are left (see retakeStock).
//
// Stock rows (sharding): on PostgreSQL a checkout holds its product's row lock from the stock update to COMMIT,
// so one product's checkouts commit one after another — at most one per commit latency (a few hundred a second
// on a disk that takes 2–3 ms to make a commit durable). A flash-sale product may instead keep its units in N
// StockShard rows (the admin's "库存分行"): a checkout takes its units from one row that has enough, picked at
// random, so N checkouts of it commit side by side. The product's own `stock` column is then 0 and the units
// left are the rows' sum (withStockTotals). When no single row has enough (the sale's last units, or a large
// quantity) the checkout locks the product's rows in row order and takes what each has: never more than the
// sum, never below 0, and two such checkouts cannot deadlock. Unsharded products (no rows) behave as before.
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { dialect, type SqliteDirect } from "@/lib/db";

type Tx = Prisma.TransactionClient;
type Reader = Pick<Tx, "stockShard">;

/**
 * Attempts at a free row with enough units (each one statement that never waits), a few milliseconds apart,
 * before locking all the product's rows: while rows with enough exist they are only held for a moment (a holder
 * commits within milliseconds), and locking them all would make every other checkout of the product wait.
 */
const FREE_ROW_TRIES = 40;

/** Splits `units` over `rows` rows as evenly as whole units allow (the first rows get the remainder). */
export function splitUnits(units: number, rows: number): number[] {
  return Array.from({ length: rows }, (_, i) => Math.floor(units / rows) + (i < units % rows ? 1 : 0));
}

/**
 * The stock readers show: each product's units left (its own `stock` plus its rows' units; null = unlimited)
 * and how many rows they are kept in (1 = the product's own row).
 */
export async function withStockTotals<T extends { sku: string; stock: number | null }>(
  db: Reader,
  products: T[],
): Promise<(T & { stockShards: number })[]> {
  const limited = products.filter((p) => p.stock !== null).map((p) => p.sku);
  const sums = limited.length
    ? await db.stockShard.groupBy({ by: ["sku"], where: { sku: { in: limited } }, _sum: { units: true }, _count: { _all: true } })
    : [];
  const bySku = new Map(sums.map((r) => [r.sku, { units: r._sum.units ?? 0, rows: r._count._all }]));
  return products.map((p) => {
    const rows = bySku.get(p.sku);
    return { ...p, stock: p.stock === null ? null : p.stock + (rows?.units ?? 0), stockShards: rows?.rows ?? 1 };
  });
}

/**
 * Sets a product's units left now (null = unlimited) and the number of rows they are kept in (1 = the product's
 * own row; more only for a limited product). Call inside the transaction that changes the product.
 */
export async function setStock(db: Tx, sku: string, units: number | null, rows: number): Promise<void> {
  await db.stockShard.deleteMany({ where: { sku } });
  if (units === null || rows <= 1) {
    await db.product.update({ where: { sku }, data: { stock: units } });
    return;
  }
  await db.product.update({ where: { sku }, data: { stock: 0 } });
  await db.stockShard.createMany({ data: splitUnits(units, rows).map((u, shard) => ({ sku, shard, units: u })) });
}

/** withStockTotals for the SQLite checkout's write (rows read on its own connection): units left, for OUT_OF_STOCK. */
function plusShards(now: { sku: string; stock: number | null }[], shards: { sku: string; units: number }[]) {
  return now.map((p) => ({
    sku: p.sku,
    stock: p.stock === null ? null : p.stock + shards.filter((s) => s.sku === p.sku).reduce((a, s) => a + s.units, 0),
  }));
}

/** One row with at least `n` units, picked at random (concurrent checkouts spread over the rows); SQLite paths. */
function pickRow(rows: { shard: number; units: number }[], n: number): number | undefined {
  const ok = rows.filter((r) => r.units >= n);
  return ok[Math.floor(Math.random() * ok.length)]?.shard;
}

/** What to take from each row, in row order, for `n` units; null when the rows hold fewer. */
function spread(rows: { shard: number; units: number }[], n: number): { shard: number; take: number }[] | null {
  const out: { shard: number; take: number }[] = [];
  let need = n;
  for (const r of rows) {
    if (need === 0) break;
    const take = Math.min(r.units, need);
    if (take > 0) out.push({ shard: r.shard, take });
    need -= take;
  }
  return need === 0 ? out : null;
}

/** From one row if one has enough (a random one), else spread over the rows in row order; null when they hold fewer. */
function planTake(rows: { shard: number; units: number }[], n: number): { shard: number; take: number }[] | null {
  const one = pickRow(rows, n);
  return one === undefined ? spread(rows, n) : [{ shard: one, take: n }];
}

const asRows = (rows: { shard: number | bigint; units: number | bigint }[]) =>
  rows.map((r) => ({ shard: Number(r.shard), units: Number(r.units) }));

/**
 * Takes `n` units of a sharded product in the caller's Prisma transaction: true when taken, false when its rows
 * hold fewer (or it has none). On PostgreSQL, deadlock-free because a checkout never waits for one of the
 * product's rows while holding another:
 *  1. one statement takes the units from a random row that has enough and that no other transaction holds
 *     (FOR UPDATE SKIP LOCKED: it never waits, and locks nothing when it finds nothing) — the common case;
 *  2. if every such row is held right now, a pause of 1–4 ms and again (the holders commit within milliseconds),
 *     up to FREE_ROW_TRIES times;
 *  3. otherwise (no row has enough: the sale's last units, or a large quantity) it locks the product's rows with
 *     units in row order, waiting for each, and takes from one or several of them.
 * Never a plain conditional UPDATE of a random row: one that waits and then finds too few units still keeps the
 * row's lock (a PostgreSQL row lock lives to the end of the transaction), and step 3 after it deadlocked.
 */
async function takeFromShards(db: Tx, sku: string, n: number): Promise<boolean> {
  if (dialect === "postgresql") {
    for (let attempt = 0; attempt < FREE_ROW_TRIES; attempt++) {
      const took = await db.$executeRaw`
        UPDATE "StockShard" SET "units" = "units" - ${n}
         WHERE ("sku", "shard") = (SELECT "sku", "shard" FROM "StockShard" WHERE "sku" = ${sku} AND "units" >= ${n}
                                    ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)
           AND "units" >= ${n}`;
      if (took === 1) return true;
      // Nothing free: is any row (held or not) worth waiting a moment for?
      const [{ enough }] = await db.$queryRaw<[{ enough: boolean }]>`
        SELECT EXISTS (SELECT 1 FROM "StockShard" WHERE "sku" = ${sku} AND "units" >= ${n}) AS "enough"`;
      if (!enough) break;
      await new Promise((r) => setTimeout(r, 1 + Math.random() * 3));
    }
  }
  // SQLite: the transaction holds the one write lock, so this is simply read, plan, write.
  const plan = planTake(await lockedShards(db, sku), n);
  for (const { shard, take } of plan ?? []) {
    await db.$executeRaw`UPDATE "StockShard" SET "units" = "units" - ${take} WHERE "sku" = ${sku} AND "shard" = ${shard}`;
  }
  return plan !== null;
}

/** A product's rows with units, in row order, locked on PostgreSQL (SQLite: the transaction holds the one write lock). */
async function lockedShards(db: Tx, sku: string): Promise<{ shard: number; units: number }[]> {
  const lock = dialect === "postgresql" ? Prisma.sql`FOR UPDATE` : Prisma.empty;
  return asRows(
    await db.$queryRaw`
    SELECT "shard", "units" FROM "StockShard" WHERE "sku" = ${sku} AND "units" > 0 ORDER BY "shard" ${lock}`,
  );
}

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
  // A sharded product's own row holds 0: its units are taken from its rows, after every product row (one lock order).
  const notTaken = skus.filter((sku) => !taken.some((t) => t.sku === sku));
  const sharded = new Set(
    (await db.stockShard.findMany({ where: { sku: { in: notTaken } }, distinct: ["sku"], select: { sku: true } })).map((r) => r.sku),
  );
  const missing: string[] = [];
  for (const sku of notTaken) {
    if (!sharded.has(sku) || !(await takeFromShards(db, sku, quantities.get(sku)!))) missing.push(sku);
  }
  if (!missing.length) return [];
  return shortOrUnlimited(
    missing,
    await withStockTotals(db, await db.product.findMany({ where: { sku: { in: missing } }, select: { sku: true, stock: true } })),
  );
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
  const missing = [...limitedSkus]
    .sort()
    .filter((sku) => !taken.some((t) => t.sku === sku))
    .filter((sku) => !takeFromShardsSqlite(c, sku, quantities.get(sku)!));
  if (!missing.length) return [];
  const now = c.all<{ sku: string; stock: number | bigint | null }>(
    `SELECT "sku", "stock" FROM "Product" WHERE "sku" IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(missing)],
  );
  const shards = c.all<{ sku: string; units: number | bigint }>(
    `SELECT "sku", "units" FROM "StockShard" WHERE "sku" IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(missing)],
  );
  return shortOrUnlimited(
    missing,
    plusShards(
      now.map((p) => ({ sku: p.sku, stock: p.stock === null ? null : Number(p.stock) })),
      shards.map((r) => ({ sku: r.sku, units: Number(r.units) })),
    ),
  );
}

/** takeFromShards inside the SQLite write (the one writer: no row locks needed). */
function takeFromShardsSqlite(c: SqliteDirect, sku: string, n: number): boolean {
  const plan = planTake(asRows(c.all(`SELECT "shard", "units" FROM "StockShard" WHERE "sku" = ? ORDER BY "shard"`, [sku])), n);
  for (const { shard, take } of plan ?? []) {
    const { changes } = c.run(`UPDATE "StockShard" SET "units" = "units" - ? WHERE "sku" = ? AND "shard" = ? AND "units" >= ?`, [
      take,
      sku,
      shard,
      take,
    ]);
    // Read and written in one synchronous write: a row cannot have changed in between (this rolls the checkout back if it did).
    if (changes !== 1) throw new Error(`stock row ${sku}#${shard} changed during the checkout's write`);
  }
  return plan !== null;
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
    // One lock order for every transaction that updates several products' stock (no deadlock between closes).
    orderBy: { sku: "asc" },
  });
  for (const l of lines) {
    // A sharded product gets its units back in one of its rows, picked at random (the total is what counts).
    const rows = await db.stockShard.findMany({ where: { sku: l.sku }, select: { shard: true } });
    if (rows.length) {
      const shard = rows[Math.floor(Math.random() * rows.length)]!.shard;
      await db.stockShard.update({ where: { sku_shard: { sku: l.sku, shard } }, data: { units: { increment: l.stockReserved } } });
      continue;
    }
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
    // One lock order for every transaction that updates several products' stock (no deadlock between closes).
    orderBy: { sku: "asc" },
  });
  const shortfalls: string[] = [];
  for (const l of lines) {
    const rows = await lockedShards(db, l.sku);
    if (rows.length || (await db.stockShard.count({ where: { sku: l.sku } }))) {
      // A sharded product: what its rows still hold, up to the line's units, in row order.
      let need = l.stockReserved;
      for (const r of rows) {
        const take = Math.min(r.units, need);
        if (take > 0)
          await db.stockShard.update({ where: { sku_shard: { sku: l.sku, shard: r.shard } }, data: { units: { decrement: take } } });
        need -= take;
      }
      if (need > 0) shortfalls.push(`${l.sku}×${need}`);
      continue;
    }
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
