// Runs once when the server starts: validate the configuration before taking traffic.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    await import("./lib/startup");
  }
}
