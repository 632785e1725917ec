import { prisma } from "@/lib/db";
import { currentActor } from "@/lib/payment-events/actor-context";
import { AppError } from "@/lib/errors";
import { isRefusalAfterUnknown } from "@/lib/wechatpay";
import { wechatpay } from "@/lib/wechatpay-server";
import { releaseStock } from "@/lib/catalog/stock";
import { audit } from "@/lib/payment-events/audit";
import { queryAndApply } from "./query";
import { leasedCall } from "./wechat-call-lease";
import { isOrderClosed, isOrderNotExist, isOrderPaid, isUserPaying, toAppError } from "@/lib/wechatpay-errors";

export type CloseReason = "SHOPPER_CANCELLED" | "EXPIRED" | "MERCHANT" | "CHANNEL_SWITCH";

async function markClosed(orderNo: string, reason: CloseReason, note: string): Promise<void> {
  await prisma.$transaction(async (db) => {
    const { count } = await db.order.updateMany({
      where: { orderNo, status: "PENDING" },
      data: { status: "CLOSED", closedAt: new Date(), closeReason: reason },
    });
    if (count === 1) {
      await db.subOrder.updateMany({ where: { orderNo, tradeState: { notIn: ["SUCCESS", "REFUND"] } }, data: { tradeState: "CLOSED" } });
      // Only the transaction whose PENDING → CLOSED update won gives the stock back: exactly once.
      await releaseStock(db, orderNo);
    }
    await db.paymentEvent.create({
      data: {
        orderNo,
        source: "CLOSE",
        verified: true,
        outcome: count === 1 ? "APPLIED" : "DUPLICATE",
        reason: `${reason}: ${note}`,
        actor: currentActor(),
      },
    });
  });
}

/**
 * Closes an unpaid order at WeChat (all sub-orders, exactly as created — no partial close) and then
 * locally. ORDER_CLOSED counts as success. A paid order is refused; if WeChat says it was paid in
 * the meantime, the payment is recorded first.
 */
export async function closeOrder(orderNo: string, reason: CloseReason): Promise<"CLOSED"> {
  const order = await prisma.order.findUnique({ where: { orderNo }, include: { subOrders: { orderBy: { position: "asc" } } } });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  if (order.status === "PAID" || order.status === "REFUNDED") throw new AppError("ORDER_PAID", "订单已支付，不能关闭");
  if (order.status === "CLOSED") return "CLOSED";

  // At most one close call per order per interval, across processes: a loser waits briefly for the
  // winner's outcome (our database only) instead of calling WeChat again.
  return leasedCall(orderNo, "closeLeaseAt", {
    message: "正在处理上一次操作，请稍后再试",
    settled: async () => {
      const now = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
      if (now?.status === "PAID") throw new AppError("ORDER_PAID", "订单已支付，不能关闭");
      return now?.status === "CLOSED" ? ("CLOSED" as const) : undefined;
    },
    call: async () => {
      await closeAtWechat(order, reason);
      return "CLOSED" as const;
    },
  });
}

async function closeAtWechat(
  order: { orderNo: string; combineAppid: string; subOrders: { mchid: string; outTradeNo: string; subMchid: string | null }[] },
  reason: CloseReason,
): Promise<void> {
  const orderNo = order.orderNo;
  try {
    const r = await wechatpay().combineClose(orderNo, {
      combine_appid: order.combineAppid,
      sub_orders: order.subOrders.map((s) => ({
        mchid: s.mchid,
        out_trade_no: s.outTradeNo,
        ...(s.subMchid ? { sub_mchid: s.subMchid } : {}),
      })),
    });
    await markClosed(orderNo, reason, r.alreadyClosed ? "already closed at WeChat" : "closed at WeChat");
  } catch (e) {
    if (isOrderClosed(e)) {
      await markClosed(orderNo, reason, "already closed at WeChat");
    } else if (isOrderNotExist(e)) {
      // WeChat never created it (prepay failed or never sent), so it can never be paid.
      await markClosed(orderNo, reason, "unknown at WeChat");
    } else if (isOrderPaid(e) || isUserPaying(e)) {
      await queryAndApply(orderNo).catch(() => undefined);
      const now = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
      if (now?.status === "PAID" || now?.status === "REFUNDED") throw new AppError("ORDER_PAID", "订单已支付，不能关闭");
      if (isUserPaying(e)) throw new AppError("USER_PAYING", "您正在支付中，请稍后再试");
      throw toAppError(e);
    } else if (isRefusalAfterUnknown(e)) {
      // The first attempt may have closed it (its answer was lost); the refusal of the re-send proves nothing.
      // WeChat's view of the order decides (§9.4): a close it made is applied like any query result.
      await queryAndApply(orderNo).catch(() => undefined);
      const now = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
      if (now?.status === "CLOSED") return;
      if (now?.status === "PAID" || now?.status === "REFUNDED") throw new AppError("ORDER_PAID", "订单已支付，不能关闭");
      await audit({ source: "CLOSE", orderNo, verified: false, outcome: "NO_CHANGE", reason: `close outcome unknown: ${e.code}` });
      throw toAppError(e);
    } else {
      await audit({ source: "CLOSE", orderNo, verified: false, outcome: "REJECTED", reason: `close failed: ${(e as Error).message}` });
      throw toAppError(e);
    }
  }
}

