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
import { prisma } from "@/lib/db";
import { env, type CheckoutLimits } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { takeUnits } from "@/lib/http/attempt-limiter";
import { clientKey } from "@/lib/http/request-guards";
import { buyerIdFrom, hashBuyerId } from "./buyer";

const MINUTE = 60;

function rateLimited(message: string, retryAfterSeconds: number): AppError {
  return new AppError("RATE_LIMITED", message, { retryAfterSeconds });
}

/**
 * Throws 429 RATE_LIMITED (retryAfterSeconds) or 422 QUANTITY_LIMITED when this checkout is over a
 * limit; otherwise takes its unit of the per-minute limits. A repeated Idempotency-Key of an
 * existing order is not a new checkout: it passes untouched and checkout() returns that order.
 */
export async function enforceCheckoutLimits(
  request: Request,
  items: readonly { sku: string; quantity: number }[],
  checkoutKey: string | undefined,
  opts: {
    now?: Date;
    limits?: CheckoutLimits;
    /**
     * The cart's products as checkout() has just read them, for a key it found new (its `admit`):
     * neither the key nor the products are read again.
     */
    products?: readonly { sku: string; name: string; stock: number | null }[];
  } = {},
): Promise<void> {
  const now = opts.now ?? new Date();
  const limits = opts.limits ?? env().checkout;
  if (!opts.products && checkoutKey && (await prisma.order.findUnique({ where: { checkoutKey }, select: { orderNo: true } }))) return;

  const quantities = new Map<string, number>();
  for (const i of items) quantities.set(i.sku, (quantities.get(i.sku) ?? 0) + i.quantity);
  const limited = opts.products
    ? opts.products.filter((p) => p.stock !== null && quantities.has(p.sku)).sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    : await prisma.product.findMany({
        where: { sku: { in: [...quantities.keys()] }, stock: { not: null } },
        select: { sku: true, name: true },
        orderBy: { sku: "asc" },
      });
  const over = limited.filter((p) => quantities.get(p.sku)! > limits.maxUnitsPerLimitedSku);
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
    const pending = await prisma.order.findMany({
      where: { buyerIdHash, status: "PENDING", expiresAt: { gt: now } },
      select: { expiresAt: true },
      orderBy: { expiresAt: "asc" },
      take: limits.maxPendingPerBuyer,
    });
    if (pending.length >= limits.maxPendingPerBuyer) {
      const seconds = Math.max(1, Math.ceil((pending[0]!.expiresAt.getTime() - now.getTime()) / 1000));
      throw rateLimited(`您有 ${pending.length} 笔订单尚未支付，请先支付或取消后再下单`, seconds);
    }
  }

  const max = limits.maxPerMinutePerClient;
  const taken = await takeUnits(
    [
      { key: `checkout:ip:${clientKey(request)}`, limit: max, windowSeconds: MINUTE },
      ...(buyerIdHash ? [{ key: `checkout:buyer:${buyerIdHash}`, limit: max, windowSeconds: MINUTE }] : []),
    ],
    now,
  );
  if (!taken.taken) throw rateLimited(`下单太频繁，请 ${taken.retryAfterSeconds} 秒后再试`, taken.retryAfterSeconds);
}
