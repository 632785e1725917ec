import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { queryAndApply } from "./query";
import { getOrderView, type OrderViewAccess } from "./view";
import type { OrderView } from "./view-types";
import { claimWechatCall } from "./wechat-call-lease";

export interface CheckPaymentResult {
  order: OrderView;
  /** When the shopper may ask again (null: the order is final, asking again changes nothing). */
  retryAfterSeconds: number | null;
  /** Whether this request asked WeChat (false: answered from our database). */
  queried: boolean;
}

/**
 * The shopper's "我已完成支付，查询结果" (open by order number). A PAID or CLOSED order is answered from
 * our database: no call to WeChat, no audit row. A pending order asks WeChat at most once per order
 * per interval, decided by the database (wechat-call-lease.ts); every other request in that interval
 * gets the last answer we hold and when to try again.
 */
export async function checkPayment(orderNo: string, access: OrderViewAccess, now = new Date()): Promise<CheckPaymentResult> {
  const o = await prisma.order.findUnique({ where: { orderNo }, select: { status: true } });
  if (!o) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  if (o.status !== "PENDING") return { order: await getOrderView(orderNo, access), retryAfterSeconds: null, queried: false };
  const claim = await claimWechatCall(orderNo, "queryLeaseAt", now);
  if (claim.claimed) await queryAndApply(orderNo);
  const order = await getOrderView(orderNo, access);
  return { order, retryAfterSeconds: order.status === "PENDING" ? claim.retryAfterSeconds : null, queried: claim.claimed };
}
