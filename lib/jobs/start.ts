// Starts the job runner once per server process (instrumentation.ts → lib/startup.ts). Stopping it on
// SIGTERM/SIGINT is part of the graceful shutdown (lib/ops/shutdown.ts).
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { configureJobs } from "./registry";
import { JobRunner } from "./runner";

// Survives `next dev` hot reloads (modules are evaluated again, globalThis is not): never two runners.
const globalForJobs = globalThis as unknown as { jobRunner?: JobRunner };

/** This process's runner, once started (undefined with JOBS_ENABLED=false or before start-up). */
export function currentJobRunner(): JobRunner | undefined {
  return globalForJobs.jobRunner;
}

export function startJobRunner(): JobRunner {
  if (globalForJobs.jobRunner) return globalForJobs.jobRunner;
  const e = env();
  const jobs = configureJobs(e.jobs.periods)
    .filter((c) => c.enabled)
    .map((c) => c.job);
  const runner = new JobRunner({ db: prisma, jobs, tickMs: e.jobs.tickMs, leaseMs: e.jobs.leaseMs });
  globalForJobs.jobRunner = runner;
  runner.start();
  logger("jobs").info(
    { owner: runner.owner, jobs: Object.fromEntries(jobs.map((j) => [j.name, j.periodMs])) },
    "job runner started (periods in ms)",
  );
  return runner;
}
