// Runs once when the server starts: validate the configuration before taking traffic, so a bad or
// missing variable stops start-up with one line naming it.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const { env, ConfigError } = await import("@/lib/env");
  try {
    env();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}
