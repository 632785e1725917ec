// What a scheduled job is. Jobs are plain objects registered in ./registry.ts; the runner
// (./runner.ts) decides when and where (which process) each run happens.

export type JobOutcome = "RUNNING" | "OK" | "FAILED" | "RETRY" | "SKIPPED" | "STOPPED" | "ABANDONED";

export interface JobContext {
  /** The runner's clock (injected in tests): use it instead of `new Date()` for every decision. */
  now(): Date;
  /**
   * Aborted on shutdown (SIGTERM) or when this process lost the lease. A job made of steps (one order,
   * one pruner, one download) checks it between steps and returns what it has done so far.
   */
  signal: AbortSignal;
  /** The job's own JSON state, as returned by its previous run (undefined the first time). */
  state: unknown;
  /** The effective period (JOBS_PERIODS may override the default). */
  periodMs: number;
}

export interface JobResult {
  /** Shown in the back office, e.g. { closed: 3 }. */
  counts: Record<string, number>;
  /** One line for the merchant, e.g. "关闭 3 笔订单". */
  summary: string;
  /** Default OK. RETRY: not possible yet (bill not generated), SKIPPED: nothing to do yet. */
  outcome?: "OK" | "RETRY" | "SKIPPED";
  /** Some steps failed (the run still counts): recorded as FAILED with this text. */
  error?: string;
  /** When the job wants to run next; default: this run's start + period. */
  nextRunAt?: Date;
  /** Persisted and handed back as `ctx.state` next time; undefined keeps the previous state. */
  state?: unknown;
}

export interface JobDefinition {
  /** Stable id: lease row name and JOBS_PERIODS key (kebab-case). */
  name: string;
  /** For the back office. */
  label: string;
  description: string;
  periodMs: number;
  run(ctx: JobContext): Promise<JobResult>;
}

/**
 * For jobs that are one call returning counts, e.g. a sync function answering `{ queried: 4, succeeded: 1 }`:
 * numeric fields become the counts and the summary. Registering such a job is one line in ./registry.ts.
 */
export function countingJob(
  name: string,
  label: string,
  periodMs: number,
  fn: (ctx: JobContext) => Promise<object>,
  description = label,
): JobDefinition {
  return {
    name,
    label,
    description,
    periodMs,
    async run(ctx) {
      const r = (await fn(ctx)) as Record<string, unknown>;
      const counts = Object.fromEntries(Object.entries(r).filter((e): e is [string, number] => typeof e[1] === "number"));
      return {
        counts,
        summary:
          Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(" · ") || "完成",
      };
    },
  };
}
