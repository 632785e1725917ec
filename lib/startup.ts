// Called once by instrumentation.ts in the Node.js runtime: a bad or missing variable stops the
// server with one line naming it, before any request is served. Then the job runner starts
// (lib/jobs), unless JOBS_ENABLED=false.
import "server-only";
import { ConfigError, env } from "./env";
import { instrumentHttpServer } from "./http/request-log";

export async function startup(): Promise<void> {
  // One log line and an X-Request-Id for every request this server answers.
  instrumentHttpServer();
  let jobsEnabled = false;
  try {
    jobsEnabled = env().jobs.enabled;
    // A typo in JOBS_PERIODS stops the server here, like any other bad variable.
    if (jobsEnabled) (await import("./jobs/registry")).configureJobs(env().jobs.periods);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
  if (jobsEnabled) {
    const { startJobRunner } = await import("./jobs/start");
    startJobRunner();
  }
}
