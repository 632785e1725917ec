// Fulfilment moves of one sub-order (README "Delivery and fulfilment" → "Fulfilment"). Each move is ONE
// conditional UPDATE naming the state it leaves, the delivery method and "paid", in a transaction with its
// FulfilmentEvent audit row: two staff pressing at once (any number of app processes, SQLite or PostgreSQL)
// → one row changes, the other request finds nothing to update and is told what the sub-order is now.
import { actorLabel, assertCan, seesAllStores, subOrderWhere, type AdminActor } from "@/lib/admin/scope";
import { randomInt } from "node:crypto";
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { DELIVERY_METHOD_LABELS, FULFILMENT_STATUS_LABELS, type DeliveryMethod, type FulfilmentStatus } from "@/lib/delivery/model";
import { beginAttempt } from "@/lib/http/attempt-limiter";
import {
  FULFILMENT_ACTION_LABELS,
  FULFILMENT_SELECT,
  MOVES,
  PAID_TRADE_STATES,
  toFulfilmentView,
  type FulfilmentMoveName,
  type FulfilmentRequest,
  type FulfilmentView,
} from "./model";

/** Wrong pickup codes allowed per sub-order per window (then 429 TOO_MANY_ATTEMPTS, even for the right code). */
export const PICKUP_CODE_MAX_TRIES = 10;
export const PICKUP_CODE_WINDOW_SECONDS = 3600;

export type MoveResult = { ok: true; fulfilment: FulfilmentView } | { ok: false; error: AppError };

interface MoveParams {
  carrier?: string;
  trackingNo?: string;
  /** PICKED_UP: the code staff typed; it is part of the conditional UPDATE. */
  pickupCode?: string;
  /** AUTO_DELIVERED: only sub-orders shipped at or before this instant. */
  shippedBefore?: Date;
}

/** The columns each move sets besides the state. */
function changes(name: FulfilmentMoveName, p: MoveParams, now: Date) {
  switch (name) {
    case "SHIP":
      return { carrier: p.carrier!, trackingNo: p.trackingNo!, shippedAt: now };
    case "UPDATE_TRACKING":
      return { carrier: p.carrier!, trackingNo: p.trackingNo! };
    case "DELIVERED":
    case "AUTO_DELIVERED":
      return { deliveredAt: now };
    case "READY_FOR_PICKUP":
      return { readyAt: now };
    case "PICKED_UP":
      return { pickedUpAt: now };
  }
}

/**
 * Makes one move, exactly once. The UPDATE is the transaction's first statement (SQLite's write lock /
 * PostgreSQL's row lock are taken at once), and its WHERE is the whole rule: this sub-order, in the move's
 * predecessor state, with the move's delivery method, paid, and — for moves that hand goods over — not
 * fully refunded. Refusals are explained afterwards from a fresh read, never decided by it.
 */
