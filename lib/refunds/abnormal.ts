// 退至商户银行卡: an ABNORMAL refund (the payer's card was cancelled or frozen, docs/wechatpay.md §14.3)
// is redirected to the merchant's own bank account, who then settles with the shopper directly. The
// other target the API offers, the payer's own debit card, needs their card number and real name —
// personal data this app does not collect — so that path stays in the merchant platform.
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { audit } from "@/lib/orders/audit";
import { toAppError } from "@/lib/wechatpay-errors";
import { wechatpay } from "@/lib/wechatpay-server";

/** After the request, WeChat's answer is checked again after this long (and by refund-sync's backoff after that). */
const FIRST_QUERY_AFTER_MS = 60_000;

/**
 * Asks WeChat once to pay an ABNORMAL refund into the merchant's bank account. The decision is one
 * conditional update (ABNORMAL and not yet applied → applied), taken before the call, so two clicks or
 * two admins make one call; a call that fails gives the button back (WeChat refuses a second request
 * for a refund it already redirected, so a retry after an unclear failure is safe). The ledger keeps
 * ABNORMAL until WeChat reports SUCCESS or CLOSED, which a notification or refund-sync's query brings.
 */
export async function applyAbnormalRefund(refundNo: string, by: string, now = new Date()): Promise<void> {
  const r = await prisma.refund.findUnique({ where: { refundNo } });
  if (!r) throw new AppError("REFUND_NOT_FOUND", "退款单不存在");
  if (r.status !== "ABNORMAL" || !r.refundId) {
    throw new AppError("REFUND_NOT_ABNORMAL", "只有“退款异常”的退款可以改退至商户银行卡");
  }
  const claimed = await prisma.refund.updateMany({
    where: { refundNo, status: "ABNORMAL", abnormalAppliedAt: null },
    // refund-sync starts over for it: the bank transfer's result is awaited like a new refund's
    data: { abnormalAppliedAt: now, abnormalAppliedBy: by, queryCount: 0, nextQueryAt: new Date(now.getTime() + FIRST_QUERY_AFTER_MS) },
  });
  if (claimed.count === 0) throw new AppError("ABNORMAL_REFUND_APPLIED", "已申请退至商户银行卡，请等待微信支付的处理结果");
  try {
    const res = await wechatpay().applyAbnormalRefund(r.refundId, {
      ...(r.subMchid ? { sub_mchid: r.subMchid } : {}),
      out_refund_no: refundNo,
      type: "MERCHANT_BANK_CARD",
    });
    await audit({
      source: "REFUND_ABNORMAL",
      orderNo: r.orderNo,
      refundNo,
      verified: true,
      outcome: "APPLIED",
      requestId: res.requestId,
      tradeStates: res.status,
    });
  } catch (e) {
    await prisma.refund.updateMany({
      where: { refundNo, abnormalAppliedAt: now },
      data: { abnormalAppliedAt: null, abnormalAppliedBy: null },
    });
    throw toAppError(e, "refund");
  }
}
