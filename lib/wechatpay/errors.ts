// One class per failure class, so callers can branch with `instanceof` or on `kind`
// (the app maps them to HTTP statuses in one table). Messages are written here, never
// built from configuration values, so keys cannot leak into logs through `err.message`.

export type WechatPayErrorKind = "api" | "signature" | "decrypt" | "network" | "validation" | "bill_hash" | "config";

export abstract class WechatPayError extends Error {
  abstract readonly kind: WechatPayErrorKind;
  /** Request-ID header of the response this error came from, when there was one (§1.5). */
  requestId?: string;

  constructor(message: string, options?: { cause?: unknown; requestId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.requestId !== undefined) this.requestId = options.requestId;
  }
}

export interface WechatPayErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: string;
  [key: string]: unknown;
}

/**
 * WeChat spells several codes two ways (old and new pages: SYSTEMERROR / SYSTEM_ERROR, ORDERCLOSED /
 * ORDER_CLOSED …, §9.3). Comparing with underscores removed matches both.
 */
export function normalizeWechatPayCode(code: string): string {
  return code.replace(/_/g, "").toUpperCase();
}

export function isWechatPayCode(code: string | undefined, expected: string): boolean {
  return code !== undefined && normalizeWechatPayCode(code) === normalizeWechatPayCode(expected);
}

const RETRYABLE_CODES = ["SYSTEM_ERROR", "BANK_ERROR", "SERVICE_UNAVAILABLE", "FREQUENCY_LIMITED", "RATELIMIT_EXCEEDED"];

/** A non-2xx answer from WeChat Pay (or a 2xx that still means "not done", e.g. 202 USER_PAYING). */
export class WechatPayApiError extends WechatPayError {
  readonly kind = "api" as const;
  readonly status: number;
  /** WeChat's error code, e.g. PARAM_ERROR; `UNKNOWN` when the body was not WeChat's JSON (gateway pages). */
  readonly code: string;
  readonly detail?: WechatPayErrorDetail;
  /**
   * Set by the transport when an earlier attempt of the same write (POST) went unanswered (time-out, network error) or
   * got a 5xx: WeChat may have acted on that attempt, so this answer — even a refusal — proves nothing about the
   * request as a whole (§9.4). See isOutcomeUnknown.
   */
  afterUnknownAttempt = false;

  constructor(init: { status: number; code: string; message: string; detail?: WechatPayErrorDetail; requestId?: string }) {
    super(init.message, { requestId: init.requestId });
    this.status = init.status;
    this.code = init.code;
    if (init.detail !== undefined) this.detail = init.detail;
  }

  /** Compare against a code in either spelling (ORDER_CLOSED matches ORDERCLOSED). */
  is(code: string): boolean {
    return isWechatPayCode(this.code, code);
  }

  /** Whether §9.3 says repeating the identical request is safe and useful. */
  get retryable(): boolean {
    if (this.status === 429) return true;
    if (this.status >= 500 && RETRYABLE_CODES.some((c) => this.is(c))) return true;
    // A 502/503/504 from a gateway often carries an HTML page instead of WeChat JSON.
    return (this.status === 502 || this.status === 503 || this.status === 504) && this.code === "UNKNOWN";
  }
}

/**
 * Why WeChat refused a JSAPI prepay for who is paying (docs/wechatpay.md "JSAPI"):
 * - APPID_MCHID_NOT_MATCH: combine_appid is not bound to combine_mchid (configuration: the 服务号 binding);
 * - OPENID_APPID_MISMATCH: the openid was not obtained under combine_appid ("appid与openid不匹配", OPENID_MISMATCH);
 * - PAYER_MISMATCH: another WeChat user than the openid's ("下单账号与支付账号不一致").
 * The last two are cured by a fresh OAuth; the first is not.
 */
export type JsapiPayerProblem = "APPID_MCHID_NOT_MATCH" | "OPENID_APPID_MISMATCH" | "PAYER_MISMATCH";

