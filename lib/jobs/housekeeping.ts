// Pruning of what must not grow forever. Never payment, refund or audit records: only data that
// has served its purpose (and, past its retention, a shopper's contact and address on an order). Each pruner is one step (the job stops between steps on shutdown); one
// that throws does not stop the others and makes the run FAILED with its cause.
import { prisma } from "@/lib/db";
import type { JobDefinition } from "./types";
import { pruneInvites } from "@/lib/admin/invites";
import { pruneRevokedSessions } from "@/lib/admin/revocation";
import { pruneStaleBillImports } from "@/lib/bills/service";
import { pruneRateLimitCounters } from "@/lib/http/attempt-limiter";
import { pruneCartDrafts } from "@/lib/in-app/cart-drafts";
import { pruneJunkCounters } from "@/lib/notify/junk";
import { purgeExpiredPersonalData } from "@/lib/orders/retention";
import { pruneStoreMessages } from "@/lib/store-messages/outbox";

export interface Pruner {
  /** Key in the run's counts, e.g. "jobRuns". */
  name: string;
  /** Deletes what is no longer needed at `now`; returns how many rows went. */
  prune(ctx: { now: Date }): Promise<number>;
}

/** Job run history is kept this long (the back office shows the latest runs). */
export const JOB_RUN_RETENTION_DAYS = 30;

export async function pruneJobRuns(now: Date): Promise<number> {
  const before = new Date(now.getTime() - JOB_RUN_RETENTION_DAYS * 86_400_000);
  const { count } = await prisma.jobRun.deleteMany({ where: { startedAt: { lt: before }, outcome: { not: "RUNNING" } } });
  return count;
}

// Register a pruner with one line, e.g. { name: "rateLimits", prune: ({ now }) => pruneRateLimits(now) },
export const PRUNERS: Pruner[] = [
  { name: "jobRuns", prune: ({ now }) => pruneJobRuns(now) },
  // used drafts too: a draft is single-use and every draft, used or not, expires after CART_DRAFT_TTL_HOURS
  { name: "cartDrafts", prune: ({ now }) => pruneCartDrafts(now) },
  // per-minute counts of rejected, unverified notifications: kept 30 days for the merchant to look at
  { name: "junkCounters", prune: ({ now }) => pruneJunkCounters(new Date(now.getTime() - 30 * 86_400_000)) },
  // admin sign-in attempt windows that have ended
  { name: "rateLimits", prune: ({ now }) => pruneRateLimitCounters(now) },
  // signed-out sessions past the time they would have expired anyway
  { name: "revokedSessions", prune: ({ now }) => pruneRevokedSessions(now) },
  // staff invite links past their 72 hours (the account and its audit rows stay)
  { name: "adminInvites", prune: ({ now }) => pruneInvites(now) },
  // bill imports that never became current (the process stopped while storing rows) or whose
  // replacement could not delete them; the current import of each date is never touched
  { name: "staleBillImports", prune: ({ now }) => pruneStaleBillImports(now) },
  // store webhook messages that are done (sent, skipped, given up), 30 days after they were written
  { name: "storeMessages", prune: ({ now }) => pruneStoreMessages(now) },
  // shoppers' contact and address, PII_RETENTION_DAYS after the order was fulfilled or closed (the order
  // itself, its amounts and its audit rows stay)
  { name: "personalData", prune: ({ now }) => purgeExpiredPersonalData(now) },
];

export function housekeepingJob(pruners: Pruner[] = PRUNERS): JobDefinition {
  return {
    name: "housekeeping",
    label: "数据清理",
    description: `清理过期的辅助数据（${pruners.map((p) => p.name).join("、")}）；从不删除支付、退款与审计记录`,
    periodMs: 3600_000,
    async run(ctx) {
      const counts: Record<string, number> = {};
      const errors: string[] = [];
      for (const p of pruners) {
        if (ctx.signal.aborted) break;
        try {
          counts[p.name] = await p.prune({ now: ctx.now() });
        } catch (e) {
          errors.push(`${p.name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return { counts, summary: `清理 ${total} 条记录`, ...(errors.length ? { error: errors.join("; ") } : {}) };
    },
  };
}
