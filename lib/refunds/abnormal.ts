// 退至商户银行卡: an ABNORMAL refund (the payer's card was cancelled or frozen, docs/wechatpay.md §14.3)
// is redirected to the merchant's own bank account, who then settles with the shopper directly. The
// other target the API offers, the payer's own debit card, needs their card number and real name —
// personal data this app does not collect — so that path stays in the merchant platform.
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { audit } from "@/lib/payment-events/audit";
import { toAppError } from "@/lib/wechatpay-errors";
import { wechatpay } from "@/lib/wechatpay-server";
import { applyRefundResult, refundResultFromResponse } from "./ledger";

/** After the request, WeChat's answer is checked again after this long (and by refund-sync's backoff after that). */
const FIRST_QUERY_AFTER_MS = 60_000;

/**
 * Asks WeChat once to pay an ABNORMAL refund into the merchant's bank account. The decision is one
 * conditional update (ABNORMAL and not yet applied → applied), taken before the call, so two clicks or
 * two admins make one call. A call that fails is checked with a query first: when WeChat no longer reports
 * the refund ABNORMAL, an earlier request went through (its answer was lost, and WeChat refuses a second
 * redirect), so the request stands; otherwise the button is given back. The ledger keeps ABNORMAL until
 * WeChat reports SUCCESS or CLOSED, which a notification or refund-sync's query brings.
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
    // No clear answer, or a refusal — which may answer an earlier request whose own answer was lost (WeChat refuses a
    // second redirect): neither proves that nothing happened. WeChat's view of the refund decides (§9.4).
    const moved = await redirectedAtWechat(r);
    if (moved) {
      await audit({
        source: "REFUND_ABNORMAL",
        orderNo: r.orderNo,
        refundNo,
        verified: true,
        outcome: "APPLIED",
        reason: `the call failed (${e instanceof Error ? e.message.slice(0, 200) : String(e)}), but WeChat no longer reports ABNORMAL`,
        requestId: moved.requestId,
        tradeStates: moved.status,
      });
      // SUCCESS / CLOSED move the ledger; PROCESSING (the transfer under way) keeps it ABNORMAL, as after a clear
      // answer. Best effort: a notification or refund-sync's query applies it later all the same.
      await applyRefundResult(refundResultFromResponse(moved), { source: "REFUND_QUERY", requestId: moved.requestId }).catch(
        () => undefined,
      );
      return;
    }
    await prisma.refund.updateMany({
      where: { refundNo, abnormalAppliedAt: now },
      data: { abnormalAppliedAt: null, abnormalAppliedBy: null },
    });
    throw toAppError(e, "refund");
  }
}

/** The refund as WeChat holds it when it is no longer ABNORMAL there (redirected, or finished); undefined otherwise or when it cannot be asked. */
async function redirectedAtWechat(r: { refundNo: string; subMchid: string | null }) {
  try {
    const q = await wechatpay().queryRefund(r.refundNo, r.subMchid ? { sub_mchid: r.subMchid } : undefined);
    return q.status === "ABNORMAL" ? undefined : q;
  } catch {
    return undefined;
  }
}