const OPENID_MISMATCH_MESSAGES = [
  "appid与openid不匹配",
  "appid和openid不匹配",
  "openid与appid不匹配",
  "openid和appid不匹配",
  "无效的openid",
];
const PAYER_MISMATCH_MESSAGES = ["下单账号与支付账号不一致"];

/** The payer problem an API error reports, matched on the code or (WeChat reuses PARAM_ERROR for these) the message. */
export function jsapiPayerProblemOf(e: unknown): JsapiPayerProblem | undefined {
  if (e instanceof WechatPayJsapiPayerError) return e.problem;
  if (!(e instanceof WechatPayApiError) || e.status >= 500) return undefined;
  const text = `${e.message} ${typeof e.detail?.issue === "string" ? e.detail.issue : ""}`.toLowerCase();
  if (PAYER_MISMATCH_MESSAGES.some((m) => text.includes(m))) return "PAYER_MISMATCH";
  if (e.is("OPENID_MISMATCH") || OPENID_MISMATCH_MESSAGES.some((m) => text.includes(m))) return "OPENID_APPID_MISMATCH";
  if (e.is("APPID_MCHID_NOT_MATCH")) return "APPID_MCHID_NOT_MATCH";
  return undefined;
}

/**
 * A JSAPI prepay refused because of the payer or the appid: still a WechatPayApiError (same status, code, message,
 * detail, Request-ID), with `problem` so the app can restart the OAuth once or explain the configuration fault.
 */
export class WechatPayJsapiPayerError extends WechatPayApiError {
  readonly problem: JsapiPayerProblem;

  constructor(from: WechatPayApiError, problem: JsapiPayerProblem) {
    super({ status: from.status, code: from.code, message: from.message, detail: from.detail, requestId: from.requestId });
    this.problem = problem;
    this.afterUnknownAttempt = from.afterUnknownAttempt;
  }

  /** A new openid (OAuth again) can fix it; APPID_MCHID_NOT_MATCH is the merchant's configuration. */
  get reauthorize(): boolean {
    return this.problem !== "APPID_MCHID_NOT_MATCH";
  }
}

/**
 * Whether WeChat may have acted on the request although this error came back (§9.4): no answer (time-out, network
 * error), a 5xx, an answer that could not be verified, or any answer to a re-send of an attempt that was unanswered or
 * got a 5xx. Such an error must not decide anything that a success would contradict: ask WeChat what it holds first.
 */
export function isOutcomeUnknown(e: unknown): boolean {
  if (e instanceof WechatPayApiError) return e.status >= 500 || e.afterUnknownAttempt;
  if (e instanceof WechatPayValidationError) return e.target !== "request";
  return e instanceof WechatPayNetworkError || e instanceof WechatPaySignatureError;
}

/** A refusal (an answer below 500) to a re-send whose earlier attempt's outcome is unknown: query before deciding (§9.4). */
export function isRefusalAfterUnknown(e: unknown): e is WechatPayApiError {
  return e instanceof WechatPayApiError && e.status < 500 && e.afterUnknownAttempt;
}

export type WechatPaySignatureFailureReason =
  | "MISSING_HEADER"
  | "MALFORMED_HEADER"
  | "UNSUPPORTED_SIGNATURE_TYPE"
  | "SIGNATURE_PROBE"
  | "STALE_TIMESTAMP"
  | "UNKNOWN_SERIAL"
  | "BAD_SIGNATURE";

/** The response or notification could not be proven to come from WeChat Pay. Treat its outcome as unknown. */
export class WechatPaySignatureError extends WechatPayError {
  readonly kind = "signature" as const;
  readonly reason: WechatPaySignatureFailureReason;
  /** For MISSING_HEADER / MALFORMED_HEADER: which header. */
  readonly header?: string;
  /** The Wechatpay-Serial the message named, when known. */
  readonly serial?: string;

  constructor(
    reason: WechatPaySignatureFailureReason,
    message: string,
    extra?: { header?: string; serial?: string; requestId?: string; cause?: unknown },
  ) {
    super(message, { requestId: extra?.requestId, cause: extra?.cause });
    this.reason = reason;
    if (extra?.header !== undefined) this.header = extra.header;
    if (extra?.serial !== undefined) this.serial = extra.serial;
  }
}

