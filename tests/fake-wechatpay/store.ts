// In-memory state of the fake: combine orders, H5 links, bill tokens and the request log. Nothing persists:
// restarting the fake (or POST /__fake/reset) forgets everything.
import { randomInt } from "node:crypto";
import { cstCompactDate, rfc3339Cst } from "./time";

/** REFUND = paid, refund activity exists (docs/wechatpay.md §14.6). */
export type TradeState = "NOTPAY" | "SUCCESS" | "REFUND" | "CLOSED";
export const isPaidState = (s: TradeState) => s === "SUCCESS" || s === "REFUND";

export type RefundStatus = "PROCESSING" | "SUCCESS" | "CLOSED" | "ABNORMAL";

/** One refund of one sub-order (§14.1). Keyed by caller mchid + out_refund_no. */
export interface FakeRefund {
  key: string;
  callerMchid: string;
  sub_mchid?: string;
  orderKey: string;
  combine_out_trade_no: string;
  out_trade_no: string;
  transaction_id: string;
  out_refund_no: string;
  refund_id: string;
  refund: number;
  total: number;
  reason?: string;
  notify_url?: string;
  /** Canonical JSON of the first request: a repeat must be identical (§14.1.2). */
  canonicalRequest: string;
  status: RefundStatus;
  channel: "ORIGINAL" | "OTHER_BALANCE" | "OTHER_BANKCARD";
  user_received_account: string;
  createdAtMs: number;
  successAtMs?: number;
  /** When it became CLOSED (a bill generated before that still shows it, as PROCESSING). */
  closedAtMs?: number;
  /** §14.1.3: the account the refund is paid from (see fundsAccountOf in refunds.ts). */
  funds_account: "UNSETTLED" | "AVAILABLE" | "UNAVAILABLE";
  /** The request's amount.from, echoed in the answer. */
  from: { account: "AVAILABLE" | "UNAVAILABLE"; amount: number }[];
  /** §14.3: where an ABNORMAL refund was redirected (it then goes PROCESSING → SUCCESS). */
  abnormalApplied?: "USER_BANK_CARD" | "MERCHANT_BANK_CARD";
  timer?: NodeJS.Timeout;
}

/** One line of a trade bill as generated (bills.ts renders it per bill_type). */
export interface BillRow {
  timeText: string;
  sortKey: string;
  appid: string;
  mchid: string;
  subMchid: string;
  deviceId: string;
  transactionId: string;
  outTradeNo: string;
  openid: string;
  /** 交易类型: MWEB for H5 orders, JSAPI for orders prepaid inside WeChat. */
  tradeType: string;
  tradeState: string;
  /** Payment rows: the sub-order amount. Refund rows: the refund amount (申请退款金额 / 退款金额). */
  amountFen: number;
  description: string;
  attach: string;
  /** Present on refund rows (交易状态 REFUND, reference §14.7). */
  refund?: { refundId: string; outRefundNo: string; status: string; appliedText: string; successText: string; paidText: string };
}

export interface SubOrder {
  mchid: string;
  sub_mchid?: string;
  sub_appid?: string;
  out_trade_no: string;
  attach: string;
  description: string;
  total_amount: number;
  currency: string;
  trade_state: TradeState;
  transaction_id?: string;
  success_time_ms?: number;
  bank_type?: string;
  payer_amount?: number;
}

export interface PrepayLink {
  prepayId: string;
  /** The H5 link's package parameter; empty for JSAPI (the bridge's package is "prepay_id=…"). */
  package: string;
  orderKey: string;
  /** Which prepay API made it: an H5 link opens only the H5 cashier, a JSAPI prepay_id only the bridge. */
  channel: "H5" | "JSAPI";
  createdAtMs: number;
  /** h5_url is valid 5 minutes (§3.4), a JSAPI prepay_id 2 hours; on the business clock. */
  expiresAtMs: number;
}

