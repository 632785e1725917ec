// Starts the job runner once per server process (instrumentation.ts → lib/startup.ts), and makes
// SIGTERM/SIGINT wait for a running job to finish its current step.
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
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
  installShutdown(runner, process, e.jobs.leaseMs);
  runner.start();
  console.info(
    `[jobs] runner ${runner.owner} started: ${jobs.map((j) => `${j.name} every ${j.periodMs / 1000}s`).join(", ") || "no jobs"}`,
  );
  return runner;
}

type ProcessLike = Pick<NodeJS.Process, "once" | "exit">;

/**
 * Next.js handles SIGTERM/SIGINT itself: it closes the HTTP server, then calls process.exit(). From
 * the signal on we stop taking jobs and defer that exit until the running job has finished its
 * current step and released its lease (at most `graceMs`, so a hung WeChat call cannot block a
 * deployment forever).
 */
export function installShutdown(runner: Pick<JobRunner, "stop">, proc: ProcessLike, graceMs: number): void {
  let stopped: Promise<void> | undefined;
  const onSignal = () => {
    if (stopped) return;
    stopped = Promise.race([runner.stop(), new Promise<void>((r) => setTimeout(r, graceMs).unref())]).catch(() => undefined);
    const exit = proc.exit.bind(proc);
    proc.exit = ((code?: number) => {
      void stopped!.then(() => exit(code));
    }) as NodeJS.Process["exit"];
  };
  proc.once("SIGTERM", onSignal);
  proc.once("SIGINT", onSignal);
}
