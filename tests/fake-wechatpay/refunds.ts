// Refunds of combine sub-orders (reference §14): apply (POST /v3/refund/domestic/refunds), query
// (GET …/refunds/{out_refund_no}), the asynchronous PROCESSING → SUCCESS/CLOSED/ABNORMAL result, and the signed,
// encrypted REFUND.* notification on the real retry schedule. Money is integer fen.
import { z } from "zod";
import type { ApiCall, ApiResult, FakeContext } from "./context";
import { feeFen } from "./bills";
import { ApiError, paramError } from "./errors";
import { parseJsonBody } from "./combine-api";
import { ORDER_NO_RE, canonicalJson, notifyUrlIssue, parseStrictBody } from "./prepay-rules";
import { isPaidState, nextRefundId, type CombineOrder, type FakeRefund, type RefundStatus, type SubOrder } from "./store";
import { cstDate, rfc3339Cst } from "./time";

export const OUT_REFUND_NO_RE = /^[0-9A-Za-z_\-|*@]{1,64}$/;
/** §14.1.2 */
export const MAX_REFUNDS_PER_SUB_ORDER = 50;
export const REFUND_WINDOW_MS = 365 * 24 * 3600_000;
/** Default time from acceptance to SUCCESS (零钱: "within 5 minutes"), multiplied by notifyTimeScale. */
export const DEFAULT_REFUND_DELAY_MS = 10_000;
/** §14.1.2: partial refunds of one (sub-)order at least one minute apart; sooner → 429 FREQUENCY_LIMITED. */
export const DEFAULT_REFUND_MIN_INTERVAL_SECONDS = 60;

const refundSchema = z.strictObject({
  sub_mchid: z.string().min(1).max(32).optional(),
  transaction_id: z.string().min(1).max(32).optional(),
  out_trade_no: z.string().regex(ORDER_NO_RE, "must be 6-32 characters of [0-9A-Za-z_-|*]").optional(),
  out_refund_no: z.string().regex(OUT_REFUND_NO_RE, "must be 1-64 characters of [0-9A-Za-z_-|*@]"),
  reason: z
    .string()
    .min(1)
    .refine((s) => Buffer.byteLength(s, "utf8") <= 80, "must be at most 80 bytes")
    .optional(),
  notify_url: z.string().min(1).max(256).optional(),
  funds_account: z.enum(["AVAILABLE", "UNSETTLED"]).optional(),
  amount: z.strictObject({
    refund: z.int().min(1),
    total: z.int().min(1),
    currency: z.literal("CNY"),
    from: z.array(z.strictObject({ account: z.enum(["AVAILABLE", "UNAVAILABLE"]), amount: z.int().min(1) })).optional(),
  }),
  goods_detail: z.array(z.looseObject({})).optional(),
});

const refundKey = (mchid: string, outRefundNo: string) => `${mchid}\u0000${outRefundNo}`;
const storeOf = (s: SubOrder) => s.sub_mchid ?? s.mchid;

function findSubOrder(ctx: FakeContext, callerMchid: string, by: { out_trade_no?: string; transaction_id?: string }) {
  for (const order of ctx.store.orders.values()) {
    for (const s of order.sub_orders) {
      // Partner sub-orders belong to the SP (mchid = caller); direct sub-orders to the participant, who refunds
      // with its own key (§14.0): either way the sub-order's mchid must be the caller.
      if (s.mchid !== callerMchid) continue;
      if (by.out_trade_no !== undefined && s.out_trade_no !== by.out_trade_no) continue;
      if (by.transaction_id !== undefined && s.transaction_id !== by.transaction_id) continue;
      return { order, sub: s };
    }
  }
  return undefined;
}

export function refundsOf(ctx: FakeContext, outTradeNo: string): FakeRefund[] {
  return [...ctx.store.refunds.values()].filter((r) => r.out_trade_no === outTradeNo);
}

/**
 * §14.1.3 funds_account: where the refund is paid from. An old fund-flow merchant may ask for AVAILABLE
 * (UNSETTLED is for deposits); a split over accounts (amount.from) is paid from those accounts. Otherwise the
 * money comes from the order's unsettled funds while they are not yet settled — the fake settles a day's
 * payments at the next CST midnight (T+1) — and from the available balance afterwards.
 */
