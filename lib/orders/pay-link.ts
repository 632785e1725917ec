import { isRefusalAfterUnknown, type CombineH5PrepayRequest } from "@/lib/wechatpay";
import { dialect, prisma, sqliteTime, sqliteWrite } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { wechatpay } from "@/lib/wechatpay-server";
import { closeOrder } from "./close";
import { queryAndApply } from "./query";
import { toBeijingRfc3339 } from "@/lib/time/beijing";
import { leasedCall, releaseWechatCall } from "./wechat-call-lease";
import { takePrepayBudget } from "./prepay-budget";
import { isOrderClosed, isOrderPaid, toAppError } from "@/lib/wechatpay-errors";

/** WeChat's h5_url lives 5 minutes; refresh a little early so a shopper never lands on a dead link. */
const H5_URL_LIFETIME_MS = 5 * 60_000;
const H5_URL_REFRESH_MARGIN_MS = 45_000;

export interface PayLink {
  payUrl: string;
  h5UrlExpiresAt: Date;
}

/** What a prepay is built from: the order as stored at checkout, sub-orders in position order. */
export interface OrderForPrepay {
  orderNo: string;
  combineAppid: string;
  combineMchid: string;
  payerIp: string;
  expiresAt: Date;
  prepayState: string;
  subOrders: { mchid: string; subMchid: string | null; attach: string; amountFen: number; outTradeNo: string; description: string }[];
}

export function loadOrder(orderNo: string) {
  return prisma.order.findUnique({ where: { orderNo }, include: { subOrders: { orderBy: { position: "asc" } } } });
}

/**
 * Built only from what was stored at checkout, so a re-prepay sends identical parameters and WeChat
 * answers with a fresh h5_url for the same order (§3.3) instead of "参数与首次请求时不一致".
 */
/** The sub_orders of a combine prepay, the same in both channels (H5 and JSAPI): one per store, in our amounts. */
export function prepaySubOrders(order: Pick<OrderForPrepay, "subOrders">): CombineH5PrepayRequest["sub_orders"] {
  return order.subOrders.map((s) => ({
    mchid: s.mchid,
    ...(s.subMchid ? { sub_mchid: s.subMchid } : {}),
    attach: s.attach,
    amount: { total_amount: s.amountFen, currency: "CNY" as const },
    out_trade_no: s.outTradeNo,
    description: s.description,
    settle_info: { profit_sharing: false },
  }));
}

export function buildPrepayRequest(order: OrderForPrepay): CombineH5PrepayRequest {
  const { appBaseUrl, wechatpay: w } = env();
  return {
    combine_appid: order.combineAppid,
    combine_mchid: order.combineMchid,
    combine_out_trade_no: order.orderNo,
    scene_info: {
      payer_client_ip: order.payerIp,
      device_id: "H5WEB01",
      h5_info: { type: "Wap", app_name: "多店合单收银台", app_url: appBaseUrl },
    },
    sub_orders: prepaySubOrders(order),
    time_expire: toBeijingRfc3339(order.expiresAt),
    notify_url: w.notifyUrl,
  };
}

/** Refuses what can no longer be paid: unknown, paid, closed, or past its time_expire (closed on the way). */
export async function payableOrder<T extends { orderNo: string; status: string; expiresAt: Date }>(order: T | null, now: Date): Promise<T> {
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  if (order.status === "PAID" || order.status === "REFUNDED") throw new AppError("ORDER_PAID", "该订单已支付，无需重复支付");
  if (order.status === "CLOSED") throw new AppError("ORDER_CLOSED", "该订单已关闭，请重新下单");
  if (now >= order.expiresAt) {
    await closeOrder(order.orderNo, "EXPIRED").catch(() => undefined);
    throw new AppError("ORDER_EXPIRED", "订单已超过支付时限，请重新下单");
  }
  return order;
}

export function payUrlFor(h5Url: string, orderNo: string): string {
  return `${h5Url}&redirect_url=${encodeURIComponent(`${env().appBaseUrl}/orders/${orderNo}`)}`;
}

/**
 * Returns a pay link that is still valid: the stored h5_url while it is fresh, else a new one from
 * an identical-parameter re-prepay. Refuses paid, closed and expired orders.
 */