export interface CloseExpiredOptions {
  /** Orders read per query (oldest first); default CLOSE_EXPIRED_BATCH. */
  batch?: number;
  /** Closes in flight at once, each one WeChat call; default CLOSE_EXPIRED_CONCURRENCY. */
  concurrency?: number;
  /** Stops between two orders once aborted (shutdown). */
  signal?: AbortSignal;
  /** Starts no further close after this instant (epoch ms): what is left is the next run's. */
  deadline?: number;
}

export const CLOSE_EXPIRED_BATCH = 200;
export const CLOSE_EXPIRED_CONCURRENCY = 4;

/**
 * Closes every pending order whose time_expire has passed, oldest first, batch after batch until
 * none is left (or the signal or deadline stops it) — so the job keeps up with however many orders
 * checkout admitted, instead of a fixed number per period. Used by the job runner (lib/jobs), the
 * CLI, the scheduler route and lazily. An order the shopper is paying right now (USER_PAYING) or
 * that turns out paid is left alone: counted, not failed, and looked at again next time (each run
 * examines an order at most once: the batches walk on by (expiresAt, orderNo)).
 */
export async function closeExpiredOrders(now = new Date(), opts: CloseExpiredOptions = {}) {
  const batch = opts.batch ?? CLOSE_EXPIRED_BATCH;
  const summary = { examined: 0, closed: 0, paid: 0, userPaying: 0, failed: [] as { orderNo: string; error: string }[] };
  const stopped = () => opts.signal?.aborted || (opts.deadline !== undefined && Date.now() >= opts.deadline);
  let after: { expiresAt: Date; orderNo: string } | undefined;
  while (!stopped()) {
    const expired = await prisma.order.findMany({
      where: {
        status: "PENDING",
        expiresAt: { lte: now },
        ...(after ? { OR: [{ expiresAt: { gt: after.expiresAt } }, { expiresAt: after.expiresAt, orderNo: { gt: after.orderNo } }] } : {}),
      },
      select: { orderNo: true, expiresAt: true },
      orderBy: [{ expiresAt: "asc" }, { orderNo: "asc" }],
      take: batch,
    });
    let next = 0;
    const worker = async () => {
      while (next < expired.length && !stopped()) {
        const { orderNo } = expired[next++]!;
        summary.examined += 1;
        try {
          await closeOrder(orderNo, "EXPIRED");
          summary.closed += 1;
        } catch (e) {
          if (e instanceof AppError && e.code === "ORDER_PAID") summary.paid += 1;
          else if (e instanceof AppError && e.code === "USER_PAYING") summary.userPaying += 1;
          else summary.failed.push({ orderNo, error: e instanceof Error ? e.message : String(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? CLOSE_EXPIRED_CONCURRENCY) }, worker));
    if (expired.length < batch) break;
    after = expired.at(-1);
  }
  return summary;
}

/** Lazily closes an order that is opened after its time_expire. Never throws: the page must render. */
export async function closeIfExpired(orderNo: string, now = new Date()): Promise<void> {
  const o = await prisma.order.findUnique({ where: { orderNo }, select: { status: true, expiresAt: true } });
  if (o?.status === "PENDING" && o.expiresAt <= now) await closeOrder(orderNo, "EXPIRED").catch(() => undefined);
}