export type WechatPayDecryptFailureReason =
  "BAD_KEY_LENGTH" | "BAD_NONCE" | "BAD_CIPHERTEXT" | "UNSUPPORTED_ALGORITHM" | "AUTHENTICATION_FAILED";

/** AEAD_AES_256_GCM decryption failed: wrong key, nonce, associated data, or tampered ciphertext/tag. */
export class WechatPayDecryptError extends WechatPayError {
  readonly kind = "decrypt" as const;
  readonly reason: WechatPayDecryptFailureReason;

  constructor(reason: WechatPayDecryptFailureReason, message: string, options?: { cause?: unknown; requestId?: string }) {
    super(message, options);
    this.reason = reason;
  }
}

/** No HTTP answer: connection failure or timeout. The outcome of a write (prepay/close) is unknown: query before deciding. */
export class WechatPayNetworkError extends WechatPayError {
  readonly kind = "network" as const;
  readonly timeout: boolean;
  readonly attempts: number;

  constructor(message: string, init: { timeout: boolean; attempts: number; cause?: unknown }) {
    super(message, { cause: init.cause });
    this.timeout = init.timeout;
    this.attempts = init.attempts;
  }
}

export interface WechatPayValidationIssue {
  path: (string | number)[];
  message: string;
  code?: string;
}

export type WechatPayValidationTarget = "request" | "response" | "notification";

/**
 * Input rejected before anything was sent ("request"), or a signed answer whose content does not have the
 * documented shape ("response" / "notification").
 */
export class WechatPayValidationError extends WechatPayError {
  readonly kind = "validation" as const;
  readonly target: WechatPayValidationTarget;
  readonly issues: WechatPayValidationIssue[];

  constructor(
    target: WechatPayValidationTarget,
    message: string,
    issues: WechatPayValidationIssue[],
    options?: { cause?: unknown; requestId?: string },
  ) {
    super(message, options);
    this.target = target;
    this.issues = issues;
  }
}

/** The downloaded bill does not match the SHA-1 announced by the apply call (§8.2). Discard the file. */
export class WechatPayBillHashError extends WechatPayError {
  readonly kind = "bill_hash" as const;
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string, options?: { requestId?: string }) {
    super(`bill file SHA-1 mismatch: expected ${expected}, got ${actual}`, options);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The client configuration is unusable (bad key length, unparsable PEM, no verifier …). Thrown at construction. */
export class WechatPayConfigError extends WechatPayError {
  readonly kind = "config" as const;
  readonly field: string;

  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`invalid WeChat Pay client config (${field}): ${message}`, options);
    this.field = field;
  }
}

// --- refunds: docs/wechatpay.md §14.5 -------------------------------------------------------------------------

/**
 * What a failed refund request means for the ledger:
 * - "unknown": the refund may or may not exist at WeChat (timeout, 5xx, SYSTEM_ERROR, an unlisted 429, an answer
 *   we could not verify). Retry with the SAME out_refund_no and identical body; never a new number.
 * - "retry_later": refused now, before anything was created, but the same request may succeed later
 *   (FREQUENCY_LIMITED: a minute between refunds of one order, or the rate limit for old orders — time alone
 *   fixes it; NOT_ENOUGH: the store's balance — the merchant must top up).
 * - "final": refused for good (NO_AUTH, USER_ACCOUNT_ABNORMAL, PARAM_ERROR, INVALID_REQUEST, RESOURCE_NOT_EXISTS …):
 *   no refund was created; a human must act (see `advice`).
 */
export type RefundFailureClass = "unknown" | "retry_later" | "final";

export interface RefundFailure {
  class: RefundFailureClass;
  /** WeChat's code, NETWORK for no answer, UNVERIFIED for an answer that failed signature/shape checks. */
  code: string;
  /** zh-CN, for the merchant: what happened and what to do (§14.5 "Action"). */
  advice: string;
}

