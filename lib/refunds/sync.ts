// `npm run refunds:sync` and the in-app job runner: settle refunds whose result has not arrived (docs/wechatpay.md
// §14.2 — first query ≥ 1 minute after applying, then back off). PROCESSING/ABNORMAL are queried; PENDING ones
// (outcome unknown: timeout, 5xx, SYSTEM_ERROR, FREQUENCY_LIMITED) are re-sent with the same number and body.
// NOT_ENOUGH waits for the merchant (top up, then "重试").
import { prisma } from "@/lib/db";
import { refreshRefund } from "./ledger";

/** Minutes to wait after the n-th query (1, 5, 30, then hourly). */
export const QUERY_BACKOFF_MINUTES = [1, 5, 30, 60] as const;
export const SYNC_DEFAULT_LIMIT = 50;
export const SYNC_MIN_AGE_MS = 60_000;
/**
 * An ABNORMAL refund waits for the merchant (商户平台, or the abnormal-refund API to a bank card, §14.3): it is
 * queried this many times in all, then left to the back office's 查询退款 button and the refunds page — surfaced,
 * not polled forever.
 */
export const ABNORMAL_MAX_QUERIES = 12;

export function nextQueryDelayMs(queryCount: number): number {
  return (QUERY_BACKOFF_MINUTES[Math.min(queryCount, QUERY_BACKOFF_MINUTES.length - 1)] ?? 60) * 60_000;
}

export interface SyncSummary {
  checked: number;
  changed: number;
  problems: { refundNo: string; code: string }[];
}

/**
 * Refunds still open (PENDING without NOT_ENOUGH, PROCESSING, ABNORMAL up to ABNORMAL_MAX_QUERIES), created ≥ 1 minute before `now` and due by
 * their backoff, oldest due first, at most `limit`. Safe to run from several processes: every state change goes
 * through the same conditional updates as notifications.
 */
export async function syncProcessingRefunds({
  now = new Date(),
  limit = SYNC_DEFAULT_LIMIT,
}: { now?: Date; limit?: number } = {}): Promise<SyncSummary> {
  const due = await prisma.refund.findMany({
    where: {
      OR: [{ status: { in: ["PENDING", "PROCESSING"] } }, { status: "ABNORMAL", queryCount: { lt: ABNORMAL_MAX_QUERIES } }],
      createdAt: { lte: new Date(now.getTime() - SYNC_MIN_AGE_MS) },
      AND: [
        { OR: [{ nextQueryAt: null }, { nextQueryAt: { lte: now } }] },
        // (a plain NOT would also drop rows whose lastErrorCode is NULL: SQL three-valued logic)
        { OR: [{ lastErrorCode: null }, { lastErrorCode: { not: "NOT_ENOUGH" } }] },
      ],
    },
    orderBy: [{ nextQueryAt: "asc" }, { createdAt: "asc" }],
    take: Math.max(1, Math.min(limit, 500)),
    select: { refundNo: true, status: true, queryCount: true },
  });
  const summary: SyncSummary = { checked: 0, changed: 0, problems: [] };
  for (const r of due) {
    summary.checked += 1;
    // Book the next slot first, so a crash or a slow WeChat never makes this refund hot-loop.
    await prisma.refund.update({
      where: { refundNo: r.refundNo },
      data: { nextQueryAt: new Date(now.getTime() + nextQueryDelayMs(r.queryCount)) },
    });
    try {
      const { problem } = await refreshRefund(r.refundNo, now);
      if (problem) summary.problems.push({ refundNo: r.refundNo, code: problem.code });
      const after = await prisma.refund.findUnique({ where: { refundNo: r.refundNo }, select: { status: true } });
      if (after && after.status !== r.status) summary.changed += 1;
    } catch (e) {
      summary.problems.push({ refundNo: r.refundNo, code: e instanceof Error ? e.name : "ERROR" });
    }
  }
  return summary;
}
