// The checkout's database work (lib/orders/checkout.ts decides; this module reads and writes), in each
// database's best form:
//
// - PostgreSQL: Prisma, and one interactive transaction for the order. Many app processes write at once, and
//   row locks decide between them (a hot product's stock row is locked from its update to COMMIT only).
// - SQLite: hand-written SQL on the process's one connection (lib/db.ts sqliteRead / sqliteWrite), no Prisma.
//   A checkout is the busiest write of a sale, and Prisma's per-statement cost (query compiler, promises,
//   interactive-transaction bookkeeping) was the largest part of its CPU in the bench profile. The order's
//   write is synchronous, runs alone in its savepoint of a group commit, and is all or nothing: an insert, a
//   limit, the stock or a spent budget that throws rolls back everything this checkout wrote, and only that.
//
// Both paths write the same rows with the same values; tests/integration run every checkout case on both.
import { dialect, prisma, sqliteInsert, sqliteRead, sqliteWrite, type Prisma, type SqliteDirect } from "@/lib/db";
import { sellingStoreWhere } from "@/lib/catalog/catalog";
import { reserveStock, reserveStockSqlite } from "@/lib/catalog/stock";
import type { WechatPayMode } from "@/lib/env";
import type { AdmittedUnits } from "./checkout-limits";
import { takePrepayBudgetSqlite } from "./prepay-budget";

/** An order found by its Idempotency-Key: what a repeated checkout compares (lib/orders/checkout.ts resume). */
export interface KeyedOrder {
  orderNo: string;
  cartHash: string | null;
  buyerIdHash: string | null;
}

/** A product of the cart as checkout prices it, with its store's delivery settings. */
export interface CartProduct {
  sku: string;
  name: string;
  priceFen: number;
  storeId: string;
  /** units left; null = unlimited */
  stock: number | null;
  store: {
    id: string;
    name: string;
    subMchid: string;
    mchid: string | null;
    deliveryMethods: string;
    shippingFeeFen: number;
    freeShippingOverFen: number | null;
    pickupAddress: string | null;
    pickupHours: string | null;
  };
}

/** The Order row checkout inserts (every other column keeps its default). */
export interface NewOrderRow {
  orderNo: string;
  mode: string;
  combineMchid: string;
  combineAppid: string;
  payChannel: string;
  payerOpenid: string | null;
  totalFen: number;
  payerIp: string;
  expiresAt: Date;
  checkoutKey: string | null;
  cartHash: string;
  buyerIdHash: string | null;
  prepayLeaseAt: Date;
  contactName: string;
  contactPhone: string;
  addressProvince: string | null;
  addressCity: string | null;
  addressDistrict: string | null;
  addressDetail: string | null;
  addressPostalCode: string | null;
}

export interface NewSubOrderRow {
  outTradeNo: string;
  storeId: string;
  position: number;
  mchid: string;
  subMchid: string | null;
  amountFen: number;
  description: string;
  attach: string;
  deliveryMethod: string;
  shippingFeeFen: number;
  /** set for NONE (FULFILLED from the start); otherwise the column's default, UNFULFILLED */
  fulfilmentStatus?: string;
  pickupAddress: string | null;
  pickupHours: string | null;
  pickupCode: string | null;
  lines: { sku: string; name: string; unitPriceFen: number; quantity: number; amountFen: number }[];
}

export interface NewOrder {
  order: NewOrderRow;
  subOrders: NewSubOrderRow[];
  /** units per SKU of the cart */
  quantities: ReadonlyMap<string, number>;
  /** the SKUs that were stock-limited when the cart was read: their units are reserved */
  limitedSkus: readonly string[];
  /** the checkout limits' units, taken with the order */
  units?: AdmittedUnits;
  now: Date;
}

export async function findOrderByCheckoutKey(checkoutKey: string): Promise<KeyedOrder | null> {
  if (dialect === "sqlite") {
    const rows = await sqliteRead((c) =>
      c.all<KeyedOrder>(`SELECT "orderNo", "cartHash", "buyerIdHash" FROM "Order" WHERE "checkoutKey" = ?`, [checkoutKey]),
    );
    return rows[0] ?? null;
  }
  return prisma.order.findUnique({ where: { checkoutKey }, select: { orderNo: true, cartHash: true, buyerIdHash: true } });
}

/**
 * The cart's products that are on sale (the product and its store active; in direct mode the store has its own
 * mchid), in catalogue order — sub-orders follow it, so the result page lists stores as the cart did.
 */
