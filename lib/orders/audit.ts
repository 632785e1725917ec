// The PaymentEvent audit trail (every verified WeChat message leaves a row): its own module so the
// notification, query and close paths write it the same way without going through apply-result.
import { prisma } from "@/lib/db";
import type { ApplyMeta, ApplyOutcome, ResultSource } from "./apply-result";

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