export async function ensurePayUrl(orderNo: string, now = new Date()): Promise<PayLink> {
  const order = await payableOrder(await loadOrder(orderNo), now);
  if (order.payChannel === "JSAPI") throw channelConflict("H5");
  if (order.h5Url && order.h5UrlExpiresAt && order.h5UrlExpiresAt.getTime() - now.getTime() > H5_URL_REFRESH_MARGIN_MS) {
    return { payUrl: payUrlFor(order.h5Url, orderNo), h5UrlExpiresAt: order.h5UrlExpiresAt };
  }

  // At most one prepay per order per interval, across processes; a loser (a double tap, a flood)
  // waits briefly for the winner's link instead of calling WeChat itself.
  return leasedCall(orderNo, "prepayLeaseAt", {
    message: "正在生成支付链接，请稍后再试",
    settled: async () => {
      const o = await prisma.order.findUnique({ where: { orderNo }, select: { h5Url: true, h5UrlExpiresAt: true } });
      return o?.h5Url && o.h5UrlExpiresAt && o.h5UrlExpiresAt.getTime() - Date.now() > H5_URL_REFRESH_MARGIN_MS
        ? { payUrl: payUrlFor(o.h5Url, orderNo), h5UrlExpiresAt: o.h5UrlExpiresAt }
        : undefined;
    },
    // The shop-wide prepay budget, taken last so a loser of the lease (a double tap) spends none.
    call: (lease) => prepayWithinBudget(order, now, lease),
  });
}

/**
 * The first prepay of an order checkout() has just created, from what it holds in memory (no re-read).
 * The order was inserted holding its prepay lease (prepayLeaseAt = `leaseAt`), so a concurrent request
 * with the same Idempotency-Key waits for this call instead of making its own. The budget's unit is taken
 * here unless checkout took it with the order; over budget, the lease is freed and the order stays NOT_SENT
 * for the shopper's retry with the same key.
 */
export function prepayNewOrder(
  order: OrderForPrepay,
  lease: { leaseAt: Date; /** the end of the second whose budget unit was taken with the order (SQLite) */ budgetUntil?: Date },
  now: Date,
): Promise<PayLink> {
  return prepayWithinBudget(
    order,
    now,
    { release: () => releaseWechatCall(order.orderNo, "prepayLeaseAt", lease.leaseAt) },
    lease.budgetUntil,
  );
}

/**
 * The prepay under a unit of the shop-wide budget: `held` when one was taken already (the end of its second),
 * else one is taken now. A unit counts only in its own second: if that second is over before the call leaves
 * (a process too busy to send it in time), the call takes a unit of the current second instead, so WeChat never
 * sees one second's budget plus calls that waited in an overloaded process. Over budget: no WeChat call, the
 * lease is freed for the shopper's retry, and the order stays NOT_SENT until a retry (the same
 * Idempotency-Key, or 重新支付) finds budget.
 */
async function prepayWithinBudget(order: OrderForPrepay, now: Date, lease: { release(): Promise<void> }, held?: Date): Promise<PayLink> {
  await holdPrepayBudget(lease, held);
  return prepay(order, now);
}

/** The budget rule of prepayWithinBudget, for every channel (JSAPI: ./jsapi-pay.ts): a unit of the current second, or throws. */
export async function holdPrepayBudget(lease: { release(): Promise<void> }, held?: Date): Promise<void> {
  let until = held;
  try {
    while (!until || Date.now() >= until.getTime()) until = await takePrepayBudget();
  } catch (e) {
    await lease.release();
    throw e;
  }
}

async function prepay(order: OrderForPrepay, now: Date): Promise<PayLink> {
  const orderNo = order.orderNo;
  let h5Url: string;
  try {
    ({ h5_url: h5Url } = await wechatpay().combineH5Prepay(buildPrepayRequest(order)));
  } catch (e) {
    return prepayFailed(order, e);
  }
  const h5UrlExpiresAt = new Date(now.getTime() + H5_URL_LIFETIME_MS);
  await storePayLink(orderNo, h5Url, h5UrlExpiresAt);
  return { payUrl: payUrlFor(h5Url, orderNo), h5UrlExpiresAt };
}

