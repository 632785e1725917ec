// The one translation of WeChat Pay client failures into our API errors (orders, refunds, bills):
// 5xx/429 = busy, other API errors = rejected, transport/verification = unreachable; only the
// wording differs by what was being asked for.
import { jsapiPayerProblemOf, WechatPayApiError, WechatPayBillHashError, WechatPayError, type JsapiPayerProblem } from "@/lib/wechatpay";
import { AppError } from "@/lib/errors";

const matches = (e: unknown, ...codes: string[]) =>
  e instanceof WechatPayApiError && codes.some((c) => c.replace(/_/g, "") === e.code.replace(/_/g, ""));

export const isOrderClosed = (e: unknown) => matches(e, "ORDER_CLOSED");
export const isOrderNotExist = (e: unknown) => matches(e, "ORDER_NOT_EXIST");
export const isOrderPaid = (e: unknown) => matches(e, "ORDER_PAID", "ORDERPAID", "TRADE_STATE_SUCCESS");
export const isUserPaying = (e: unknown) => matches(e, "USER_PAYING") || (e instanceof WechatPayApiError && e.status === 202);
/** §14.2: the refund does not exist at WeChat — the proof that a refused refund request created nothing. */
export const isResourceNotExists = (e: unknown) => matches(e, "RESOURCE_NOT_EXISTS");

/**
 * A JSAPI prepay refused for who pays (appid与openid不匹配, 下单账号与支付账号不一致) or for the appid binding
 * (APPID_MCHID_NOT_MATCH); undefined for anything else. The first two are cured by one fresh OAuth.
 */
export const jsapiPayerProblem = (e: unknown): JsapiPayerProblem | undefined => jsapiPayerProblemOf(e);

const MESSAGES = {
  order: {
    rejected: (e: WechatPayApiError) => `微信支付未受理该订单（${e.code}），请稍后重试或联系商家`,
    unreachable: "暂时无法连接微信支付，请稍后重试",
  },
  refund: {
    rejected: (e: WechatPayApiError) => `微信支付拒绝了该请求（${e.code}：${e.message.slice(0, 120)}）`,
    unreachable: "暂时无法连接微信支付，请稍后重试；点“查询退款”可看到微信支付记录的状态",
  },
  bill: {
    rejected: (e: WechatPayApiError) => `微信支付拒绝了账单请求（${e.code}：${e.message}）`,
    unreachable: "暂时无法从微信支付下载账单，请稍后重试",
  },
} as const;

/** Maps a WeChat Pay failure to our API error (502/503-class, shopper- or merchant-readable); rethrows anything else. */
export function toAppError(e: unknown, about: keyof typeof MESSAGES = "order"): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof WechatPayBillHashError) {
    return new AppError(
      "BILL_HASH_MISMATCH",
      "账单校验失败：下载的文件与微信支付给出的 SHA-1 摘要不一致，已丢弃，未保存任何数据。请稍后重新下载；如反复出现，请联系微信支付并提供 Request-ID。",
      { requestId: e.requestId },
    );
  }
  if (e instanceof WechatPayApiError) {
    const extra = { wechatpayCode: e.code, requestId: e.requestId };
    if (e.status >= 500 || e.status === 429) return new AppError("WECHATPAY_UNAVAILABLE", "微信支付暂时繁忙，请稍后重试", extra);
    // A refusal of a re-send whose first attempt went unanswered: what WeChat did with that attempt is unknown (§9.4).
    if (e.afterUnknownAttempt) return new AppError("WECHATPAY_UNAVAILABLE", MESSAGES[about].unreachable, extra);
    return new AppError("WECHATPAY_REJECTED", MESSAGES[about].rejected(e), extra);
  }
  if (e instanceof WechatPayError) {
    // Timeouts and unverifiable answers: the outcome at WeChat is unknown, so the order stays retryable.
    return new AppError("WECHATPAY_UNAVAILABLE", MESSAGES[about].unreachable, { reason: e.name });
  }
  throw e;
}
