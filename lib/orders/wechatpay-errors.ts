import { WechatPayApiError, WechatPayError } from "@/lib/wechatpay";
import { AppError } from "@/lib/errors";

const matches = (e: unknown, ...codes: string[]) =>
  e instanceof WechatPayApiError && codes.some((c) => c.replace(/_/g, "") === e.code.replace(/_/g, ""));

export const isOrderClosed = (e: unknown) => matches(e, "ORDER_CLOSED");
export const isOrderNotExist = (e: unknown) => matches(e, "ORDER_NOT_EXIST");
export const isOrderPaid = (e: unknown) => matches(e, "ORDER_PAID", "ORDERPAID", "TRADE_STATE_SUCCESS");
export const isUserPaying = (e: unknown) => matches(e, "USER_PAYING") || (e instanceof WechatPayApiError && e.status === 202);

/** Maps a WeChat Pay failure to our API error: 502 with a shopper-readable message. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof WechatPayApiError) {
    const extra = { wechatpayCode: e.code, requestId: e.requestId };
    if (e.status >= 500 || e.status === 429) return new AppError("WECHATPAY_UNAVAILABLE", "微信支付暂时繁忙，请稍后重试", extra);
    return new AppError("WECHATPAY_REJECTED", `微信支付未受理该订单（${e.code}），请稍后重试或联系商家`, extra);
  }
  if (e instanceof WechatPayError) {
    // Timeouts and unverifiable answers: the outcome at WeChat is unknown, so the order stays retryable.
    return new AppError("WECHATPAY_UNAVAILABLE", "暂时无法连接微信支付，请稍后重试", { reason: e.name });
  }
  throw e;
}
