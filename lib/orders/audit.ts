// The PaymentEvent audit trail (every verified WeChat message leaves a row): its own module so the
// notification, query and close paths write it the same way without going through apply-result.
import { prisma } from "@/lib/db";

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
  source: ResultSource | "CLOSE";
  orderNo: string | null;
  verified: boolean;
  outcome: ApplyOutcome | "REJECTED";
  reason?: string;
  tradeStates?: string;
}

/** Every notification delivery and query result leaves one audit row, applied or not. */
export async function audit(a: AuditInput): Promise<void> {
  await prisma.paymentEvent.create({
    data: {
      orderNo: a.orderNo,
      source: a.source,
      notificationId: a.notificationId ?? null,
      requestId: a.requestId ?? null,
      verified: a.verified,
      outcome: a.outcome,
      reason: a.reason?.slice(0, 500) ?? null,
      tradeStates: a.tradeStates ?? null,
    },
  });
}