const REFUND_ADVICE: Record<string, { class: RefundFailureClass; advice: string }> = {
  SYSTEM_ERROR: { class: "unknown", advice: "微信支付系统繁忙，结果未知：将以同一退款单号、相同内容自动重试，请勿重新发起新的退款。" },
  FREQUENCY_LIMITED: {
    class: "retry_later",
    advice:
      "微信支付限频，暂未受理：同一子订单的两次退款需间隔 1 分钟以上（一个月前的订单另有频率限制）。金额已为这笔退款保留，约 1 分钟后将以同一退款单号、相同内容自动重试，也可稍后点「重试（同一退款单号）」；请勿另行发起新的退款。",
  },
  NOT_ENOUGH: {
    class: "retry_later",
    advice: "该门店（子商户）可用退款余额不足：请门店在商户平台充值或等待结算资金到账后，再以同一退款单号重试。",
  },
  USER_ACCOUNT_ABNORMAL: {
    class: "final",
    advice: "付款用户的微信账户已注销或异常，无法原路退回：请通过微信支付以外的方式退款给顾客，并记录为线下退款。",
  },
  NO_AUTH: {
    class: "final",
    advice: "没有该笔订单的退款权限：请确认该门店已在服务商平台授权“服务商API退款”产品（产品中心 → 特约商户授权产品）。",
  },
  PARAM_ERROR: { class: "final", advice: "退款请求参数有误（可能是子商户号配置错误）：请联系技术人员检查。" },
  MCH_NOT_EXISTS: { class: "final", advice: "商户号不存在：请检查支付配置。" },
  RESOURCE_NOT_EXISTS: { class: "final", advice: "微信支付找不到该子订单（或子商户号与订单不匹配、订单未支付）：请核对后再试。" },
  SIGN_ERROR: { class: "final", advice: "签名错误：请检查商户证书与私钥配置。" },
  INVALID_REQUEST: {
    class: "final",
    advice: "微信支付拒绝了该退款（例如超过可退金额、超过一年、超过50次部分退款或退款单号已被其他内容使用）：请查看说明后重新处理。",
  },
};

/** Classifies any error thrown by createRefund (or queryRefund) per §14.5. */
export function classifyRefundFailure(e: unknown): RefundFailure {
  if (e instanceof WechatPayApiError) {
    const known = Object.keys(REFUND_ADVICE).find((c) => e.is(c) || (c === "FREQUENCY_LIMITED" && e.is("RATELIMIT_EXCEEDED")));
    if (known) return { code: known, ...REFUND_ADVICE[known]! };
    // Unlisted codes: a 5xx or 429 leaves the outcome open (retry the same request); anything else is a refusal.
    if (e.status >= 500 || e.status === 429) return { class: "unknown", code: e.code, advice: REFUND_ADVICE.SYSTEM_ERROR!.advice };
    return { class: "final", code: e.code, advice: `微信支付拒绝了该退款（${e.code}：${e.message.slice(0, 120)}）。` };
  }
  if (e instanceof WechatPayNetworkError) {
    return {
      class: "unknown",
      code: "NETWORK",
      advice: "未收到微信支付的答复（超时或网络错误），结果未知：将以同一退款单号、相同内容重试。",
    };
  }
  if (e instanceof WechatPayValidationError && e.target === "request") {
    return { class: "final", code: "INVALID_INPUT", advice: `退款请求未发送：${e.message}` };
  }
  if (e instanceof WechatPayValidationError) {
    // Signed, but not what §14.1.3 allows (e.g. an amount that is not whole fen): the refund may exist all the same.
    return {
      class: "unknown",
      code: "UNVERIFIED",
      advice: `微信支付的答复内容无法按规则读取（${e.message.slice(0, 160)}），结果未知：将以同一退款单号查询或重试。`,
    };
  }
  if (e instanceof WechatPaySignatureError) {
    return { class: "unknown", code: "UNVERIFIED", advice: "微信支付的答复无法验证，结果未知：将以同一退款单号查询或重试。" };
  }
  throw e;
}
