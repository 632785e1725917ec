// A verified, decrypted REFUND.* notification (docs/wechatpay.md §14.4), handed over by the notification handler
// (lib/notify/dispatch.ts, behind both notify URLs): match against the ledger (out_refund_no, the merchant ids present,
// sub-order, amounts) → apply once, audited. A mismatch is refused and changes nothing; an unknown out_refund_no matching
// a paid sub-order of ours (by transaction_id / out_trade_no) becomes an EXTERNAL refund.
import type { RefundNotification } from "@/lib/wechatpay";
import { prisma } from "@/lib/db";
import { applyRefundResult, recordExternalRefund, type RefundResult } from "./ledger";

export function refundResultFromNotification(n: RefundNotification): RefundResult {
  return {
    refundNo: n.out_refund_no,
    status: n.refund_status,
    refundId: n.refund_id,
    outTradeNo: n.out_trade_no,
    transactionId: n.transaction_id,
    merchant: { spMchid: n.sp_mchid, subMchid: n.sub_mchid, mchid: n.mchid },
    amountFen: n.amount.refund,
    totalFen: n.amount.total,
    channel: n.channel,
    userReceivedAccount: n.user_received_account,
    successTime: n.success_time,
  };
}

/**
 * A verified, decrypted REFUND.* notification, handed over by lib/notify/dispatch.ts: applied once (a refund we know)
 * or recorded as EXTERNAL. Refused with a RefundRejectedError (its reason typed); the dispatcher words the reply.
 */
export async function applyRefundNotification(n: RefundNotification, notificationId: string): Promise<void> {
  const x = refundResultFromNotification(n);
  const meta = { source: "REFUND_NOTIFY" as const, notificationId };
  const known = await prisma.refund.findUnique({ where: { refundNo: x.refundNo }, select: { refundNo: true } });
  if (known) await applyRefundResult(x, meta);
  else await recordExternalRefund(x, meta);
}