function fundsAccountOf(
  b: { funds_account?: "AVAILABLE" | "UNSETTLED"; amount: { from?: { account: "AVAILABLE" | "UNAVAILABLE" }[] } },
  sub: SubOrder,
  nowMs: number,
): FakeRefund["funds_account"] {
  if (b.funds_account !== undefined) return b.funds_account;
  if (b.amount.from?.length) return b.amount.from.some((f) => f.account === "UNAVAILABLE") ? "UNAVAILABLE" : "AVAILABLE";
  const paidAt = sub.success_time_ms;
  return paidAt !== undefined && cstDate(paidAt) === cstDate(nowMs) ? "UNSETTLED" : "AVAILABLE";
}

/** §14.1.3 response (also the query response). */
export function refundView(r: FakeRefund): Record<string, unknown> {
  return {
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    channel: r.channel,
    user_received_account: r.user_received_account,
    ...(r.status === "SUCCESS" && r.successAtMs !== undefined ? { success_time: rfc3339Cst(r.successAtMs) } : {}),
    create_time: rfc3339Cst(r.createdAtMs),
    status: r.status,
    funds_account: r.funds_account,
    amount: {
      total: r.total,
      refund: r.refund,
      from: r.from,
      payer_total: r.total,
      payer_refund: r.refund,
      settlement_refund: r.refund,
      settlement_total: r.total,
      discount_refund: 0,
      currency: "CNY",
      // 手续费退款金额: the share of the payment's fee given back, the negative 手续费 of the refund's bill row.
      refund_fee: feeFen(r.refund),
    },
    promotion_detail: [],
  };
}