export interface CombineOrder {
  key: string;
  mode: "direct" | "partner";
  /** /v3/combine-transactions/h5 or /jsapi: trade_type MWEB or JSAPI in query, notification and bill. */
  channel: "H5" | "JSAPI";
  combine_appid: string;
  combine_mchid: string;
  combine_out_trade_no: string;
  notify_url: string;
  /** Required for H5; optional for JSAPI. */
  device_id?: string;
  payer_client_ip: string;
  /** JSAPI: combine_payer_info.openid of the prepay — who may pay, and the payer in the notification. */
  prepay_openid?: string;
  /** Canonical JSON of the first prepay body: re-entry must be identical (§3.3). */
  canonicalRequest: string;
  createdAtMs: number;
  /** Effective time_expire after the server-side adjustments of §3.3. */
  timeExpireMs: number;
  sub_orders: SubOrder[];
  payer_openid?: string;
  closedAtMs?: number;
  paidAtMs?: number;
  cancelCount: number;
  links: PrepayLink[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  code?: string;
  requestId: string;
  mchid?: string;
  fault?: string;
  at: string;
}

/** One request of the bridge shim (bridge.ts) and its answer: err_msg null = no callback (the page was closed). */
export interface BridgeEvent {
  at: string;
  step: "verify" | "pay" | "cancel";
  prepayId: string | null;
  orderNo: string | null;
  errMsg: string | null;
  reason?: string;
  fault?: string;
}

export interface BillToken {
  token: string;
  mchid: string;
  plain: Buffer;
  gzip: boolean;
  expiresAtMs: number;
}

export const orderKey = (mchid: string, combineOutTradeNo: string) => `${mchid}\u0000${combineOutTradeNo}`;

// Transaction ids look like 4200001234202611270000000001 (28 digits, §5.1). The 10-digit tail starts at a random
// base per process so that restarting the fake does not hand out ids an app database already holds.
let txSeq = randomInt(1, 4_000_000_000);
export function nextTransactionId(businessNowMs: number): string {
  txSeq += 1;
  return `4200001234${cstCompactDate(businessNowMs)}${String(txSeq).padStart(10, "0")}`;
}

// Refund ids have 29 digits, like 50300004012026112600000000031 (§14.7): a fixed head, the CST date of acceptance,
// an 11-digit sequence starting at a random base per process (as for transaction ids).
let refundSeq = randomInt(1, 40_000_000_000);
export function nextRefundId(businessNowMs: number): string {
  refundSeq += 1;
  return `5030000401${cstCompactDate(businessNowMs)}${String(refundSeq).padStart(11, "0")}`;
}

export class FakeStore {
  readonly orders = new Map<string, CombineOrder>();
  /** `${mchid}\0${out_trade_no}` → order key: sub out_trade_no is unique under the initiator (§3.2). */
  readonly subOutTradeNos = new Map<string, string>();
  readonly links = new Map<string, PrepayLink>();
  readonly billTokens = new Map<string, BillToken>();
  readonly requests: RequestLogEntry[] = [];
  /** `${mchid}\0${out_refund_no}` → refund. */
  readonly refunds = new Map<string, FakeRefund>();
  /** Available refund balance per store (sub_mchid, or mchid in direct mode), in fen. Absent = unlimited. */
  readonly balances = new Map<string, number>();
  /** `${mchid}\0${bill_date}` → that day's bill rows, collected once at the first apply (bills.ts). */
  readonly frozenBills = new Map<string, BillRow[]>();
  /** What the bridge shim asked and was answered (verify, pay, cancel), in order. */
  readonly bridgeEvents: BridgeEvent[] = [];

  reset(): void {
    this.bridgeEvents.length = 0;
    for (const r of this.refunds.values()) if (r.timer) clearTimeout(r.timer);
    this.refunds.clear();
    this.balances.clear();
    this.orders.clear();
    this.subOutTradeNos.clear();
    this.links.clear();
    this.billTokens.clear();
    this.frozenBills.clear();
    this.requests.length = 0;
  }

  /** Control API lookups are by order number only (any mchid); the first match wins. */
  findByNumber(combineOutTradeNo: string): CombineOrder | undefined {
    for (const o of this.orders.values()) if (o.combine_out_trade_no === combineOutTradeNo) return o;
    return undefined;
  }
}

/** The §5.1 / §7.4 wire shape of a combine order: the query response and the decrypted notification. */
export function toTransaction(order: CombineOrder): Record<string, unknown> {
  const tx: Record<string, unknown> = {
    combine_appid: order.combine_appid,
    combine_mchid: order.combine_mchid,
    combine_out_trade_no: order.combine_out_trade_no,
    ...(order.device_id !== undefined ? { scene_info: { device_id: order.device_id } } : {}),
    sub_orders: order.sub_orders.map((s) => {
      const paid = isPaidState(s.trade_state);
      const out: Record<string, unknown> = { mchid: s.mchid };
      if (s.sub_mchid !== undefined) out.sub_mchid = s.sub_mchid;
      if (s.sub_appid !== undefined) out.sub_appid = s.sub_appid;
      // Unpaid sub-orders carry no transaction_id / success_time / bank_type / payer_amount (§5.1 "present after payment").
      if (paid) out.trade_type = tradeTypeOf(order);
      out.trade_state = s.trade_state;
      if (paid && s.bank_type) out.bank_type = s.bank_type;
      out.attach = s.attach;
      if (paid && s.success_time_ms !== undefined) out.success_time = rfc3339Cst(s.success_time_ms);
      if (paid && s.transaction_id) out.transaction_id = s.transaction_id;
      out.out_trade_no = s.out_trade_no;
      out.amount = paid
        ? { total_amount: s.total_amount, payer_amount: s.payer_amount ?? s.total_amount, currency: s.currency, payer_currency: s.currency }
        : { total_amount: s.total_amount, currency: s.currency };
      return out;
    }),
  };
  // combine_payer_info is "returned only after payment" (§5.1).
  if (order.payer_openid) tx.combine_payer_info = { openid: order.payer_openid };
  return tx;
}

export function tradeTypeOf(order: CombineOrder): "MWEB" | "JSAPI" {
  return order.channel === "JSAPI" ? "JSAPI" : "MWEB";
}

export function orderTotalFen(order: CombineOrder): number {
  return order.sub_orders.reduce((sum, s) => sum + s.total_amount, 0);
}

export type OrderStatus = "NOTPAY" | "SUCCESS" | "CLOSED";
export function orderStatus(order: CombineOrder): OrderStatus {
  if (order.sub_orders.every((s) => isPaidState(s.trade_state))) return "SUCCESS";
  if (order.sub_orders.some((s) => s.trade_state === "CLOSED")) return "CLOSED";
  return "NOTPAY";
}
