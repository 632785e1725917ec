// Every scheduled job of the app, with its default period. JOBS_PERIODS overrides periods per job
// ("close-expired=30000,daily-reconcile=off"); JOBS_ENABLED=false turns the runner off altogether.
import { ConfigError, env } from "@/lib/env";
import { autoDeliverShipped } from "@/lib/fulfilment/auto-deliver";
import { closeExpiredJob } from "./close-expired";
import { dailyReconcileJob } from "./daily-reconcile";
import { housekeepingJob } from "./housekeeping";
import { storeMessagesJob } from "./store-messages";
import { syncProcessingRefunds } from "@/lib/refunds/sync";
import { countingJob, type JobDefinition } from "./types";

// A job is one line: a definition, or countingJob(name, label, periodMs, fn) for a function returning counts.
export const JOBS: JobDefinition[] = [
  closeExpiredJob,
  dailyReconcileJob,
  // Refunds not yet final: each is queried on its own backoff (≥ 1 min after the request, then 5 min,
  // 30 min, hourly; lib/refunds/sync.ts), so a frequent period costs nothing when none is due.
  countingJob("refund-sync", "同步处理中的退款", 60_000, async (ctx) => {
    const r = await syncProcessingRefunds({ now: ctx.now(), limit: 100 });
    return { checked: r.checked, changed: r.changed, problems: r.problems.length };
  }),
  housekeepingJob(),
  // Store staff messages (paid orders, refunds): the outbox written with each state change, sent here.
  storeMessagesJob,
  // Shipped sub-orders nobody marked delivered become 已送达 AUTO_DELIVERED_DAYS after shipping (README
  // "Delivery and fulfilment"); at most 500 per run, the rest next hour.
  countingJob(
    "auto-deliver",
    "自动确认送达",
    3600_000,
    (ctx) => autoDeliverShipped({ now: ctx.now(), days: env().fulfilment.autoDeliveredDays, limit: 500, signal: ctx.signal }),
    "发货后 AUTO_DELIVERED_DAYS 天仍未确认送达的子单，自动标记为已送达",
  ),
];

export interface ConfiguredJob {
  job: JobDefinition;
  /** false when JOBS_PERIODS says "off" for it */
  enabled: boolean;
}

/** The registry with JOBS_PERIODS applied. An unknown name is a configuration error (a typo would silently do nothing). */
export function configureJobs(periods: Record<string, number | "off">, jobs: JobDefinition[] = JOBS): ConfiguredJob[] {
  for (const name of Object.keys(periods)) {
    if (!jobs.some((j) => j.name === name)) {
      throw new ConfigError("JOBS_PERIODS", `names an unknown job "${name}" (jobs: ${jobs.map((j) => j.name).join(", ")})`);
    }
  }
  return jobs.map((job) => {
    const p = periods[job.name];
    if (p === "off") return { job, enabled: false };
    return { job: p === undefined ? job : { ...job, periodMs: p }, enabled: true };
  });
}
