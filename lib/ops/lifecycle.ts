// Where this process is in its life: serving, or shutting down (SIGTERM/SIGINT received, lib/ops/shutdown.ts).
// /api/health and /api/ready answer 503 from the moment shutdown begins, so a load balancer stops sending new
// requests while the ones in flight finish.
//
// On globalThis: Next.js evaluates instrumentation.ts (which handles the signal) and each route handler in
// separate bundles, so this module can exist more than once in one process; the state must be one.

export class Lifecycle {
  private shutdownAt: number | undefined;

  /** Marks the start of shutdown (idempotent); returns false when it had begun already. */
  beginShutdown(now = Date.now()): boolean {
    if (this.shutdownAt !== undefined) return false;
    this.shutdownAt = now;
    return true;
  }

  get shuttingDown(): boolean {
    return this.shutdownAt !== undefined;
  }
}

const KEY = Symbol.for("wcp.lifecycle");

/** This process's lifecycle. Tests build their own `new Lifecycle()` instead of changing this one. */
export function processLifecycle(): Lifecycle {
  const g = globalThis as { [KEY]?: Lifecycle };
  return (g[KEY] ??= new Lifecycle());
}
