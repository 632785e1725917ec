// Graceful shutdown (lib/ops/shutdown.ts) with a stand-in process: what happens from the signal to the exit.
// The same sequence with real processes, under load and mid-job: tests/multi-process/shutdown.test.ts.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Lifecycle } from "@/lib/ops/lifecycle";
import { installGracefulShutdown } from "@/lib/ops/shutdown";

const quiet = { info() {}, warn() {}, error() {} };

function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: (number | undefined)[] = [];
  const proc = {
    once: emitter.once.bind(emitter),
    exit: ((code?: number) => {
      exits.push(code);
    }) as NodeJS.Process["exit"],
  };
  return { proc: proc as unknown as Pick<NodeJS.Process, "once" | "exit">, emitter, exits };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("graceful shutdown", () => {
  it("SIGTERM: not ready at once; Next's exit() waits for the job runner, then the database closes, then the process exits", async () => {
    const { proc, emitter, exits } = fakeProcess();
    const lifecycle = new Lifecycle();
    const order: string[] = [];
    let finishJobs!: () => void;
    const deadlines: number[] = [];
    installGracefulShutdown({
      proc,
      lifecycle,
      timeoutMs: 15_000,
      stopJobs: (deadlineMs) => {
        deadlines.push(deadlineMs);
        order.push("jobs stopping");
        return new Promise<void>((r) => (finishJobs = () => (order.push("jobs stopped"), r())));
      },
      closeDatabase: async () => void order.push("database closed"),
      log: quiet,
    });
    expect(lifecycle.shuttingDown).toBe(false);
    emitter.emit("SIGTERM");
    expect(lifecycle.shuttingDown).toBe(true); // at once: /api/health and /api/ready answer 503
    emitter.emit("SIGINT"); // a second signal changes nothing
    expect(deadlines).toEqual([13_000]);
    proc.exit(143); // what Next.js does once its HTTP server has closed (requests in flight finished)
    await tick(20);
    expect(exits).toEqual([]);
    expect(order).toEqual(["jobs stopping"]);
    finishJobs();
    await tick(5);
    expect(order).toEqual(["jobs stopping", "jobs stopped", "database closed"]);
    expect(exits).toEqual([143]);
  });

  it("the database is closed only after Next's exit (the HTTP server closed), not when the jobs stopped", async () => {
    const { proc, emitter, exits } = fakeProcess();
    let closed = false;
    installGracefulShutdown({
      proc,
      lifecycle: new Lifecycle(),
      timeoutMs: 15_000,
      stopJobs: async () => undefined,
      closeDatabase: async () => void (closed = true),
      log: quiet,
    });
    emitter.emit("SIGTERM");
    await tick(20);
    expect(closed).toBe(false); // requests in flight still use it
    proc.exit(143);
    await tick(5);
    expect([closed, exits]).toEqual([true, [143]]);
  });

  it("whatever hangs (a job step, the HTTP server never closing), the process exits at SHUTDOWN_TIMEOUT_MS with code 1", async () => {
    const { proc, emitter, exits } = fakeProcess();
    let closed = false;
    installGracefulShutdown({
      proc,
      lifecycle: new Lifecycle(),
      timeoutMs: 60,
      stopJobs: () => new Promise<void>(() => {}),
      closeDatabase: async () => void (closed = true),
      log: quiet,
    });
    emitter.emit("SIGINT");
    await tick(30);
    expect(exits).toEqual([]);
    await tick(80);
    expect(exits).toEqual([1]);
    expect(closed).toBe(true);
    proc.exit(130); // Next's late exit changes nothing
    await tick(5);
    expect(exits).toEqual([1]);
  });

  it("without the job runner (JOBS_ENABLED=false) the exit only waits for the database", async () => {
    const { proc, emitter, exits } = fakeProcess();
    installGracefulShutdown({ proc, lifecycle: new Lifecycle(), timeoutMs: 15_000, closeDatabase: async () => undefined, log: quiet });
    emitter.emit("SIGTERM");
    proc.exit(143);
    await tick(5);
    expect(exits).toEqual([143]);
  });
});