export async function makeMove(
  outTradeNo: string,
  name: FulfilmentMoveName,
  p: MoveParams,
  actor: string,
  now = new Date(),
): Promise<MoveResult> {
  const m = MOVES[name];
  const fulfilment = await prisma.$transaction(
    async (db) => {
      const { count } = await db.subOrder.updateMany({
        where: {
          outTradeNo,
          deliveryMethod: m.method,
          fulfilmentStatus: m.from,
          tradeState: { in: [...PAID_TRADE_STATES] },
          ...(m.handsOver ? { refundedFen: { lt: db.subOrder.fields.amountFen } } : {}),
          ...(p.pickupCode !== undefined ? { pickupCode: p.pickupCode } : {}),
          ...(p.shippedBefore ? { shippedAt: { lte: p.shippedBefore } } : {}),
        },
        data: { fulfilmentStatus: m.to, ...changes(name, p, now) },
      });
      if (count !== 1) return null;
      if (name === "READY_FOR_PICKUP") {
        // The checkout gives every pickup sub-order its code; one that has none (taken before pickup codes
        // existed) gets one now, or it could never be confirmed.
        await db.subOrder.updateMany({ where: { outTradeNo, pickupCode: null }, data: { pickupCode: newPickupCode() } });
      }
      const row = await db.subOrder.findUniqueOrThrow({ where: { outTradeNo }, select: { orderNo: true, ...FULFILMENT_SELECT } });
      await db.fulfilmentEvent.create({
        data: {
          outTradeNo,
          orderNo: row.orderNo,
          at: now,
          actor,
          action: name,
          fromStatus: m.from,
          toStatus: m.to,
          carrier: p.carrier ?? null,
          trackingNo: p.trackingNo ?? null,
        },
      });
      return toFulfilmentView(row);
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
  return fulfilment ? { ok: true, fulfilment } : { ok: false, error: await refusal(outTradeNo, name) };
}

/** Why a move found no row to change, from the sub-order as it is now. */
async function refusal(outTradeNo: string, name: FulfilmentMoveName): Promise<AppError> {
  const m = MOVES[name];
  const s = await prisma.subOrder.findUnique({
    where: { outTradeNo },
    select: { tradeState: true, amountFen: true, refundedFen: true, ...FULFILMENT_SELECT },
  });
  if (!s) return new AppError("INVALID_REQUEST", "请求参数有误（outTradeNo: 子单不存在）", { field: "outTradeNo" });
  if (!(PAID_TRADE_STATES as readonly string[]).includes(s.tradeState)) {
    return new AppError("ORDER_NOT_PAID", "该子单尚未支付，不能发货或自提");
  }
  const fulfilment = toFulfilmentView(s);
  const what = FULFILMENT_ACTION_LABELS[name];
  if (s.deliveryMethod !== m.method) {
    const method = DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod;
    return new AppError("FULFILMENT_CONFLICT", `该子单的配送方式是「${method}」，不能${what}`, { fulfilment });
  }
  if (s.fulfilmentStatus === m.from && m.handsOver && s.refundedFen >= s.amountFen) {
    return new AppError("SUB_ORDER_REFUNDED", `该子单已全额退款，不能${what}`, { fulfilment });
  }
  const now = FULFILMENT_STATUS_LABELS[s.fulfilmentStatus as FulfilmentStatus] ?? s.fulfilmentStatus;
  return new AppError("FULFILMENT_CONFLICT", `该子单当前为「${now}」，不能${what}（可能已有人处理，请刷新）`, { fulfilment });
}

/**
 * The admin API's entry: checks the sub-order belongs to the order, then makes the requested move.
 * PICKED_UP goes through the pickup-code limiter first.
 */
export async function applyFulfilment(who: AdminActor, orderNo: string, req: FulfilmentRequest, now = new Date()): Promise<FulfilmentView> {
  assertCan(who, "fulfilment");
  const actor = actorLabel(who);
  // Another store's sub-order is not found, like one that does not exist (lib/admin/scope.ts).
  const sub = await prisma.subOrder.findFirst({ where: { outTradeNo: req.outTradeNo, ...subOrderWhere(who) }, select: { orderNo: true } });
  if (!sub || sub.orderNo !== orderNo) {
    const order = await prisma.order.findFirst({ where: { orderNo, subOrders: { some: subOrderWhere(who) } }, select: { orderNo: true } });
    if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
    // A store's staff cannot tell another store's sub-order from none at all: both are not found.
    if (!seesAllStores(who)) throw new AppError("NOT_FOUND", "子单不存在（outTradeNo）", { field: "outTradeNo" });
    throw new AppError("INVALID_REQUEST", "请求参数有误（outTradeNo: 不是该订单的子单）", { field: "outTradeNo" });
  }
  const r =
    req.action === "PICKED_UP"
      ? await confirmPickup(req.outTradeNo, req.pickupCode, actor, now)
      : await makeMove(
          req.outTradeNo,
          req.action,
          "carrier" in req ? { carrier: req.carrier, trackingNo: req.trackingNo } : {},
          actor,
          now,
        );
  if (!r.ok) throw r.error;
  return r.fulfilment;
}

/**
 * 确认自提: the code the buyer shows is part of the conditional UPDATE. Every try is counted in the
 * database before it is evaluated (lib/http/attempt-limiter.ts: one RateLimitCounter row per sub-order per
 * hour), so neither concurrency nor several processes give more than PICKUP_CODE_MAX_TRIES guesses of the
 * 10^6 codes. A right code, or a refusal that was not about the code, hands its try back.
 */
async function confirmPickup(outTradeNo: string, pickupCode: string, actor: string, now: Date): Promise<MoveResult> {
  const attempt = await beginAttempt(
    [{ key: `pickup-code:${outTradeNo}`, limit: PICKUP_CODE_MAX_TRIES, windowSeconds: PICKUP_CODE_WINDOW_SECONDS }],
    now,
  );
  const r = await makeMove(outTradeNo, "PICKED_UP", { pickupCode }, actor, now);
  if (r.ok) {
    await attempt.succeeded();
    return r;
  }
  const s = await prisma.subOrder.findUnique({ where: { outTradeNo }, select: { orderNo: true, pickupCode: true, ...FULFILMENT_SELECT } });
  // The refusal was the code itself only when everything else would have let the move through.
  const wrongCode =
    s !== null &&
    r.error.code === "FULFILMENT_CONFLICT" &&
    s.deliveryMethod === "PICKUP" &&
    s.fulfilmentStatus === "READY_FOR_PICKUP" &&
    s.pickupCode !== pickupCode;
  if (!wrongCode) {
    await attempt.succeeded();
    return r;
  }
  // Audited (who tried, when; never the code typed): bounded by the limit above.
  await prisma.fulfilmentEvent.create({
    data: {
      outTradeNo,
      orderNo: s.orderNo,
      at: now,
      actor,
      action: "PICKUP_CODE_MISMATCH",
      fromStatus: "READY_FOR_PICKUP",
      toStatus: "READY_FOR_PICKUP",
    },
  });
  return {
    ok: false,
    error: new AppError("PICKUP_CODE_MISMATCH", "取件码不正确，请核对顾客出示的 6 位取件码", { fulfilment: toFulfilmentView(s) }),
  };
}

/** 6 random digits (uniform, leading zeros kept). */
export function newPickupCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}