export async function readCartProducts(skus: readonly string[], mode: WechatPayMode): Promise<CartProduct[]> {
  if (dialect === "sqlite") {
    // Integers come back as bigint (the connection's safe integers): Number() each one.
    type Int = number | bigint;
    type Row = { sku: string; name: string; priceFen: Int; storeId: string; stock: Int | null } & {
      store_id: string;
      store_name: string;
      store_subMchid: string;
      store_mchid: string | null;
      store_deliveryMethods: string;
      store_shippingFeeFen: Int;
      store_freeShippingOverFen: Int | null;
      store_pickupAddress: string | null;
      store_pickupHours: string | null;
    };
    const rows = await sqliteRead((c) =>
      c.all<Row>(
        `SELECT p."sku", p."name", p."priceFen", p."storeId", p."stock",
                s."id" AS "store_id", s."name" AS "store_name", s."subMchid" AS "store_subMchid", s."mchid" AS "store_mchid",
                s."deliveryMethods" AS "store_deliveryMethods", s."shippingFeeFen" AS "store_shippingFeeFen",
                s."freeShippingOverFen" AS "store_freeShippingOverFen", s."pickupAddress" AS "store_pickupAddress",
                s."pickupHours" AS "store_pickupHours"
           FROM "Product" p JOIN "Store" s ON s."id" = p."storeId"
          WHERE p."sku" IN (SELECT value FROM json_each(?)) AND p."active" = 1
                -- the selling store (lib/catalog/catalog.ts sellingStoreWhere, in SQL)
                AND s."active" = 1 ${mode === "direct" ? `AND s."mchid" IS NOT NULL` : ""}
          ORDER BY p."sortOrder", p."sku"`,
        [JSON.stringify(skus)],
      ),
    );
    return rows.map((r) => ({
      sku: r.sku,
      name: r.name,
      priceFen: Number(r.priceFen),
      storeId: r.storeId,
      stock: r.stock === null ? null : Number(r.stock),
      store: {
        id: r.store_id,
        name: r.store_name,
        subMchid: r.store_subMchid,
        mchid: r.store_mchid,
        deliveryMethods: r.store_deliveryMethods,
        shippingFeeFen: Number(r.store_shippingFeeFen),
        freeShippingOverFen: r.store_freeShippingOverFen === null ? null : Number(r.store_freeShippingOverFen),
        pickupAddress: r.store_pickupAddress,
        pickupHours: r.store_pickupHours,
      },
    }));
  }
  return prisma.product.findMany({
    where: { sku: { in: [...skus] }, active: true, store: sellingStoreWhere(mode) },
    include: { store: true },
    orderBy: [{ sortOrder: "asc" }, { sku: "asc" }],
  });
}

/**
 * Inserts the order, its sub-orders and their lines, takes the checkout limits' units and reserves the stock —
 * all or nothing, so a rejected cart, a duplicate checkout key or a crash takes no stock. On SQLite the same
 * write also takes this second's unit of the prepay budget (one commit for both): it answers the end of that
 * second, or undefined when the budget is spent — the order is then kept unsent and its prepay lease freed,
 * for the shopper's retry with the same key. On PostgreSQL the budget is taken by the prepay itself
 * (lib/orders/pay-link.ts) and this answers undefined.
 *
 * Throws OUT_OF_STOCK, the limits' 429, DATABASE_BUSY, or the database's unique-key error when a concurrent
 * checkout with the same key won (isDuplicateCheckoutKey).
 */
export async function insertOrder(n: NewOrder): Promise<{ budgetUntil?: Date }> {
  return dialect === "sqlite" ? insertOrderSqlite(n) : insertOrderPostgres(n);
}

/** The unique-key error of a second order under the same Idempotency-Key, from either database. */
export function isDuplicateCheckoutKey(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "P2002" || code === "SQLITE_CONSTRAINT_UNIQUE";
}

const lineRows = (n: NewOrder) =>
  n.subOrders.flatMap((o) =>
    o.lines.map((l) => ({ ...l, outTradeNo: o.outTradeNo, stockReserved: n.limitedSkus.includes(l.sku) ? l.quantity : 0 })),
  );

async function insertOrderPostgres(n: NewOrder): Promise<{ budgetUntil?: Date }> {
  const { orderNo } = n.order;
  // The order, its sub-orders, their lines, the client's units of the checkout limits (its own rows), then the
  // one stock update: a hot product's row stays locked only from that statement to COMMIT, and every
  // transaction locks the client rows before the stock rows (no deadlock).
  await prisma.$transaction(
    async (db: Prisma.TransactionClient) => {
      await db.order.createMany({ data: [n.order] });
      await db.subOrder.createMany({ data: n.subOrders.map(({ lines: _lines, ...o }) => ({ ...o, orderNo })) });
      await db.orderLine.createMany({ data: lineRows(n) });
      await n.units?.take(db);
      const unlimitedNow = await reserveStock(db, n.quantities, n.limitedSkus);
      // Made unlimited since the read: nothing was taken, so a close must give nothing back.
      if (unlimitedNow.length) {
        await db.orderLine.updateMany({ where: { sku: { in: unlimitedNow }, subOrder: { orderNo } }, data: { stockReserved: 0 } });
      }
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
  return {};
}

function insertOrderSqlite(n: NewOrder): Promise<{ budgetUntil?: Date }> {
  const o = n.order;
  return sqliteWrite((c: SqliteDirect) => {
    sqliteInsert(c, "Order", { ...o, createdAt: n.now, updatedAt: n.now });
    for (const { lines: _lines, ...s } of n.subOrders) sqliteInsert(c, "SubOrder", { ...s, orderNo: o.orderNo });
    for (const l of lineRows(n)) sqliteInsert(c, "OrderLine", l);
    n.units?.takeSqlite(c);
    const unlimitedNow = reserveStockSqlite(c, n.quantities, n.limitedSkus);
    if (unlimitedNow.length) {
      c.run(
        `UPDATE "OrderLine" SET "stockReserved" = 0
          WHERE "sku" IN (SELECT value FROM json_each(?)) AND "outTradeNo" IN (SELECT "outTradeNo" FROM "SubOrder" WHERE "orderNo" = ?)`,
        [JSON.stringify(unlimitedNow), o.orderNo],
      );
    }
    const budgetUntil = takePrepayBudgetSqlite(c);
    // Spent: the order waits unsent for the retry with the same key, which must find its lease free.
    if (!budgetUntil) c.run(`UPDATE "Order" SET "prepayLeaseAt" = NULL WHERE "orderNo" = ?`, [o.orderNo]);
    return { budgetUntil };
  });
}
