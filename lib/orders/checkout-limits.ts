// The limits of the anonymous checkout: each order costs a WeChat prepay, three rows and, for a
// stock-limited product, units nobody else can buy until it is paid or closed. Checked before
// checkout() creates anything, so a refused request makes no order, no reservation, no prepay.
//
// - CHECKOUT_MAX_UNITS_PER_LIMITED_SKU units of one stock-limited product per order (422 QUANTITY_LIMITED);
// - CHECKOUT_MAX_PENDING_PER_BUYER unpaid orders per browser (buyer_id cookie) whose time_expire has
//   not passed: they lapse on time, whether or not the expiry job has closed them yet (429);
// - CHECKOUT_MAX_PER_MINUTE_PER_CLIENT checkouts per minute per client address (IPv6: its /64) and per
//   buyer_id cookie, counted in RateLimitCounter windows (429). The address is checked first, so a
//   client inventing a new cookie per request adds no row once its address is full.
//
// Counted in the database, so the limits hold across processes. The pending count is read, not
// reserved: concurrent requests from one browser may pass it together, at most as many as the
// per-minute limit lets through.
import { dialect, prisma, sqliteRead, sqliteTime, type Prisma, type SqliteDirect } from "@/lib/db";
import { env, type CheckoutLimits } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { retryAfterSeconds, takeUnits, takeUnitsIn, takeUnitsSqlite, unitsUsed, type LimitRule } from "@/lib/http/attempt-limiter";
import { clientKey } from "@/lib/http/request-guards";
import { buyerIdFrom, hashBuyerId } from "./buyer";

const MINUTE = 60;

function rateLimited(message: string, retryAfterSeconds: number): AppError {
  return new AppError("RATE_LIMITED", message, { retryAfterSeconds });
}

type Product = { sku: string; name: string; stock: number | null };
type Options = { now?: Date; limits?: CheckoutLimits };

const tooOften = (retryAfterSeconds: number) => rateLimited(`下单太频繁，请 ${retryAfterSeconds} 秒后再试`, retryAfterSeconds);

/**
 * Throws 429 RATE_LIMITED (retryAfterSeconds) or 422 QUANTITY_LIMITED when this checkout is over a
 * limit; otherwise takes its unit of the per-minute limits. A repeated Idempotency-Key of an
 * existing order is not a new checkout: it passes untouched and checkout() returns that order.
 */
export async function enforceCheckoutLimits(
  request: Request,
  items: readonly { sku: string; quantity: number }[],
  checkoutKey: string | undefined,
  opts: Options = {},
): Promise<void> {
  const now = opts.now ?? new Date();
  if (checkoutKey && (await prisma.order.findUnique({ where: { checkoutKey }, select: { orderNo: true } }))) return;
  const quantities = cartQuantities(items);
  const limited = await prisma.product.findMany({
    where: { sku: { in: [...quantities.keys()] }, stock: { not: null } },
    select: { sku: true, name: true, stock: true },
  });
  const rules = await checkoutLimitRules(request, quantities, limited, { ...opts, now });
  const taken = await takeUnits(rules, now);
  if (!taken.taken) throw tooOften(taken.retryAfterSeconds);
}

/**
 * The per-minute units of an admitted checkout, taken inside the order's own transaction (one commit for both):
 * each throws the same 429 when a concurrent checkout took the last unit since the read — the transaction then
 * rolls back, order and units alike. One method per way the order is written (lib/orders/checkout-store.ts).
 */
export interface AdmittedUnits {
  /** In the order's Prisma transaction (PostgreSQL). */
  take(db: Prisma.TransactionClient): Promise<void>;
  /** In the order's SQLite write (lib/db.ts sqliteWrite), synchronously. */
  takeSqlite(c: SqliteDirect): void;
}

/**
 * The same limits for checkout() (its `admit`), which has found the key new and read the cart's products:
 * every refusal is decided here by reads, writing nothing; the units are taken later, with the order.
 */
