// A verified, decrypted REFUND.* notification (docs/wechatpay.md §14.4), handed over by the notification handler
// (lib/orders/notify.ts, behind both notify URLs): match against the ledger (out_refund_no, sub_mchid, sub-order, amounts) → apply once, audited. A mismatch is a
// 4xx and changes nothing; an unknown out_refund_no matching a paid sub-order of ours becomes an EXTERNAL refund.
import type { RefundNotification } from "@/lib/wechatpay";
import { prisma } from "@/lib/db";
import { NOTIFY_ACCEPTED, notifyFail as fail, type NotifyReply } from "@/lib/http/notify-reply";
import { applyRefundResult, recordExternalRefund, RefundRejectedError, type RefundResult } from "./ledger";
import { logger } from "@/lib/log";

const log = logger("refund-notify");

export function refundResultFromNotification(n: RefundNotification): RefundResult {
  return {
    refundNo: n.out_refund_no,
    status: n.refund_status,
    refundId: n.refund_id,
    outTradeNo: n.out_trade_no,
    transactionId: n.transaction_id,
    subMchid: n.sub_mchid,
    amountFen: n.amount.refund,
    totalFen: n.amount.total,
    channel: n.channel,
    userReceivedAccount: n.user_received_account,
    successTime: n.success_time,
  };
}

/** A verified, decrypted REFUND.* notification (from this route, or dispatched by the payment route). */
export async function applyRefundNotification(n: RefundNotification, notificationId: string): Promise<NotifyReply> {
  const x = refundResultFromNotification(n);
  const meta = { source: "REFUND_NOTIFY" as const, notificationId };
  try {
    const known = await prisma.refund.findUnique({ where: { refundNo: x.refundNo }, select: { refundNo: true } });
    if (known) await applyRefundResult(x, meta);
    else await recordExternalRefund(x, meta);
    return NOTIFY_ACCEPTED;
  } catch (e) {
    if (e instanceof RefundRejectedError)
      return e.reason === "UNKNOWN_REFUND" ? fail(404, "unknown refund") : fail(400, "notification does not match the refund");
    log.error({ err: e }, "refund-notify: could not apply");
    return fail(500, "temporarily unable to record the refund");
  }
}
