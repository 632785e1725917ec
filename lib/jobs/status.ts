// What the back office shows about scheduled jobs: read from the database, so every instance's
// runs are visible whichever instance serves the page.
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { configureJobs } from "./registry";
import type { JobOutcome } from "./types";

export interface JobRunView {
  seq: number;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  outcome: JobOutcome;
  counts: Record<string, number>;
  summary: string | null;
  error: string | null;
}

export interface JobStatusView {
  name: string;
  label: string;
  description: string;
  periodMs: number;
  enabled: boolean;
  nextRunAt: Date | null;
  /** The runner holding the lease right now (a run is in progress), or null. */
  heldBy: string | null;
  lastRun: JobRunView | null;
  lastFailure: JobRunView | null;
}

function view(r: {
  seq: number;
  owner: string;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  outcome: string;
  counts: string | null;
  summary: string | null;
  error: string | null;
}): JobRunView {
  return { ...r, outcome: r.outcome as JobOutcome, counts: r.counts ? (JSON.parse(r.counts) as Record<string, number>) : {} };
}

export async function jobStatuses(
  now = new Date(),
): Promise<{ runnerEnabled: boolean; jobs: JobStatusView[]; recent: (JobRunView & { job: string })[] }> {
  const e = env();
  const configured = configureJobs(e.jobs.periods);
  const names = configured.map((c) => c.job.name);
  const [leases, recent] = await Promise.all([
    prisma.jobLease.findMany({ where: { name: { in: names } } }),
    prisma.jobRun.findMany({ orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: 30 }),
  ]);
  const jobs = await Promise.all(
    configured.map(async ({ job, enabled }) => {
      const lease = leases.find((l) => l.name === job.name);
      const [last, failure] = await Promise.all([
        prisma.jobRun.findFirst({ where: { job: job.name }, orderBy: { seq: "desc" } }),
        prisma.jobRun.findFirst({ where: { job: job.name, outcome: { in: ["FAILED", "ABANDONED"] } }, orderBy: { seq: "desc" } }),
      ]);
      return {
        name: job.name,
        label: job.label,
        description: job.description,
        periodMs: job.periodMs,
        enabled,
        nextRunAt: lease?.nextRunAt ?? null,
        heldBy: lease?.owner && lease.leaseUntil && lease.leaseUntil > now ? lease.owner : null,
        lastRun: last ? view(last) : null,
        lastFailure: failure ? view(failure) : null,
      };
    }),
  );
  return { runnerEnabled: e.jobs.enabled, jobs, recent: recent.map((r) => ({ job: r.job, ...view(r) })) };
}

/** The latest automatic reconciliation, when it found differences: flagged across the back office. */
export async function reconcileAlert(): Promise<{ billDate: string; differences: number; summary: string } | null> {
  const [lease, last] = await Promise.all([
    prisma.jobLease.findUnique({ where: { name: "daily-reconcile" }, select: { state: true } }),
    prisma.jobRun.findFirst({ where: { job: "daily-reconcile", outcome: "OK" }, orderBy: { seq: "desc" } }),
  ]);
  // The state and the last OK run are written by the same run (the state names its bill date).
  const billDate = lease?.state ? (JSON.parse(lease.state) as { lastBillDate?: string }).lastBillDate : undefined;
  const differences = last?.counts ? ((JSON.parse(last.counts) as Record<string, number>).differences ?? 0) : 0;
  if (!last || !billDate || !differences) return null;
  return { billDate, differences, summary: last.summary ?? "" };
}