export function handleRefundCreate(ctx: FakeContext, call: ApiCall): ApiResult {
  const b = parseStrictBody(parseJsonBody(call), refundSchema);
  if (b.transaction_id === undefined && b.out_trade_no === undefined)
    throw paramError("/out_trade_no", "transaction_id or out_trade_no is required");
  if (b.notify_url !== undefined) {
    const issue = notifyUrlIssue(b.notify_url, 256); // §14.1.1: string(256)
    if (issue) throw paramError("/notify_url", issue, b.notify_url);
  }
  const sp = call.callerMchid === ctx.keys.combineMchid;
  // §14.5 PARAM_ERROR texts: the SP must name the store, a direct merchant must not.
  if (sp && b.sub_mchid === undefined)
    throw new ApiError(400, "PARAM_ERROR", "受理机构必须传入sub_mch_id", {
      field: "/sub_mchid",
      location: "body",
      issue: "required in partner mode",
    });
  if (!sp && b.sub_mchid !== undefined)
    throw new ApiError(400, "PARAM_ERROR", "普通商户不允许传sub_mch_id", {
      field: "/sub_mchid",
      location: "body",
      issue: "not allowed in direct mode",
    });

  const found = findSubOrder(ctx, call.callerMchid, b);
  if (!found) throw new ApiError(404, "RESOURCE_NOT_EXISTS", "订单号不存在");
  const { order, sub } = found;
  if (sp && sub.sub_mchid !== b.sub_mchid) throw new ApiError(404, "RESOURCE_NOT_EXISTS", "子商户号和订单信息不匹配");
  if (!isPaidState(sub.trade_state) || sub.transaction_id === undefined)
    throw new ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在或尚未支付，不能退款");

  const key = refundKey(call.callerMchid, b.out_refund_no);
  const canonical = canonicalJson(b);
  const existing = ctx.store.refunds.get(key);
  if (existing) {
    // §14.1.2: same number + same content = the same refund (answered with its current state).
    if (existing.canonicalRequest !== canonical) {
      throw new ApiError(400, "INVALID_REQUEST", "请求内容和上次请求不一致，商户订单号/商户退款单号已经被其他请求使用");
    }
    return { status: 200, json: refundView(existing) };
  }
  if (b.amount.total !== sub.total_amount)
    throw new ApiError(400, "INVALID_REQUEST", "订单金额与原订单金额不一致", {
      field: "/amount/total",
      location: "body",
      value: b.amount.total,
    });
  const earlier = refundsOf(ctx, sub.out_trade_no);
  if (earlier.length >= MAX_REFUNDS_PER_SUB_ORDER)
    throw new ApiError(400, "INVALID_REQUEST", "退款次数超过限制（每笔订单最多50次部分退款）");
  const committed = earlier.filter((r) => r.status !== "CLOSED").reduce((sum, r) => sum + r.refund, 0);
  if (committed + b.amount.refund > sub.total_amount) throw new ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额");
  const now = ctx.clock.now();
  if (sub.success_time_ms !== undefined && now > sub.success_time_ms + REFUND_WINDOW_MS) {
    throw new ApiError(400, "INVALID_REQUEST", "订单已超过退款期限（支付成功后一年内可退款）");
  }
  // §14.1.2: partial refunds of one order at least a minute apart. Checked after the rules that make a request
  // wrong whatever the time (those answers say what to fix); a repeat of an accepted refund was answered above.
  const latest = Math.max(...earlier.map((r) => r.createdAtMs));
  if (earlier.length > 0 && now < latest + ctx.refundMinIntervalMs) {
    throw new ApiError(429, "FREQUENCY_LIMITED", "频率限制：同一笔订单的部分退款需间隔1分钟以上，请稍后以相同参数重试");
  }
  const store = storeOf(sub);
  const balance = ctx.store.balances.get(store);
  if (balance !== undefined && balance < b.amount.refund) throw new ApiError(403, "NOT_ENOUGH", "商户可用退款余额不足");
  if (balance !== undefined) ctx.store.balances.set(store, balance - b.amount.refund);

  const refund: FakeRefund = {
    key,
    callerMchid: call.callerMchid,
    ...(b.sub_mchid !== undefined ? { sub_mchid: b.sub_mchid } : {}),
    orderKey: order.key,
    combine_out_trade_no: order.combine_out_trade_no,
    out_trade_no: sub.out_trade_no,
    transaction_id: sub.transaction_id,
    out_refund_no: b.out_refund_no,
    refund_id: nextRefundId(now),
    refund: b.amount.refund,
    total: b.amount.total,
    ...(b.reason !== undefined ? { reason: b.reason } : {}),
    ...(b.notify_url !== undefined ? { notify_url: b.notify_url } : {}),
    canonicalRequest: canonical,
    status: "PROCESSING",
    channel: "ORIGINAL",
    user_received_account: "支付用户零钱",
    createdAtMs: now,
    funds_account: fundsAccountOf(b, sub, now),
    from: b.amount.from ?? [],
  };
  ctx.store.refunds.set(key, refund);
  // §14.6: the sub-order shows REFUND in the combine query as soon as a refund is accepted.
  sub.trade_state = "REFUND";
  scheduleRefundResult(ctx, refund);
  ctx.log(`refund ${refund.out_refund_no} accepted: ${refund.refund} fen of ${refund.out_trade_no}`);
  return { status: 200, json: refundView(refund) };
}

function scheduleRefundResult(ctx: FakeContext, r: FakeRefund): void {
  if (ctx.refundDelayMs === null) return; // manual mode: only `refund-result` decides
  r.timer = setTimeout(() => {
    r.timer = undefined;
    if (r.status === "PROCESSING") setRefundResult(ctx, r, "SUCCESS");
  }, ctx.refundDelayMs);
  r.timer.unref();
}

export function handleRefundQuery(ctx: FakeContext, call: ApiCall): ApiResult {
  const no = call.params[0] ?? "";
  if (!OUT_REFUND_NO_RE.test(no)) throw paramError("out_refund_no", "must be 1-64 characters of [0-9A-Za-z_-|*@]", no, "path");
  const q = new URLSearchParams(call.rawQuery);
  for (const k of q.keys()) if (k !== "sub_mchid") throw paramError(k, `unknown query parameter "${k}"`, undefined, "query");
  const subMchid = q.get("sub_mchid") ?? undefined;
  const sp = call.callerMchid === ctx.keys.combineMchid;
  if (sp && subMchid === undefined)
    throw new ApiError(400, "PARAM_ERROR", "受理机构必须传入sub_mch_id", {
      field: "sub_mchid",
      location: "query",
      issue: "required in partner mode",
    });
  const r = ctx.store.refunds.get(refundKey(call.callerMchid, no));
  if (!r || (sp && r.sub_mchid !== subMchid)) throw new ApiError(404, "RESOURCE_NOT_EXISTS", "退款单号错误或退款单状态不正确");
  return { status: 200, json: refundView(r) };
}

