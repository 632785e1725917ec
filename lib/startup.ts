// Called once by instrumentation.ts in the Node.js runtime: the HTTP server starts stamping each
// request with its socket address (lib/http/peer-address.ts); a bad or missing variable stops the
// server with one line naming it, before any request is served. Then the job runner starts
// (lib/jobs), unless JOBS_ENABLED=false, and SIGTERM/SIGINT get their graceful shutdown (lib/ops/shutdown.ts).
import "server-only";
import { ConfigError, env } from "./env";
import { installPeerAddressStamp } from "./http/peer-address";
import { logger } from "./log";
import { instrumentHttpServer } from "./http/request-log";
import { processLifecycle } from "./ops/lifecycle";

const STARTED = Symbol.for("wcp.started");

export async function startup(): Promise<void> {
  // `next dev` may evaluate instrumentation again after a reload: one hook, one runner, one signal handler.
  const g = globalThis as { [STARTED]?: true };
  if (g[STARTED]) return;
  g[STARTED] = true;
  // The socket address of every request, for the limiters (lib/http/peer-address.ts).
  installPeerAddressStamp();
  // One log line and an X-Request-Id for every request this server answers; keep-alive connections are closed
  // after their current answer once shutdown has begun.
  instrumentHttpServer(undefined, { draining: () => processLifecycle().shuttingDown });
  let jobsEnabled = false;
  try {
    jobsEnabled = env().jobs.enabled;
    if (env().nodeEnv === "production" && env().usesTestSetup) {
      logger("startup").warn(
        "WECHATPAY_UNSAFE_ALLOW_TEST_SETUP=1 — running in production mode with test keys or plain-HTTP URLs. Never do this with real money.",
      );
    }
    // A typo in JOBS_PERIODS stops the server here, like any other bad variable.
    if (jobsEnabled) (await import("./jobs/registry")).configureJobs(env().jobs.periods);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    logger("startup").fatal({ variable: e.variable }, e.message);
    process.exit(1);
  }
  const runner = jobsEnabled ? (await import("./jobs/start")).startJobRunner() : undefined;
  const [{ installGracefulShutdown }, { prisma }] = await Promise.all([import("./ops/shutdown"), import("./db")]);
  installGracefulShutdown({
    proc: process,
    lifecycle: processLifecycle(),
    timeoutMs: env().shutdownTimeoutMs,
    stopJobs: runner ? (deadlineMs) => runner.stop(deadlineMs) : undefined,
    closeDatabase: () => prisma.$disconnect(),
  });
}
