// Graceful shutdown on SIGTERM / SIGINT (a deploy, `docker stop`, `pm2 reload`, Ctrl-C).
//
// What Next.js 16 does itself (node_modules/next/dist/server/lib/start-server.js, the same code under
// `next start` and the standalone server.js, unless NEXT_MANUAL_SIG_HANDLE is set): on the first signal it
// calls server.close() — no new connections, idle keep-alive connections closed, the requests in flight
// finish — then closes its own server and calls process.exit(143 for SIGTERM, 130 for SIGINT).
//
// What we add, from the same signal on:
//   1. readiness and liveness answer 503 at once (lib/ops/lifecycle.ts);
//   2. the job runner stops taking jobs, stops the running ones after their current step and releases their
//      leases, so another instance takes the work over on its next tick, not after the lease expires;
//   3. Next's process.exit() is held until that is done and the database connections are closed — after the
//      HTTP server closed, so no request in flight loses its database;
//   4. whatever is still running, the process exits SHUTDOWN_TIMEOUT_MS after the signal (exit code 1).
import { logger, type Logger } from "@/lib/log";
import type { Lifecycle } from "./lifecycle";

type ProcessLike = Pick<NodeJS.Process, "once" | "exit">;

export interface ShutdownOptions {
  proc: ProcessLike;
  lifecycle: Lifecycle;
  /** SHUTDOWN_TIMEOUT_MS: the process is gone this long after the signal, whatever happens. */
  timeoutMs: number;
  /** Stops the job runner within the given ms and releases its leases (absent when jobs are off). */
  stopJobs?: (deadlineMs: number) => Promise<unknown>;
  /** Closes the database connections; called once the HTTP server has closed (Next's exit) or at the deadline. */
  closeDatabase: () => Promise<void>;
  log?: Pick<Logger, "info" | "warn" | "error">;
}

// What the runner may use of the budget: the rest is for closing the database and exiting.
const RESERVED_FOR_EXIT_MS = 2000;

export function installGracefulShutdown(o: ShutdownOptions): void {
  const log = o.log ?? logger("shutdown");
  let begun = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (begun || !o.lifecycle.beginShutdown()) return;
    begun = true;
    const started = Date.now();
    log.info({ signal, timeoutMs: o.timeoutMs }, "shutdown begun: not ready any more, finishing requests in flight");
    const exit = o.proc.exit.bind(o.proc);
    let exiting = false;
    const hardStop = setTimeout(() => {
      log.error({ timeoutMs: o.timeoutMs }, "shutdown: timed out, exiting with work unfinished");
      void o.closeDatabase().catch(() => undefined);
      finalExit(1);
    }, o.timeoutMs);
    function finalExit(code: number | undefined) {
      if (exiting) return;
      exiting = true;
      clearTimeout(hardStop);
      exit(code);
    }

    const jobsStopped = o.stopJobs
      ? o.stopJobs(Math.max(o.timeoutMs - RESERVED_FOR_EXIT_MS, o.timeoutMs / 2)).then(
          () => log.info({ ms: Date.now() - started }, "shutdown: job runner stopped, leases released"),
          (e: unknown) => log.error({ err: e }, "shutdown: stopping the job runner failed"),
        )
      : Promise.resolve();

    // Next.js calls exit() once its HTTP server is closed: finish our part first.
    o.proc.exit = ((code?: number) => {
      void (async () => {
        await jobsStopped;
        try {
          await o.closeDatabase();
          log.info({ ms: Date.now() - started, code }, "shutdown complete: database closed, exiting");
        } catch (e) {
          log.error({ err: e }, "shutdown: closing the database failed");
        }
        finalExit(code);
      })();
    }) as NodeJS.Process["exit"];
  };
  o.proc.once("SIGTERM", onSignal);
  o.proc.once("SIGINT", onSignal);
}
