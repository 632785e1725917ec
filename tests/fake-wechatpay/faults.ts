// Injected faults, consumed one per matching call. They exist because the real service does all of these
// occasionally (§2.3, §2.6, §7.6, §9.3) and a sandbox never does them on demand.
import { z } from "zod";

export const API_FAULT_KINDS = [
  "system_error", // 500 SYSTEM_ERROR before the call has any effect
  "rate_limit", // 429 FREQUENCY_LIMITED before the call has any effect
  "user_paying", // 202 USER_PAYING before the call has any effect (close: "user is paying", §6)
  "delay", // the call IS processed, the response is held delayMs (past the client timeout)
  "malformed_json", // the call IS processed, answered 200 with a truncated, still correctly signed body
  "bad_signature", // the call IS processed, the response signature does not verify
  "stale_timestamp", // the call IS processed, the response is signed with a timestamp 10 minutes old
  "signature_probe", // the call IS processed, Wechatpay-Signature starts with WECHATPAY/SIGNTEST/ (§2.6)
  "not_enough", // 403 NOT_ENOUGH before the call has any effect (refund: the store's balance, docs/wechatpay.md §14.5)
  "refuse", // a final 4xx (`code`, default NO_AUTH) before the call has any effect
  // the call IS processed and its answer held delayMs (past the client timeout); the next `count` matching calls (the
  // client's retry) are refused with `code`: a permission or certificate change between two attempts (§14.5)
  "delay_then_refuse",
] as const;
/** The refusals `refuse` / `delay_then_refuse` can answer, with WeChat's status for each (§9, §14.5). */
export const REFUSALS = {
  NO_AUTH: { status: 403, message: "商户无权限" },
  SIGN_ERROR: { status: 401, message: "签名错误" },
  PARAM_ERROR: { status: 400, message: "参数错误" },
  INVALID_REQUEST: { status: 400, message: "请求参数符合参数格式，但不符合业务规则" },
  APPID_MCHID_NOT_MATCH: { status: 400, message: "appid和mch_id不匹配" },
} as const;
export type RefusalCode = keyof typeof REFUSALS;
const REFUSAL_CODES = Object.keys(REFUSALS) as [RefusalCode, ...RefusalCode[]];
export const NOTIFY_FAULT_KINDS = [
  "drop", // the attempt is not delivered, counted as failed, retried on the schedule
  "duplicate", // delivered twice, one after the other
  "concurrent_duplicate", // delivered twice at the same moment
  "tamper_signature", // signature does not verify
  "tamper_ciphertext", // correctly signed, but the ciphertext fails GCM authentication
  "stale_timestamp", // correctly signed with a 10-minute-old timestamp
  "signature_probe", // WECHATPAY/SIGNTEST/… probe, immediately followed by a real delivery (§2.6)
] as const;

/** Faults of the OAuth code exchange (GET /sns/oauth2/access_token), consumed one per exchange. */
export const OAUTH_FAULT_KINDS = [
  "invalid_code", // errcode 40029, the code is not spent (as if it had expired)
  "code_used", // errcode 40163, the code is spent (as if another exchange had been first)
  "snapshot_user", // a normal answer with is_snapshotuser: 1 and a virtual openid that every prepay refuses
  "system_busy", // errcode -1 "system error", the code is not spent
] as const;

/** Faults of the bridge shim's 确认支付, consumed one per tap. */
export const BRIDGE_FAULT_KINDS = [
  "no_callback", // paid and notified, then WeChat closes the page: the callback never runs
  "fail_after_pay", // paid and notified, yet the callback says get_brand_wcpay_request:fail
  "payer_mismatch", // not paid: 下单账号与支付账号不一致, callback :fail
] as const;

export type ApiFaultKind = (typeof API_FAULT_KINDS)[number];
export type BridgeFaultKind = (typeof BRIDGE_FAULT_KINDS)[number];
export type OauthFaultKind = (typeof OAUTH_FAULT_KINDS)[number];
export type NotifyFaultKind = (typeof NOTIFY_FAULT_KINDS)[number];

