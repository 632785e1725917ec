// Runs once when the server starts (`next start`, `next dev`; never during `next build`): validate
// the configuration before taking traffic, then start the job runner (lib/jobs).
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { startup } = await import("./lib/startup");
    await startup();
  }
}
