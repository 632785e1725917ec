// The PaymentEvent audit trail (every verified WeChat message leaves a row): its own folder, below lib/orders and
// lib/refunds, so the payment and refund paths (notification, query, close, refund) write it the same way.
import { prisma, type Db } from "@/lib/db";
import { currentActor } from "./actor-context";

// Where a payment result came from, what applying it did, and its delivery ids: the vocabulary of the audit
// row. Declared here, below apply-result.ts (which re-exports them), so the two modules do not import each other.
export type ResultSource = "NOTIFY" | "QUERY";
export type ApplyOutcome = "APPLIED" | "DUPLICATE" | "NO_CHANGE";

export interface ApplyMeta {
  source: ResultSource;
  notificationId?: string;
  requestId?: string;
}

export interface AuditInput extends Omit<ApplyMeta, "source"> {
  /** payments: NOTIFY | QUERY | CLOSE; refunds: REFUND_CREATE | REFUND_QUERY | REFUND_NOTIFY | REFUND_ABNORMAL */
  source: ResultSource | "CLOSE" | "REFUND_CREATE" | "REFUND_QUERY" | "REFUND_NOTIFY" | "REFUND_ABNORMAL";
  orderNo: string | null;
  /** the refund the row is about (refund sources only) */
  refundNo?: string | null;
  verified: boolean;
  outcome: ApplyOutcome | "REJECTED";
  reason?: string;
  /** the WeChat states the message carried (sub-order trade states, or the refund status) */
  tradeStates?: string;
}

/**
 * Every notification delivery and query result, for payments and refunds alike, leaves one audit
 * row, applied or not. `db` is a transaction when the row must commit with the change it records.
 */
export async function audit(a: AuditInput, db: Pick<Db, "paymentEvent"> = prisma): Promise<void> {
  await db.paymentEvent.create({
    data: {
      orderNo: a.orderNo,
      refundNo: a.refundNo ?? null,
      source: a.source,
      notificationId: a.notificationId ?? null,
      requestId: a.requestId ?? null,
      verified: a.verified,
      outcome: a.outcome,
      reason: a.reason?.slice(0, 500) ?? null,
      tradeStates: a.tradeStates ?? null,
      // a person in the back office, when one caused it (lib/payment-events/actor-context.ts)
      actor: currentActor(),
    },
  });
}
