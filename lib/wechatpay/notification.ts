import type { ApiV3Decryptor } from "./aead";
import { parseJson, parseWith } from "./response";
import {
  CombineNotificationEnvelopeSchema,
  CombineTransactionNotificationSchema,
  RefundNotificationSchema,
  type CombineNotificationEnvelope,
  type CombineTransactionNotification,
  type RefundNotification,
} from "./schemas";
import { verifyWechatPaySignature, type HeaderBag, type WechatPayVerifier } from "./verification";

export const COMBINE_PAYMENT_EVENT = "TRANSACTION.SUCCESS";
/** docs/wechatpay.md §14.4.2: a refund changed to SUCCESS, ABNORMAL or CLOSED (no event for PROCESSING). */
export const REFUND_EVENTS = ["REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"] as const;
export const isRefundEvent = (eventType: string) => eventType.startsWith("REFUND.");

interface NotificationMeta {
  /** The verified envelope as received (id, create_time, event_type, resource_type, summary, encrypted resource). */
  envelope: CombineNotificationEnvelope;
  /** Notification id (stable across redeliveries: store it for audit / dedupe). */
  id: string;
  event_type: string;
  /** Wechatpay-Serial of the key that verified it. */
  serial: string;
}

/**
 * What parseNotification returns. For TRANSACTION.SUCCESS (the only combine event) `kind` is "combine_transaction"
 * and `resource` is the decrypted, validated §7.4 plaintext; for REFUND.* (§14.4) `kind` is "refund" with the
 * validated §14.4.3 plaintext. Any other event type is still verified and decrypted,
 * then handed back as `kind: "other"` with the decrypted JSON untyped: acknowledging or rejecting it is the
 * caller's decision. Narrow on `kind`.
 */
export type CombineNotification =
  | (NotificationMeta & { kind: "combine_transaction"; resource: CombineTransactionNotification })
  | (NotificationMeta & { kind: "refund"; resource: RefundNotification })
  | (NotificationMeta & { kind: "other"; resource: unknown });

export interface NotificationParserOptions {
  verifier: WechatPayVerifier;
  decryptor: ApiV3Decryptor;
  now: () => number;
}

/**
 * §7: verify the raw body first (nothing is parsed before the signature holds), then check the envelope, decrypt,
 * and validate the plaintext. Each step fails with its own error class.
 */
export async function parseCombineNotification(
  opts: NotificationParserOptions,
  headers: HeaderBag,
  rawBody: string | Uint8Array,
): Promise<CombineNotification> {
  const verified = await verifyWechatPaySignature({ headers, body: rawBody, verifier: opts.verifier, now: opts.now() });
  const text = typeof rawBody === "string" ? rawBody : Buffer.from(rawBody).toString("utf8");
  const envelope: CombineNotificationEnvelope = parseWith(
    CombineNotificationEnvelopeSchema,
    parseJson(text, "notification", "notification body"),
    "notification",
    "notification envelope",
  );
  const plaintextBytes = opts.decryptor.decryptResource(envelope.resource);
  const plaintext = parseJson(plaintextBytes.toString("utf8"), "notification", "decrypted notification resource");
  const meta: NotificationMeta = { envelope, id: envelope.id, event_type: envelope.event_type, serial: verified.serial };
  // §14.4: refund events share the envelope, signature and key; associated_data may be empty (the AEAD takes it as is).
  if (isRefundEvent(envelope.event_type)) {
    const resource = parseWith(RefundNotificationSchema, plaintext, "notification", "refund notification resource");
    return { ...meta, kind: "refund", resource };
  }
  if (envelope.event_type !== COMBINE_PAYMENT_EVENT) return { ...meta, kind: "other", resource: plaintext };
  const resource = parseWith(CombineTransactionNotificationSchema, plaintext, "notification", "combine notification resource");
  return { ...meta, kind: "combine_transaction", resource };
}
