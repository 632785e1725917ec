// The one dispatcher behind both notify URLs (docs/wechatpay.md §7, §14.4), above lib/orders and lib/refunds: it verifies,
// decrypts and validates a WeChat notification, hands it to the domain that owns its event type, and maps that domain's
// typed outcome (done, or a rejection with its reason) to the reply WeChat reads. The domains know nothing of replies.
import { WechatPayDecryptError, WechatPaySignatureError, WechatPayValidationError } from "@/lib/wechatpay";
import { wechatpay } from "@/lib/wechatpay-server";
import { NOTIFY_ACCEPTED, notifyFail as fail, type NotifyReply } from "@/lib/http/notify-reply";
import { audit } from "@/lib/payment-events/audit";
import { applyCombineResult, ResultRejectedError } from "@/lib/orders/apply-result";
import { applyRefundNotification } from "@/lib/refunds/notify";
import { RefundRejectedError } from "@/lib/refunds/ledger";
import { countJunkNotification } from "./junk";
import { logger } from "@/lib/log";

const log = logger("notify");

/**
 * POST /api/wechatpay/notify (and /refund-notify): verify the signature over the raw bytes, decrypt, validate, then
 * apply once through the owning domain. Anything doubtful gets a 4xx/5xx so WeChat retries later (and a probe is
 * answered as the failure it must be); nothing doubtful changes an order or a refund.
 */
export async function handleNotification(headers: Headers, rawBody: string): Promise<NotifyReply> {
  let notification;
  try {
    notification = await wechatpay().parseNotification(headers, rawBody);
  } catch (e) {
    if (e instanceof WechatPaySignatureError) {
      // Not from WeChat: anyone can send this, so count it (bounded) instead of writing a row.
      countJunkNotification(`signature:${e.reason}`);
      return fail(401, `signature verification failed (${e.reason})`);
    }
    if (e instanceof WechatPayDecryptError || e instanceof WechatPayValidationError) {
      // The signature held (only WeChat can send these), so it is a verified delivery: audited.
      const reason = `${e.name}: ${e.message}`;
      await audit({ source: "NOTIFY", orderNo: null, verified: true, outcome: "REJECTED", reason }).catch(() => undefined);
      return e instanceof WechatPayDecryptError
        ? fail(400, "resource could not be decrypted")
        : fail(400, "notification payload is invalid");
    }
    countJunkNotification("unexpected");
    log.error({ err: e }, "notify: unexpected error");
    return fail(500, "internal error");
  }

  const { id, event_type } = notification;
  // docs/wechatpay.md §14.4: a refund notification sent to the payment URL (e.g. the platform-configured refund
  // URL points here) is dispatched on its type rather than dropped.
  if (notification.kind === "refund") return refundReply(() => applyRefundNotification(notification.resource, id));
  if (notification.kind !== "combine_transaction") {
    // Only TRANSACTION.SUCCESS exists for combine payments; acknowledge anything else so it is not retried forever.
    await audit({
      source: "NOTIFY",
      orderNo: null,
      notificationId: id,
      verified: true,
      outcome: "NO_CHANGE",
      reason: `ignored event ${event_type}`,
    });
    return NOTIFY_ACCEPTED;
  }
  return paymentReply(() => applyCombineResult(notification.resource, { source: "NOTIFY", notificationId: id }));
}

/** lib/orders' outcome → reply: applied (or a duplicate) is 204; a rejection names why; anything else is retried. */
async function paymentReply(apply: () => Promise<unknown>): Promise<NotifyReply> {
  try {
    await apply();
    return NOTIFY_ACCEPTED;
  } catch (e) {
    if (e instanceof ResultRejectedError) {
      return e.reason === "UNKNOWN_ORDER" ? fail(404, "unknown order") : fail(400, "notification does not match the order");
    }
    log.error({ err: e }, "notify: could not apply");
    return fail(500, "temporarily unable to record the payment");
  }
}

/** lib/refunds' outcome → reply, the same way. */
async function refundReply(apply: () => Promise<void>): Promise<NotifyReply> {
  try {
    await apply();
    return NOTIFY_ACCEPTED;
  } catch (e) {
    if (e instanceof RefundRejectedError) {
      if (e.reason === "UNKNOWN_REFUND") return fail(404, "unknown refund");
      // WeChat holds a refund our ledger has no room for yet: redelivered later, when the other refund is settled.
      if (e.reason === "NO_ROOM") return fail(503, "the refund cannot be recorded yet");
      return fail(400, "notification does not match the refund");
    }
    log.error({ err: e }, "refund-notify: could not apply");
    return fail(500, "temporarily unable to record the refund");
  }
}