/**
 * The fresh link on the order. Every checkout writes it, so on SQLite it is hand-written SQL that shares its commit
 * (the WAL fsync) with the other hot writes of the same turn (lib/db.ts sqliteWrite) instead of a Prisma update.
 */
async function storePayLink(orderNo: string, h5Url: string, h5UrlExpiresAt: Date): Promise<void> {
  if (dialect === "sqlite") {
    await sqliteWrite((db) =>
      db.run(
        `UPDATE "Order" SET "h5Url" = ?, "h5UrlExpiresAt" = ?, "prepayState" = 'OK', "lastPrepayError" = NULL, "updatedAt" = ?
          WHERE "orderNo" = ?`,
        [h5Url, sqliteTime(h5UrlExpiresAt), sqliteTime(new Date()), orderNo],
      ),
    );
    return;
  }
  await prisma.order.updateMany({
    where: { orderNo },
    data: { h5Url, h5UrlExpiresAt, prepayState: "OK", lastPrepayError: null },
  });
}

/**
 * A refused or unanswered prepay, whichever channel (H5 here, JSAPI in ./jsapi-pay.ts): the error is kept on the
 * order, and an answer that says the order is paid or closed — or a refusal after an unanswered attempt — is
 * checked against WeChat's view before the shopper is told anything. Always throws.
 */
export async function prepayFailed(order: { orderNo: string; prepayState: string }, e: unknown): Promise<never> {
  const orderNo = order.orderNo;
  await prisma.order.update({
    where: { orderNo },
    data: {
      prepayState: order.prepayState === "OK" ? "OK" : "FAILED",
      lastPrepayError: e instanceof Error ? e.message.slice(0, 500) : String(e),
    },
  });
  if (isOrderClosed(e)) throw new AppError("ORDER_CLOSED", "该订单已关闭，请重新下单");
  if (isOrderPaid(e)) {
    await queryAndApply(orderNo).catch(() => undefined);
    throw new AppError("ORDER_PAID", "该订单已支付，无需重复支付");
  }
  if (isRefusalAfterUnknown(e)) {
    // The first attempt may have created the order at WeChat (and an earlier link may even have paid it): the
    // refusal of the re-send says nothing about that. Ask WeChat and apply what it holds (§9.4).
    await queryAndApply(orderNo).catch(() => undefined);
    const now = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
    if (now?.status === "PAID" || now?.status === "REFUNDED") throw new AppError("ORDER_PAID", "该订单已支付，无需重复支付");
    if (now?.status === "CLOSED") throw new AppError("ORDER_CLOSED", "该订单已关闭，请重新下单");
  }
  throw toAppError(e);
}

/**
 * An order's attempt at WeChat has one channel (Order.payChannel, set at checkout). Re-paying it through the other one
 * is refused before any WeChat call: the shopper is sent back to where the order was started.
 */
export function channelConflict(wanted: "JSAPI" | "H5"): AppError {
  return wanted === "JSAPI"
    ? new AppError("PAY_CHANNEL_MISMATCH", "该订单是在浏览器中下单的，请回到下单时的浏览器继续支付，或在微信内重新下单")
    : new AppError("PAY_CHANNEL_MISMATCH", "该订单是在微信内下单的，请回到微信中继续支付");
}

/** The channel an order was created for: JSAPI, or H5 (also for orders from before JSAPI existed). */
export async function orderPayChannel(orderNo: string): Promise<"H5" | "JSAPI"> {
  const o = await prisma.order.findUnique({ where: { orderNo }, select: { payChannel: true } });
  if (!o) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return o.payChannel === "JSAPI" ? "JSAPI" : "H5";
}

/** The JSAPI readiness of each store of the order (lib/in-app/channel.ts decides with it). */
export async function orderStoresJsapiReady(orderNo: string): Promise<{ jsapiEnabled: boolean }[]> {
  const subs = await prisma.subOrder.findMany({ where: { orderNo }, select: { store: { select: { jsapiEnabled: true } } } });
  return subs.map((s) => s.store);
}