const abnormalSchema = z.strictObject({
  sub_mchid: z.string().min(1).max(32).optional(),
  out_refund_no: z.string().regex(OUT_REFUND_NO_RE, "must be 1-64 characters of [0-9A-Za-z_-|*@]"),
  type: z.enum(["USER_BANK_CARD", "MERCHANT_BANK_CARD"]),
  bank_type: z.string().min(1).max(16).optional(),
  // encrypted with the platform key (§10); the fake only checks they are there
  bank_account: z.string().min(1).max(1024).optional(),
  real_name: z.string().min(1).max(1024).optional(),
});

/**
 * §14.3 POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund: only an ABNORMAL refund, named by
 * both its refund_id and its out_refund_no (and its store in partner mode), is redirected to a bank card; it
 * goes back to PROCESSING and then succeeds like any refund, on the OTHER_BANKCARD channel.
 */
export function handleAbnormalRefund(ctx: FakeContext, call: ApiCall): ApiResult {
  const refundId = call.params[0] ?? "";
  const b = parseStrictBody(parseJsonBody(call), abnormalSchema);
  const sp = call.callerMchid === ctx.keys.combineMchid;
  if (sp && b.sub_mchid === undefined) throw paramError("/sub_mchid", "required in partner mode");
  if (!sp && b.sub_mchid !== undefined) throw paramError("/sub_mchid", "not allowed in direct mode");
  if (b.type === "USER_BANK_CARD") {
    for (const f of ["bank_type", "bank_account", "real_name"] as const)
      if (b[f] === undefined) throw paramError(`/${f}`, "required when type is USER_BANK_CARD");
  }
  const r = ctx.store.refunds.get(refundKey(call.callerMchid, b.out_refund_no));
  if (!r || r.refund_id !== refundId || (sp && r.sub_mchid !== b.sub_mchid)) throw new ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在");
  if (r.status !== "ABNORMAL") throw new ApiError(400, "INVALID_REQUEST", "退款单状态不是退款异常，无需发起异常退款");
  r.status = "PROCESSING";
  r.abnormalApplied = b.type;
  r.channel = "OTHER_BANKCARD";
  r.user_received_account = b.type === "MERCHANT_BANK_CARD" ? "商户银行账户" : `${b.bank_type} 借记卡`;
  ctx.log(`refund ${r.out_refund_no} ABNORMAL → PROCESSING (${b.type})`);
  scheduleRefundResult(ctx, r);
  return { status: 200, json: refundView(r) };
}

const FORWARD: Record<RefundStatus, RefundStatus[]> = {
  PROCESSING: ["SUCCESS", "CLOSED", "ABNORMAL"],
  ABNORMAL: ["SUCCESS", "CLOSED"],
  SUCCESS: [],
  CLOSED: [],
};

/**
 * Moves a refund to its result (the timer, or `refund-result` on the control API) and sends the REFUND.*
 * notification. An ABNORMAL refund later completed goes to a bank card (channel OTHER_BANKCARD, §14.1.4).
 */
export function setRefundResult(ctx: FakeContext, r: FakeRefund, status: "SUCCESS" | "CLOSED" | "ABNORMAL"): boolean {
  if (!FORWARD[r.status].includes(status)) return false;
  if (r.timer) clearTimeout(r.timer);
  r.timer = undefined;
  const now = ctx.clock.now();
  if (status === "SUCCESS") {
    r.successAtMs = now;
    if (r.status === "ABNORMAL") {
      r.channel = "OTHER_BANKCARD";
      r.user_received_account = "招商银行借记卡0403";
    }
  }
  if (status === "CLOSED") {
    r.closedAtMs = now;
    // The money never left: give it back to the store's balance (when one is tracked).
    const order = ctx.store.orders.get(r.orderKey);
    const sub = order?.sub_orders.find((s) => s.out_trade_no === r.out_trade_no);
    const store = sub ? storeOf(sub) : undefined;
    if (store !== undefined && ctx.store.balances.has(store))
      ctx.store.balances.set(store, (ctx.store.balances.get(store) ?? 0) + r.refund);
  }
  r.status = status;
  ctx.log(`refund ${r.out_refund_no} → ${status}`);
  sendRefundNotification(ctx, r);
  return true;
}