export const FaultSpecSchema = z.discriminatedUnion("target", [
  z.strictObject({
    target: z.literal("api"),
    kind: z.enum(API_FAULT_KINDS),
    count: z.int().min(1).default(1),
    /** Prefix of the raw request path, e.g. /v3/combine-transactions/h5; absent = every /v3 call. */
    path: z.string().startsWith("/").optional(),
    /** For delay: how long to hold the response (default 12 s, past the client's 10 s default timeout). */
    delayMs: z.int().min(0).max(120_000).optional(),
    /** For refuse / delay_then_refuse: which refusal (default NO_AUTH). */
    code: z.enum(REFUSAL_CODES).optional(),
    /**
     * For refuse / delay_then_refuse: WeChat's message instead of the default, e.g. PARAM_ERROR "appid与openid不匹配"
     * or "下单账号与支付账号不一致" (the JSAPI payer refusals the app must recognise by their wording).
     */
    message: z.string().min(1).max(200).optional(),
    /** Only calls about this combine order (its number in the path or the request body); absent = any call. */
    orderNo: z.string().min(1).max(64).optional(),
  }),
  z.strictObject({
    target: z.literal("bridge"),
    kind: z.enum(BRIDGE_FAULT_KINDS),
    count: z.int().min(1).default(1),
  }),
  z.strictObject({
    target: z.literal("oauth"),
    kind: z.enum(OAUTH_FAULT_KINDS),
    count: z.int().min(1).default(1),
  }),
  z.strictObject({
    target: z.literal("notify"),
    kind: z.enum(NOTIFY_FAULT_KINDS),
    count: z.int().min(1).default(1),
    /**
     * Only deliveries for this combine order. Without it the fault takes the next delivery of ANY order,
     * including a scheduled retry of an order a previous test left behind: tests should name their order.
     */
    orderNo: z.string().min(1).max(64).optional(),
  }),
]);
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export interface ApiFault {
  kind: ApiFaultKind;
  remaining: number;
  path?: string;
  delayMs?: number;
  orderNo?: string;
  code?: RefusalCode;
  message?: string;
}
export interface NotifyFault {
  kind: NotifyFaultKind;
  remaining: number;
  orderNo?: string;
}

export interface OauthFault {
  kind: OauthFaultKind;
  remaining: number;
}

export class Faults {
  api: ApiFault[] = [];
  notify: NotifyFault[] = [];
  oauth: OauthFault[] = [];
  bridge: { kind: BridgeFaultKind; remaining: number }[] = [];

  add(spec: FaultSpec): void {
    if (spec.target === "api" && spec.kind === "delay_then_refuse") {
      // Two queued faults, taken in order by the same calls: the held (processed) one, then the refusals.
      const { path, delayMs, orderNo, code = "NO_AUTH", message } = spec;
      this.api.push({ kind: "delay", remaining: 1, path, delayMs, orderNo });
      this.api.push({ kind: "refuse", remaining: spec.count, path, orderNo, code, message });
    } else if (spec.target === "api")
      this.api.push({
        kind: spec.kind,
        remaining: spec.count,
        path: spec.path,
        delayMs: spec.delayMs,
        orderNo: spec.orderNo,
        code: spec.code,
        message: spec.message,
      });
    else if (spec.target === "oauth") this.oauth.push({ kind: spec.kind, remaining: spec.count });
    else if (spec.target === "bridge") this.bridge.push({ kind: spec.kind, remaining: spec.count });
    else this.notify.push({ kind: spec.kind, remaining: spec.count, orderNo: spec.orderNo });
  }

  /**
   * The first queued API fault whose path prefix and order match; consumes one use of it. The order is
   * matched by its number appearing in the raw path (query, close) or the body (prepay), or among `related`
   * (refund calls: the combine order the refunded sub-order belongs to, and the out_refund_no).
   */
  takeApi(rawPath: string, body: Buffer = Buffer.alloc(0), related: string[] = []): ApiFault | undefined {
    const aboutOrder = (orderNo: string) =>
      rawPath.includes(encodeURIComponent(orderNo)) || body.includes(`"${orderNo}"`) || related.includes(orderNo);
    const f = this.api.find(
      (x) => x.remaining > 0 && (x.path === undefined || rawPath.startsWith(x.path)) && (x.orderNo === undefined || aboutOrder(x.orderNo)),
    );
    if (!f) return undefined;
    f.remaining -= 1;
    this.api = this.api.filter((x) => x.remaining > 0);
    return { ...f };
  }

  /** The first queued notify fault for this order or refund (or for any); consumes one use of it. */
  takeNotify(orderNo: string, refundNo?: string): NotifyFault | undefined {
    const f = this.notify.find((x) => x.remaining > 0 && (x.orderNo === undefined || x.orderNo === orderNo || x.orderNo === refundNo));
    if (!f) return undefined;
    f.remaining -= 1;
    this.notify = this.notify.filter((x) => x.remaining > 0);
    return { ...f };
  }

  /** The first queued OAuth fault; consumes one use of it. */
  takeOauth(): OauthFault | undefined {
    const f = this.oauth[0];
    if (!f) return undefined;
    f.remaining -= 1;
    this.oauth = this.oauth.filter((x) => x.remaining > 0);
    return { ...f };
  }

  /** The first queued bridge fault; consumes one use of it. */
  takeBridge(): { kind: BridgeFaultKind } | undefined {
    const f = this.bridge[0];
    if (!f) return undefined;
    f.remaining -= 1;
    this.bridge = this.bridge.filter((x) => x.remaining > 0);
    return { kind: f.kind };
  }

  clear(): void {
    this.api = [];
    this.notify = [];
    this.oauth = [];
    this.bridge = [];
  }

  snapshot() {
    return { api: this.api, notify: this.notify, oauth: this.oauth, bridge: this.bridge };
  }
}