export async function admitCheckout(
  request: Request,
  items: readonly { sku: string; quantity: number }[],
  products: readonly Product[],
  opts: Options = {},
): Promise<AdmittedUnits> {
  const now = opts.now ?? new Date();
  const rules = await checkoutLimitRules(request, cartQuantities(items), products, { ...opts, now });
  const used = await unitsUsed(rules, now);
  const full = rules.filter((r, i) => used[i]! >= r.limit);
  if (full.length) throw tooOften(retryAfterSeconds(full, now));
  return {
    take: async (db) => {
      if (!(await takeUnitsIn(db, rules, now))) throw tooOften(retryAfterSeconds(rules, now));
    },
    takeSqlite: (c) => {
      if (!takeUnitsSqlite(c, rules, now)) throw tooOften(retryAfterSeconds(rules, now));
    },
  };
}

function cartQuantities(items: readonly { sku: string; quantity: number }[]): Map<string, number> {
  const quantities = new Map<string, number>();
  for (const i of items) quantities.set(i.sku, (quantities.get(i.sku) ?? 0) + i.quantity);
  return quantities;
}

/** The read-only limits (units per limited product, unpaid orders per browser) and the per-minute rules to take. */
async function checkoutLimitRules(
  request: Request,
  quantities: Map<string, number>,
  products: readonly Product[],
  opts: Options & { now: Date },
): Promise<LimitRule[]> {
  const { now } = opts;
  const limits = opts.limits ?? env().checkout;
  const over = products
    .filter((p) => p.stock !== null && quantities.get(p.sku)! > limits.maxUnitsPerLimitedSku)
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  if (over.length) {
    throw new AppError("QUANTITY_LIMITED", `每单限购 ${limits.maxUnitsPerLimitedSku} 件：${over.map((p) => p.name).join("、")}`, {
      skus: over.map((p) => p.sku),
      maxUnits: limits.maxUnitsPerLimitedSku,
    });
  }

  // Only a cookie the browser already had names a buyer: a new one is minted per request and counts nothing.
  const buyerId = buyerIdFrom(request);
  const buyerIdHash = buyerId ? hashBuyerId(buyerId) : undefined;
  if (buyerIdHash) {
    const pending = await pendingOrders(buyerIdHash, now, limits.maxPendingPerBuyer);
    if (pending.length >= limits.maxPendingPerBuyer) {
      const seconds = Math.max(1, Math.ceil((pending[0]!.expiresAt.getTime() - now.getTime()) / 1000));
      throw rateLimited(`您有 ${pending.length} 笔订单尚未支付，请先支付或取消后再下单`, seconds);
    }
  }

  const max = limits.maxPerMinutePerClient;
  return [
    { key: `checkout:ip:${clientKey(request)}`, limit: max, windowSeconds: MINUTE },
    ...(buyerIdHash ? [{ key: `checkout:buyer:${buyerIdHash}`, limit: max, windowSeconds: MINUTE }] : []),
  ];
}

/** The browser's unpaid, unexpired orders, soonest deadline first (at most `take`). SQLite: the checkout's hot path, no Prisma. */
async function pendingOrders(buyerIdHash: string, now: Date, take: number): Promise<{ expiresAt: Date }[]> {
  if (dialect === "sqlite") {
    const rows = await sqliteRead((c) =>
      c.all<{ expiresAt: string }>(
        `SELECT "expiresAt" FROM "Order" WHERE "buyerIdHash" = ? AND "status" = 'PENDING' AND "expiresAt" > ?
          ORDER BY "expiresAt" LIMIT ?`,
        [buyerIdHash, sqliteTime(now), take],
      ),
    );
    return rows.map((r) => ({ expiresAt: new Date(r.expiresAt) }));
  }
  return prisma.order.findMany({
    where: { buyerIdHash, status: "PENDING", expiresAt: { gt: now } },
    select: { expiresAt: true },
    orderBy: { expiresAt: "asc" },
    take,
  });
}
