// The refund ledger (docs/wechatpay.md §14). WeChat has no API that lists an order's refunds, so this table is
// the truth. Every rule that money depends on is decided by the database inside one transaction:
// - the sum of a sub-order's live refunds never exceeds what was paid: ONE conditional UPDATE raises
//   SubOrder.refundReservedFen only if the result still fits (PostgreSQL re-checks the condition on the newest
//   row version after waiting for the row lock; SQLite serialises writers), never a read-then-write;
// - ≤ 50 refunds per sub-order (same UPDATE), ≥ N seconds since the previous one (checked under that row lock);
// - status only moves forward (conditional updates on the refund's status), each result applied once.
import { randomBytes } from "node:crypto";
import { prisma, type Db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { audit, type AuditInput } from "@/lib/payment-events/audit";
import { enqueueRefundMessage } from "@/lib/store-messages/outbox";
import { beijingStamp } from "@/lib/time/beijing";
import { wechatpay } from "@/lib/wechatpay-server";
import { classifyRefundFailure, isOutcomeUnknown, type RefundRequest, type RefundResponse } from "@/lib/wechatpay";
import { isResourceNotExists } from "@/lib/wechatpay-errors";
import { merchantMismatch, type NotifiedMerchant } from "./merchant-ids";

export const MAX_REFUNDS_PER_SUB_ORDER = 50;
export const REFUND_WINDOW_DAYS = 365;
/** Statuses of our ledger. PENDING and FAILED are ours; the others are WeChat's (§14.1.4). */
export const REFUND_STATUSES = ["PENDING", "PROCESSING", "ABNORMAL", "SUCCESS", "CLOSED", "FAILED"] as const;
export type LedgerRefundStatus = (typeof REFUND_STATUSES)[number];
/** Statuses that still hold their amount against the sub-order. */
export const LIVE_STATUSES: LedgerRefundStatus[] = ["PENDING", "PROCESSING", "ABNORMAL", "SUCCESS"];

/**
 * From which live statuses a WeChat status may be reached: forward only, SUCCESS and CLOSED are final. FAILED (ours:
 * "nothing exists at WeChat") may also move to any of them when WeChat itself says otherwise — see transition().
 */
const PREDECESSORS: Record<"PROCESSING" | "ABNORMAL" | "SUCCESS" | "CLOSED", LedgerRefundStatus[]> = {
  PROCESSING: ["PENDING"],
  ABNORMAL: ["PENDING", "PROCESSING"],
  SUCCESS: ["PENDING", "PROCESSING", "ABNORMAL"],
  CLOSED: ["PENDING", "PROCESSING", "ABNORMAL"],
};

/** §14.1.4 design rule: an unknown WeChat status is handled like PROCESSING (keep polling). */
export function normaliseWechatStatus(s: string): keyof typeof PREDECESSORS {
  return s === "SUCCESS" || s === "CLOSED" || s === "ABNORMAL" ? s : "PROCESSING";
}

export type RefundSource = "REFUND_CREATE" | "REFUND_QUERY" | "REFUND_NOTIFY";
export type RefundApplyOutcome = "APPLIED" | "DUPLICATE" | "NO_CHANGE";

export class RefundRejectedError extends Error {
  constructor(
    /** NO_ROOM: a refund WeChat holds does not fit next to our other live refunds yet (try again later). */
    readonly reason: "UNKNOWN_REFUND" | "MISMATCH" | "NO_ROOM",
    message: string,
  ) {
    super(message);
    this.name = "RefundRejectedError";
  }
}

/** "R" + Beijing yyMMddHHmmss + 8 random chars: 21 of [0-9A-Z], inside §14.1.1's [0-9A-Za-z_-|*@]{1,64}. */
export function newRefundNo(now: Date): string {
  const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let suffix = "";
  for (const b of randomBytes(8)) suffix += ALPHABET[b % 32];
  return `R${beijingStamp(now)}${suffix}`;
}

type RefundRow = NonNullable<Awaited<ReturnType<typeof prisma.refund.findUnique>>>;

/** The refund's row in the audit trail; refund messages count as verified unless said otherwise. */
function auditRefund(
  db: Pick<Db, "paymentEvent">,
  {
    status,
    verified = true,
    ...a
  }: Omit<AuditInput, "source" | "verified" | "tradeStates" | "outcome"> & {
    source: RefundSource;
    outcome: RefundApplyOutcome | "REJECTED";
    verified?: boolean;
    status?: string;
  },
): Promise<void> {
  return audit({ ...a, verified, tradeStates: status }, db);
}

// ---- creating a refund ------------------------------------------------------------------------------------------

export interface RefundInput {
  orderNo: string;
  outTradeNo: string;
  amountFen: number;
  reason?: string;
  idempotencyKey: string;
  requestedBy: string;
  now?: Date;
}

export interface RefundProblem {
  code: string;
  /**
   * "unknown" = may exist at WeChat, retried with the same number automatically; "retry_later" = refused for now,
   * sent again later under the same number (FREQUENCY_LIMITED: automatically; NOT_ENOUGH: after a top-up);
   * "final" = refused for good.
   */
  class: "unknown" | "retry_later" | "final";
  advice: string;
}

/**
 * Creates the refund in the ledger (reserving its amount) and sends it to WeChat once. A repeated
 * Idempotency-Key returns the stored refund without calling WeChat again. WeChat's refusal is not an exception:
 * the refund comes back with its problem (PENDING + advice for unknown/retry-later outcomes, FAILED for final ones).
 */
export async function requestRefund(input: RefundInput): Promise<{ refundNo: string; replayed: boolean; problem?: RefundProblem }> {
  const now = input.now ?? new Date();
  const existing = await prisma.refund.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
  if (existing) return { refundNo: sameRequest(existing, input), replayed: true };

  const order = await prisma.order.findUnique({
    where: { orderNo: input.orderNo },
    select: {
      status: true,
      paidAt: true,
      subOrders: {
        select: { outTradeNo: true, amountFen: true, subMchid: true, tradeState: true, successTime: true, refundReservedFen: true },
      },
    },
  });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  const sub = order.subOrders.find((s) => s.outTradeNo === input.outTradeNo);
  if (!sub) throw new AppError("INVALID_REQUEST", "请求参数有误（outTradeNo: 不是该订单的子订单）", { field: "outTradeNo" });
  if ((order.status !== "PAID" && order.status !== "REFUNDED") || !["SUCCESS", "REFUND"].includes(sub.tradeState)) {
    throw new AppError("ORDER_NOT_PAID", "订单尚未支付，不能退款");
  }
  const paidAt = sub.successTime ?? order.paidAt;
  if (paidAt && now.getTime() > paidAt.getTime() + REFUND_WINDOW_DAYS * 86400_000) {
    throw new AppError("REFUND_WINDOW_EXPIRED", "已超过支付成功后一年的退款期限，微信支付不再受理退款，请通过其他方式退款给顾客");
  }
  // A cheap early answer; the conditional UPDATE below is what actually decides.
  if (input.amountFen > sub.amountFen - sub.refundReservedFen) throw exceedsRemaining(sub.amountFen - sub.refundReservedFen);

  const refundNo = newRefundNo(now);
  const body: RefundRequest = {
    ...(sub.subMchid ? { sub_mchid: sub.subMchid } : {}),
    out_trade_no: sub.outTradeNo,
    out_refund_no: refundNo,
    ...(input.reason ? { reason: input.reason } : {}),
    notify_url: env().wechatpay.refundNotifyUrl,
    amount: { refund: input.amountFen, total: sub.amountFen, currency: "CNY" },
  };
  const minIntervalMs = env().refundMinIntervalSeconds * 1000;
  try {
    await prisma.$transaction(
      async (db) => {
        // The decision: the first statement, so SQLite takes its write lock and PostgreSQL the row lock at once.
        const reserved = await db.$executeRaw`
          UPDATE "SubOrder"
             SET "refundReservedFen" = "refundReservedFen" + ${input.amountFen}, "refundCount" = "refundCount" + 1
           WHERE "outTradeNo" = ${sub.outTradeNo}
             AND "refundReservedFen" + ${input.amountFen} <= "amountFen"
             AND "refundCount" < ${MAX_REFUNDS_PER_SUB_ORDER}
             AND "tradeState" IN ('SUCCESS', 'REFUND')`;
        const row = await db.subOrder.findUniqueOrThrow({
          where: { outTradeNo: sub.outTradeNo },
          select: { amountFen: true, refundReservedFen: true, refundCount: true, tradeState: true, lastRefundAt: true },
        });
        if (reserved !== 1) {
          if (!["SUCCESS", "REFUND"].includes(row.tradeState)) throw new AppError("ORDER_NOT_PAID", "订单尚未支付，不能退款");
          if (row.refundCount >= MAX_REFUNDS_PER_SUB_ORDER) {
            throw new AppError("REFUND_LIMIT_REACHED", `该子订单已退款 ${MAX_REFUNDS_PER_SUB_ORDER} 次，达到微信支付的部分退款次数上限`);
          }
          throw exceedsRemaining(row.amountFen - row.refundReservedFen);
        }
        // Read under the row lock our UPDATE holds: a concurrent refund of this sub-order waits for our commit.
        if (row.lastRefundAt && now.getTime() - row.lastRefundAt.getTime() < minIntervalMs) {
          const retryAt = new Date(row.lastRefundAt.getTime() + minIntervalMs);
          const seconds = Math.ceil((retryAt.getTime() - now.getTime()) / 1000);
          throw new AppError(
            "REFUND_TOO_SOON",
            `同一子订单两次退款需间隔至少 ${minIntervalMs / 1000} 秒（微信支付规则），请在 ${seconds} 秒后重试`,
            {
              retryAfterSeconds: seconds,
              retryAt: retryAt.toISOString(),
            },
          );
        }
        await db.subOrder.update({ where: { outTradeNo: sub.outTradeNo }, data: { lastRefundAt: now } });
        await db.refund.create({
          data: {
            refundNo,
            outTradeNo: sub.outTradeNo,
            orderNo: input.orderNo,
            subMchid: sub.subMchid,
            amountFen: input.amountFen,
            totalFen: sub.amountFen,
            reason: input.reason ?? null,
            requestedBy: input.requestedBy,
            idempotencyKey: input.idempotencyKey,
            requestBody: JSON.stringify(body),
            status: "PENDING",
            nextQueryAt: new Date(now.getTime() + 60_000),
          },
        });
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    // Two requests with the same key at once: the unique index let one in; the other returns its refund.
    if (isUniqueViolation(e)) {
      const winner = await prisma.refund.findUnique({ where: { idempotencyKey: input.idempotencyKey } });
      if (winner) return { refundNo: sameRequest(winner, input), replayed: true };
    }
    throw e;
  }
  const problem = await sendRefund(refundNo, now);
  return { refundNo, replayed: false, ...(problem ? { problem } : {}) };
}

function exceedsRemaining(remainingFen: number): AppError {
  return new AppError(
    "REFUND_EXCEEDS_REMAINING",
    `退款金额超过该门店子订单的可退金额（剩余 ¥${(Math.max(0, remainingFen) / 100).toFixed(2)}）`,
    {
      remainingFen: Math.max(0, remainingFen),
    },
  );
}

function sameRequest(r: RefundRow, input: RefundInput): string {
  if (
    r.orderNo !== input.orderNo ||
    r.outTradeNo !== input.outTradeNo ||
    r.amountFen !== input.amountFen ||
    (r.reason ?? undefined) !== (input.reason || undefined)
  ) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于另一笔不同的退款请求");
  }
  return r.refundNo;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}

/**
 * Sends (or re-sends) a PENDING refund: the stored body, byte for byte, under the same out_refund_no (§14.5).
 * Returns the problem when WeChat did not accept it.
 */
export async function sendRefund(refundNo: string, now = new Date()): Promise<RefundProblem | undefined> {
  const r = await prisma.refund.findUnique({ where: { refundNo } });
  if (!r || r.status !== "PENDING" || !r.requestBody) return undefined;
  // Counted before the call, in the database: a send whose answer never comes (a time-out, a crash) is known to
  // every later send, in any process — its outcome is unknown, so a later refusal cannot prove anything (§9.4).
  let sendCount: number;
  try {
    ({ sendCount } = await prisma.refund.update({
      where: { refundNo, status: "PENDING" },
      data: { sendCount: { increment: 1 } },
      select: { sendCount: true },
    }));
  } catch (e) {
    if (isNotFound(e)) return undefined; // settled meanwhile
    throw e;
  }
  let res: RefundResponse & { requestId?: string };
  try {
    res = await wechatpay().createRefund(JSON.parse(r.requestBody) as RefundRequest);
  } catch (e) {
    return settleRefusal(r, e, sendCount, now);
  }
  await applyRefundResult(refundResultFromResponse(res), { source: "REFUND_CREATE", requestId: res.requestId });
  return undefined;
}

/**
 * WeChat did not accept a send. A refusal decides (FAILED, the amount given back) only when no attempt of this refund
 * may have reached WeChat: the first send, no unanswered attempt inside it, and no other send started meanwhile.
 * Otherwise WeChat may hold the refund although it refused this re-send (a permission or certificate change, a
 * parameter check on the retry …): ask it first, and only RESOURCE_NOT_EXISTS — proof that nothing exists — may end
 * in FAILED (§9.4, §14.5).
 */
async function settleRefusal(r: RefundRow, e: unknown, sendCount: number, now: Date): Promise<RefundProblem | undefined> {
  const f = classifyRefundFailure(e);
  const requestId = (e as { requestId?: string }).requestId;
  if (f.class === "unknown") {
    await keepPending(r, f, now, { requestId, reason: `${f.class} ${f.code}` });
    return f;
  }
  const mayExist = sendCount > 1 || isOutcomeUnknown(e);
  if (!mayExist && f.class === "final" && (await markFailed(r, f, { requestId, reason: `refused ${f.code}`, onlyIfSendCount: 1 }))) {
    return f;
  }
  if (!mayExist && f.class === "retry_later") {
    await keepPending(r, f, now, { requestId, reason: `${f.class} ${f.code}` });
    return f;
  }
  let res: RefundResponse & { requestId?: string };
  try {
    res = await wechatpay().queryRefund(r.refundNo, r.subMchid ? { sub_mchid: r.subMchid } : undefined);
  } catch (qe) {
    if (isResourceNotExists(qe)) {
      const why = `${f.code} after an attempt whose outcome was unknown; query: RESOURCE_NOT_EXISTS`;
      if (f.class === "final") {
        await markFailed(r, f, { requestId, reason: `refused ${why}` });
        return f;
      }
      await keepPending(r, f, now, { requestId, reason: `${f.class} ${why}` });
      return f;
    }
    // Neither proof nor refund: PENDING, outcome unknown. refund-sync re-sends and asks again on its backoff.
    // Its own code, not the refusal's: a PENDING refund whose outcome is unknown must stay on refund-sync's list
    // (which leaves NOT_ENOUGH ones to the merchant).
    const unknown: RefundProblem = {
      class: "unknown",
      code: "OUTCOME_UNKNOWN",
      advice: `上一次请求未收到微信支付的明确答复，重发时被拒绝（${f.code}），微信支付可能已受理该退款：正在以同一退款单号查询并重试，请勿重新发起新的退款。`,
    };
    await keepPending(r, unknown, now, {
      requestId,
      reason: `${f.code} after an attempt whose outcome was unknown; query failed: ${classifyRefundFailure(qe).code}`,
    });
    return unknown;
  }
  // WeChat holds the refund: the refusal was about the re-send, never about the refund.
  await applyRefundResult(refundResultFromResponse(res), { source: "REFUND_QUERY", requestId: res.requestId });
  return undefined;
}

/** PENDING stays: the problem is recorded for the merchant and refund-sync's next slot is booked. */
async function keepPending(r: RefundRow, f: RefundProblem, now: Date, meta: { requestId?: string; reason: string }): Promise<void> {
  await prisma.refund.updateMany({
    where: { refundNo: r.refundNo, status: "PENDING" },
    data: { lastErrorCode: f.code, lastErrorMessage: f.advice, nextQueryAt: new Date(now.getTime() + 60_000) },
  });
  await auditRefund(prisma, {
    source: "REFUND_CREATE",
    orderNo: r.orderNo,
    refundNo: r.refundNo,
    outcome: "NO_CHANGE",
    reason: meta.reason,
    requestId: meta.requestId,
  });
}

/**
 * The one way into FAILED: nothing exists at WeChat, so the amount and the count go back to the sub-order. From
 * PENDING only, and with `onlyIfSendCount` only while no other send of this refund has started. Returns whether it moved.
 */
async function markFailed(
  r: RefundRow,
  f: RefundProblem,
  meta: { requestId?: string; reason: string; onlyIfSendCount?: number },
): Promise<boolean> {
  return prisma.$transaction(async (db) => {
    const { count } = await db.refund.updateMany({
      where: { refundNo: r.refundNo, status: "PENDING", ...(meta.onlyIfSendCount ? { sendCount: meta.onlyIfSendCount } : {}) },
      data: { status: "FAILED", lastErrorCode: f.code, lastErrorMessage: f.advice },
    });
    if (count === 1) {
      await db.subOrder.update({
        where: { outTradeNo: r.outTradeNo },
        data: { refundReservedFen: { decrement: r.amountFen }, refundCount: { decrement: 1 } },
      });
    }
    await auditRefund(db, {
      source: "REFUND_CREATE",
      orderNo: r.orderNo,
      refundNo: r.refundNo,
      outcome: count === 1 ? "APPLIED" : "NO_CHANGE",
      reason: meta.reason,
      requestId: meta.requestId,
      status: "FAILED",
    });
    return count === 1;
  });
}

function isNotFound(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2025";
}

// ---- applying WeChat's view of a refund -------------------------------------------------------------------------

export interface RefundResult {
  refundNo: string;
  status: string;
  refundId: string;
  outTradeNo?: string;
  transactionId?: string;
  /** The merchant ids a notification names (§14.4.3); answers to our calls carry none (§14.1.3). */
  merchant?: NotifiedMerchant;
  amountFen: number;
  totalFen: number;
  channel?: string;
  userReceivedAccount?: string;
  successTime?: string;
  acceptedAt?: string;
}

/** WeChat's answer to a create, query or abnormal-refund call, as the ledger applies it. */
export function refundResultFromResponse(res: RefundResponse): RefundResult {
  return {
    refundNo: res.out_refund_no,
    status: res.status,
    refundId: res.refund_id,
    outTradeNo: res.out_trade_no,
    transactionId: res.transaction_id,
    // §14.1.3: the answer names no merchant; the ledger's mapping (out_refund_no → sub_mchid) is the truth.
    amountFen: res.amount.refund,
    totalFen: res.amount.total,
    channel: res.channel,
    userReceivedAccount: res.user_received_account,
    successTime: res.success_time,
    acceptedAt: res.create_time,
  };
}

const dateOrNull = (s: string | undefined) => {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
};

/** How WeChat's refund differs from our ledger row and its sub-order (假通知 check, §14.4.3), or null. */
function mismatch(
  r: RefundRow,
  sub: { transactionId: string | null; mchid: string; subMchid: string | null },
  x: RefundResult,
): string | null {
  const wrongMerchant = merchantMismatch(x.merchant, sub);
  if (wrongMerchant) return wrongMerchant;
  if (x.outTradeNo !== undefined && x.outTradeNo !== r.outTradeNo) return `out_trade_no ${x.outTradeNo} ≠ ${r.outTradeNo}`;
  if (x.transactionId !== undefined && sub.transactionId !== null && x.transactionId !== sub.transactionId)
    return `transaction_id ${x.transactionId} ≠ ${sub.transactionId}`;
  if (x.amountFen !== r.amountFen) return `amount.refund ${x.amountFen} ≠ ${r.amountFen}`;
  if (x.totalFen !== r.totalFen) return `amount.total ${x.totalFen} ≠ ${r.totalFen}`;
  return null;
}

/**
 * The one path by which WeChat's view of a refund (create answer, query, notification) changes ours: checked
 * against the ledger, then applied with a conditional update on the status inside one transaction — concurrent
 * duplicates change it exactly once, each attempt audited.
 */
export async function applyRefundResult(
  x: RefundResult,
  meta: { source: RefundSource; notificationId?: string; requestId?: string },
): Promise<RefundApplyOutcome> {
  const r = await prisma.refund.findUnique({ where: { refundNo: x.refundNo } });
  if (!r) {
    await auditRefund(prisma, { ...meta, orderNo: null, refundNo: x.refundNo, outcome: "REJECTED", reason: "unknown refund" });
    throw new RefundRejectedError("UNKNOWN_REFUND", `unknown refund ${x.refundNo}`);
  }
  const sub = await prisma.subOrder.findUniqueOrThrow({
    where: { outTradeNo: r.outTradeNo },
    select: { transactionId: true, mchid: true, subMchid: true },
  });
  const bad = mismatch(r, sub, x);
  if (bad) {
    await auditRefund(prisma, { ...meta, orderNo: r.orderNo, refundNo: r.refundNo, outcome: "REJECTED", reason: bad, status: x.status });
    throw new RefundRejectedError("MISMATCH", bad);
  }
  const target = normaliseWechatStatus(x.status);
  if (r.status === target || (r.status !== "FAILED" && !PREDECESSORS[target].includes(r.status as LedgerRefundStatus))) {
    // Already there, or a late/out-of-order message (e.g. PROCESSING after SUCCESS): nothing moves backwards.
    await auditRefund(prisma, {
      ...meta,
      orderNo: r.orderNo,
      refundNo: r.refundNo,
      outcome: r.status === target ? "DUPLICATE" : "NO_CHANGE",
      status: x.status,
    });
    return r.status === target ? "DUPLICATE" : "NO_CHANGE";
  }
  try {
    return await prisma.$transaction(
      async (db) => {
        const { outcome, reason } = await transition(db, r, target, x);
        await auditRefund(db, { ...meta, orderNo: r.orderNo, refundNo: r.refundNo, outcome, reason, status: x.status });
        return outcome;
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    if (e instanceof RefundRejectedError) {
      // Rolled back: audited on its own, after the transaction that could not take the amount.
      await auditRefund(prisma, {
        ...meta,
        orderNo: r.orderNo,
        refundNo: r.refundNo,
        outcome: "REJECTED",
        reason: e.message,
        status: x.status,
      });
    }
    throw e;
  }
}

type Tx = Parameters<Parameters<typeof prisma.$transaction>[0]>[0];

/**
 * Moves the refund to WeChat's status with one conditional update on its status, and its sub-order with it. From a
 * live status as usual; from FAILED when WeChat reports the refund after all (a refusal we once took as final, e.g.
 * after a lost answer): the amount is reserved again by the same conditional UPDATE as a new refund's, capped by what
 * was paid. When it does not fit — another live refund holds that money, typically one whose own outcome is still
 * unknown — the whole transaction is rolled back (RefundRejectedError NO_ROOM) and the next notification or query
 * tries again, once that other refund is settled.
 */
async function transition(
  db: Tx,
  r: { refundNo: string; outTradeNo: string; orderNo: string; amountFen: number },
  target: keyof typeof PREDECESSORS,
  x: RefundResult,
): Promise<{ outcome: RefundApplyOutcome; reason?: string }> {
  const data = {
    status: target,
    refundId: x.refundId,
    ...(x.channel ? { channel: x.channel } : {}),
    ...(x.userReceivedAccount ? { userReceivedAccount: x.userReceivedAccount } : {}),
    ...(target === "SUCCESS" ? { successTime: dateOrNull(x.successTime) ?? new Date() } : {}),
    ...(x.acceptedAt ? { acceptedAt: dateOrNull(x.acceptedAt) } : {}),
    lastErrorCode: null,
    lastErrorMessage: null,
  };
  const { count } = await db.refund.updateMany({ where: { refundNo: r.refundNo, status: { in: PREDECESSORS[target] } }, data });
  if (count === 1) {
    await followStatus(db, r, target);
    return { outcome: "APPLIED" };
  }
  const revived = await db.refund.updateMany({ where: { refundNo: r.refundNo, status: "FAILED" }, data });
  if (revived.count !== 1) return { outcome: "DUPLICATE" };
  // A CLOSED refund holds nothing, like a FAILED one: only its status changes.
  if (target !== "CLOSED") {
    const reserved = await db.$executeRaw`
      UPDATE "SubOrder" SET "refundReservedFen" = "refundReservedFen" + ${r.amountFen}, "refundCount" = "refundCount" + 1
       WHERE "outTradeNo" = ${r.outTradeNo} AND "refundReservedFen" + ${r.amountFen} <= "amountFen"`;
    if (reserved !== 1) {
      throw new RefundRejectedError(
        "NO_ROOM",
        `FAILED → ${target}: WeChat holds this refund, but ${r.amountFen} fen does not fit next to the other live refunds of ${r.outTradeNo} yet`,
      );
    }
    await followStatus(db, r, target === "SUCCESS" ? "SUCCESS" : "PROCESSING");
  }
  return {
    outcome: "APPLIED",
    reason: `FAILED → ${target}: WeChat holds this refund${target === "CLOSED" ? "" : "; its amount is reserved again"}`,
  };
}

/** What the refund's new status means for its sub-order (and order), inside the transaction that moved it. */
async function followStatus(
  db: Tx,
  r: { refundNo: string; outTradeNo: string; orderNo: string; amountFen: number },
  target: keyof typeof PREDECESSORS,
): Promise<void> {
  if (target === "SUCCESS") await recordRefundSuccess(db, r);
  else if (target === "CLOSED") {
    // A closed refund failed: its amount can be refunded again, under a new number (§14.1.2).
    await db.subOrder.update({ where: { outTradeNo: r.outTradeNo }, data: { refundReservedFen: { decrement: r.amountFen } } });
  } else {
    await db.subOrder.updateMany({ where: { outTradeNo: r.outTradeNo, tradeState: "SUCCESS" }, data: { tradeState: "REFUND" } });
  }
}

/**
 * The one place a refund's SUCCESS takes effect (run once, in the transaction whose conditional update moved the
 * refund to SUCCESS): the money is out, the sub-order says so, and the order is REFUNDED once every store is.
 */
async function recordRefundSuccess(db: Tx, r: { refundNo: string; outTradeNo: string; orderNo: string; amountFen: number }): Promise<void> {
  await db.subOrder.update({
    where: { outTradeNo: r.outTradeNo },
    data: { refundedFen: { increment: r.amountFen }, tradeState: "REFUND" },
  });
  // The store's staff hear of it (README "Store notifications"): one outbox row, in this transaction.
  await enqueueRefundMessage(db, r.refundNo);
  const subs = await db.subOrder.findMany({ where: { orderNo: r.orderNo }, select: { amountFen: true, refundedFen: true } });
  if (subs.every((s) => s.refundedFen >= s.amountFen)) {
    await db.order.updateMany({ where: { orderNo: r.orderNo, status: "PAID" }, data: { status: "REFUNDED" } });
  }
}

/**
 * A verified REFUND.* notification for a refund we never created (staff refunded in WeChat's merchant platform):
 * recorded as an EXTERNAL refund when it matches a paid sub-order of ours exactly — found by its transaction_id or
 * out_trade_no (the notification may name no store: the mchid-only shape), both agreeing when both are given, every
 * merchant id present ours for it, the same total, and an amount that fits what is left. Anything else is rejected.
 */
export async function recordExternalRefund(
  x: RefundResult,
  meta: { source: RefundSource; notificationId?: string },
): Promise<RefundApplyOutcome> {
  const select = { outTradeNo: true, orderNo: true, mchid: true, subMchid: true, transactionId: true, amountFen: true, tradeState: true };
  const sub =
    (x.transactionId ? await prisma.subOrder.findUnique({ where: { transactionId: x.transactionId }, select }) : null) ??
    (x.outTradeNo ? await prisma.subOrder.findUnique({ where: { outTradeNo: x.outTradeNo }, select }) : null);
  const reject = async (reason: RefundRejectedError["reason"], why: string): Promise<never> => {
    await auditRefund(prisma, {
      ...meta,
      orderNo: sub?.orderNo ?? null,
      refundNo: x.refundNo,
      outcome: "REJECTED",
      reason: why,
      status: x.status,
    });
    throw new RefundRejectedError(reason, why);
  };
  if (!sub) return reject("UNKNOWN_REFUND", `unknown refund ${x.refundNo} for unknown sub-order ${x.outTradeNo ?? "-"}`);
  if (!["SUCCESS", "REFUND"].includes(sub.tradeState)) return reject("MISMATCH", `external refund for unpaid sub-order ${sub.outTradeNo}`);
  if (x.outTradeNo !== undefined && x.outTradeNo !== sub.outTradeNo)
    return reject(
      "MISMATCH",
      `out_trade_no ${x.outTradeNo} ≠ ${sub.outTradeNo} (the sub-order of transaction_id ${x.transactionId ?? "-"})`,
    );
  if (x.transactionId !== undefined && sub.transactionId !== null && x.transactionId !== sub.transactionId)
    return reject("MISMATCH", "transaction_id mismatch");
  const wrongMerchant = merchantMismatch(x.merchant, sub);
  if (wrongMerchant) return reject("MISMATCH", wrongMerchant);
  if (x.totalFen !== sub.amountFen) return reject("MISMATCH", `amount.total ${x.totalFen} ≠ ${sub.amountFen}`);
  if (x.amountFen <= 0) return reject("MISMATCH", "amount.refund must be positive");
  const target = normaliseWechatStatus(x.status);
  try {
    return await prisma.$transaction(
      async (db) => {
        // A CLOSED external refund holds nothing; any other status holds its amount, if it fits.
        if (target !== "CLOSED") {
          const reserved = await db.$executeRaw`
            UPDATE "SubOrder" SET "refundReservedFen" = "refundReservedFen" + ${x.amountFen}, "refundCount" = "refundCount" + 1
             WHERE "outTradeNo" = ${sub.outTradeNo} AND "refundReservedFen" + ${x.amountFen} <= "amountFen"`;
          // WeChat holds it, so our other live refunds are what is wrong (one whose outcome is unknown, typically):
          // not applied now, and the next delivery tries again once they are settled.
          if (reserved !== 1)
            throw new RefundRejectedError(
              "NO_ROOM",
              `external refund ${x.amountFen} does not fit next to the other live refunds of ${sub.outTradeNo} yet`,
            );
        }
        await db.refund.create({
          data: {
            refundNo: x.refundNo,
            outTradeNo: sub.outTradeNo,
            orderNo: sub.orderNo,
            subMchid: sub.subMchid,
            amountFen: x.amountFen,
            totalFen: x.totalFen,
            origin: "EXTERNAL",
            requestedBy: "微信支付商户平台",
            status: target === "CLOSED" ? "CLOSED" : "PENDING",
            refundId: x.refundId,
          },
        });
        const outcome =
          target === "CLOSED"
            ? "APPLIED"
            : (
                await transition(
                  db,
                  { refundNo: x.refundNo, outTradeNo: sub.outTradeNo, orderNo: sub.orderNo, amountFen: x.amountFen },
                  target,
                  x,
                )
              ).outcome;
        await auditRefund(db, {
          ...meta,
          orderNo: sub.orderNo,
          refundNo: x.refundNo,
          outcome,
          reason: "external refund recorded",
          status: x.status,
        });
        return outcome;
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    if (isUniqueViolation(e)) return applyRefundResult(x, meta); // a concurrent duplicate recorded it first
    if (e instanceof RefundRejectedError) return reject(e.reason, e.message);
    throw e;
  }
}

// ---- query / retry ------------------------------------------------------------------------------------------------

/**
 * "查询退款": a PENDING refund is re-sent with the identical body (WeChat answers with the refund if it was
 * accepted meanwhile); any other — FAILED included, which WeChat may hold after all — is queried (§14.2) and the
 * answer applied through applyRefundResult.
 */
export async function refreshRefund(refundNo: string, now = new Date()): Promise<{ problem?: RefundProblem }> {
  const r = await prisma.refund.findUnique({ where: { refundNo } });
  if (!r) throw new AppError("REFUND_NOT_FOUND", "退款单不存在");
  try {
    if (r.status === "PENDING") {
      const problem = await sendRefund(refundNo, now);
      return problem ? { problem } : {};
    }
    const res = await wechatpay().queryRefund(refundNo, r.subMchid ? { sub_mchid: r.subMchid } : undefined);
    await applyRefundResult(refundResultFromResponse(res), { source: "REFUND_QUERY", requestId: res.requestId });
    return {};
  } catch (e) {
    if (e instanceof RefundRejectedError && e.reason === "NO_ROOM") {
      return {
        problem: {
          class: "retry_later",
          code: "NO_ROOM",
          advice:
            "微信支付已受理这笔退款，但该子订单的其他退款仍占用这部分金额（其中可能有结果未知的退款）：待其结果确定后再点“查询退款”。",
        },
      };
    }
    if (e instanceof RefundRejectedError) throw new AppError("WECHATPAY_REJECTED", "微信支付返回的退款与本地记录不符，已拒绝处理");
    if (r.status === "FAILED" && isResourceNotExists(e)) {
      // Confirmed: nothing exists at WeChat. It stays FAILED, with the refusal it had.
      await auditRefund(prisma, {
        source: "REFUND_QUERY",
        orderNo: r.orderNo,
        refundNo,
        outcome: "NO_CHANGE",
        reason: "RESOURCE_NOT_EXISTS: nothing at WeChat",
        requestId: (e as { requestId?: string }).requestId,
      });
      return {};
    }
    const f = classifyRefundFailure(e);
    return { problem: f };
  } finally {
    await prisma.refund.update({ where: { refundNo }, data: { queryCount: { increment: 1 }, lastQueriedAt: now } });
  }
}