const SUMMARY: Record<string, string> = { SUCCESS: "退款成功", CLOSED: "退款关闭", ABNORMAL: "退款异常" };

/** §14.4.3 plaintext: SP → sp_mchid + sub_mchid; direct → mchid. */
export function refundNotificationPlaintext(r: FakeRefund): Record<string, unknown> {
  return {
    ...(r.sub_mchid !== undefined ? { sp_mchid: r.callerMchid, sub_mchid: r.sub_mchid } : { mchid: r.callerMchid }),
    transaction_id: r.transaction_id,
    out_trade_no: r.out_trade_no,
    refund_id: r.refund_id,
    out_refund_no: r.out_refund_no,
    refund_status: r.status,
    ...(r.status === "SUCCESS" && r.successAtMs !== undefined ? { success_time: rfc3339Cst(r.successAtMs) } : {}),
    user_received_account: r.user_received_account,
    amount: { total: r.total, refund: r.refund, payer_total: r.total, payer_refund: r.refund },
  };
}

export function sendRefundNotification(ctx: FakeContext, r: FakeRefund) {
  if (!r.notify_url) {
    // Real WeChat would use the URL configured in the merchant platform; the fake has none.
    ctx.log(`refund ${r.out_refund_no}: no notify_url, no notification`);
    return undefined;
  }
  return ctx.notifier.notifyRefund(
    `refund\u0000${r.key}\u0000${r.status}`,
    r.combine_out_trade_no,
    r.out_refund_no,
    r.notify_url,
    `REFUND.${r.status}`,
    SUMMARY[r.status] ?? "退款",
    JSON.stringify(refundNotificationPlaintext(r)),
  );
}

/** Control API lookups by out_refund_no (any caller); the first match wins. */
export function findRefundByNumber(ctx: FakeContext, outRefundNo: string): FakeRefund | undefined {
  for (const r of ctx.store.refunds.values()) if (r.out_refund_no === outRefundNo) return r;
  return undefined;
}

/**
 * Identifiers a refund call is "about", so that a fault naming a combine order (or an out_refund_no) hits the
 * refund calls of that order: the combine number of the refunded sub-order, and the out_refund_no.
 */
export function refundCallSubjects(ctx: FakeContext, rawPath: string, body: Buffer): string[] {
  if (!rawPath.startsWith("/v3/refund/domestic/refunds")) return [];
  const out: string[] = [];
  let outRefundNo: string | undefined;
  if (rawPath === "/v3/refund/domestic/refunds") {
    try {
      const b = JSON.parse(body.toString("utf8")) as { out_trade_no?: unknown; transaction_id?: unknown; out_refund_no?: unknown };
      if (typeof b.out_refund_no === "string") outRefundNo = b.out_refund_no;
      for (const order of ctx.store.orders.values()) {
        if (
          order.sub_orders.some(
            (s) => s.out_trade_no === b.out_trade_no || (s.transaction_id !== undefined && s.transaction_id === b.transaction_id),
          )
        ) {
          out.push(order.combine_out_trade_no);
        }
      }
    } catch {
      /* not JSON: the handler answers PARAM_ERROR */
    }
  } else if (rawPath.endsWith("/apply-abnormal-refund")) {
    const refundId = rawPath.slice("/v3/refund/domestic/refunds/".length, -"/apply-abnormal-refund".length);
    const r = [...ctx.store.refunds.values()].find((x) => x.refund_id === refundId);
    if (r) out.push(r.combine_out_trade_no, r.out_refund_no);
  } else {
    try {
      outRefundNo = decodeURIComponent(rawPath.slice("/v3/refund/domestic/refunds/".length));
    } catch {
      /* bad escape: the handler answers PARAM_ERROR */
    }
    const r = outRefundNo ? findRefundByNumber(ctx, outRefundNo) : undefined;
    if (r) out.push(r.combine_out_trade_no);
  }
  if (outRefundNo) out.push(outRefundNo);
  return out;
}

export type { CombineOrder };
