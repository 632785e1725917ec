import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { wechatpay } from "@/lib/wechatpay-server";
import { WechatPayApiError } from "@/lib/wechatpay";
import { applyCombineResult, ResultRejectedError, type ApplyOutcome } from "./apply-result";
import { audit } from "@/lib/payment-events/audit";
import { isOrderNotExist, toAppError } from "@/lib/wechatpay-errors";

/**
 * "我已完成支付，查询结果": ask WeChat for the order and apply the answer through the same
 * idempotent path as notifications. Only ever triggered by the shopper or the back office.
 */
export async function queryAndApply(orderNo: string): Promise<ApplyOutcome> {
  const order = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  let result;
  try {
    result = await wechatpay().combineQuery(orderNo);
  } catch (e) {
    if (isOrderNotExist(e)) {
      // Prepay never reached WeChat (or failed): nothing to learn, the order stays as it is.
      await audit({
        source: "QUERY",
        orderNo,
        verified: true,
        outcome: "NO_CHANGE",
        reason: "ORDER_NOT_EXIST at WeChat",
        requestId: (e as WechatPayApiError).requestId,
      });
      return "NO_CHANGE";
    }
    throw toAppError(e);
  }
  try {
    return await applyCombineResult(result, { source: "QUERY", requestId: result.requestId });
  } catch (e) {
    if (e instanceof ResultRejectedError) {
      // WeChat describes a different order than ours: never apply it; surface as a WeChat-side problem.
      throw new AppError("WECHATPAY_REJECTED", "支付结果与订单不符，已拒绝处理，请联系商家");
    }
    throw e;
  }
}
