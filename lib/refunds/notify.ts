// POST /api/wechatpay/refund-notify (docs/wechatpay.md §14.4): verify over the raw bytes → decrypt → validate →
// match against the ledger (out_refund_no, sub_mchid, sub-order, amounts) → apply once, audited. A mismatch is a
// 4xx and changes nothing; an unknown out_refund_no matching a paid sub-order of ours becomes an EXTERNAL refund.
import { WechatPayDecryptError, WechatPaySignatureError, WechatPayValidationError, type RefundNotification } from "@/lib/wechatpay";
import { wechatpay } from "@/lib/wechatpay-server";
import { prisma } from "@/lib/db";
import type { NotifyReply } from "@/lib/orders/notify";
import { applyRefundResult, recordExternalRefund, RefundRejectedError, type RefundResult } from "./ledger";
import { countJunkNotification } from "@/lib/orders/junk";

const fail = (status: number, message: string): NotifyReply => ({ status, body: { code: "FAIL", message } });

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
    return { status: 204 };
  } catch (e) {
    if (e instanceof RefundRejectedError)
      return e.reason === "UNKNOWN_REFUND" ? fail(404, "unknown refund") : fail(400, "notification does not match the refund");
    console.error("refund-notify: could not apply", e);
    return fail(500, "temporarily unable to record the refund");
  }
}

export async function handleRefundNotification(headers: Headers, rawBody: string): Promise<NotifyReply> {
  let notification;
  try {
    notification = await wechatpay().parseNotification(headers, rawBody);
  } catch (e) {
    if (e instanceof WechatPaySignatureError) {
      // Not from WeChat: anyone can send this, so it is counted (bounded) instead of writing a row.
      countJunkNotification(`refund-signature:${e.reason}`);
      return fail(401, `signature verification failed (${e.reason})`);
    }
    if (e instanceof WechatPayDecryptError || e instanceof WechatPayValidationError) {
      // The signature held (only WeChat can send these): a verified delivery, audited.
      const reason = `${e.name}: ${e.message}`;
      await prisma.paymentEvent
        .create({ data: { source: "REFUND_NOTIFY", verified: true, outcome: "REJECTED", reason: reason.slice(0, 500) } })
        .catch(() => undefined);
      return e instanceof WechatPayDecryptError
        ? fail(400, "resource could not be decrypted")
        : fail(400, "notification payload is invalid");
    }
    countJunkNotification("refund-unexpected");
    console.error("refund-notify: unexpected error", e);
    return fail(500, "internal error");
  }
  if (notification.kind !== "refund") {
    await prisma.paymentEvent.create({
      data: {
        source: "REFUND_NOTIFY",
        notificationId: notification.id,
        verified: true,
        outcome: "NO_CHANGE",
        reason: `ignored event ${notification.event_type}`,
      },
    });
    return { status: 204 };
  }
  return applyRefundNotification(notification.resource, notification.id);
}
