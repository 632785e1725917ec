// Lease exclusivity of the job runner (lib/jobs/runner.ts), shared by the SQLite suite (jobs.test.ts)
// and the PostgreSQL suite (postgres/jobs.test.ts): two runners, each with its own database client
// (as two processes would have), one injected clock. Every test uses its own job name.
import { expect, it } from "vitest";
import type { Db } from "@/lib/db";
import { JobRunner } from "@/lib/jobs/runner";
import type { JobContext, JobDefinition, JobResult } from "@/lib/jobs/types";

const PERIOD = 60_000;
const LEASE = 30_000;
const quiet = { info() {}, warn() {}, error() {} };

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function testJob(name: string, run: (ctx: JobContext) => Promise<JobResult>): JobDefinition {
  return { name, label: name, description: name, periodMs: PERIOD, run };
}

const ok = async (): Promise<JobResult> => ({ counts: { done: 1 }, summary: "done" });

export function leaseTests(dbs: () => { a: Db; b: Db }) {
  let seq = 0;
  const setup = (run: (ctx: JobContext) => Promise<JobResult> = ok) => {
    const { a, b } = dbs();
    const name = `test-job-${Date.now().toString(36)}-${++seq}`;
    const clock = { t: new Date("2026-12-01T02:00:00Z") };
    const now = () => clock.t;
    const advance = (ms: number) => (clock.t = new Date(clock.t.getTime() + ms));
    const job = testJob(name, run);
    const mk = (db: Db, owner: string) => new JobRunner({ db, jobs: [job], owner, clock: now, tickMs: 1000, leaseMs: LEASE, log: quiet });
    return { name, runnerA: mk(a, "A"), runnerB: mk(b, "B"), db: a, advance, clock };
  };

  it("two runners asking at the same moment: one run per period, recorded once", async () => {
    const { name, runnerA, runnerB, db, advance } = setup();
    await Promise.all([runnerA.init(), runnerB.init()]);
    for (let period = 1; period <= 3; period++) {
      const runs = (await Promise.all([runnerA.runDue(), runnerB.runDue(), runnerA.runDue(), runnerB.runDue()])).flat();
      expect(runs.map((r) => [r.seq, r.outcome])).toEqual([[period, "OK"]]);
      // Not due again within the period, whoever asks.
      advance(PERIOD - 1);
      expect((await Promise.all([runnerA.runDue(), runnerB.runDue()])).flat()).toEqual([]);
      advance(1);
    }
    const rows = await db.jobRun.findMany({ where: { job: name }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.seq, r.outcome])).toEqual([
      [1, "OK"],
      [2, "OK"],
      [3, "OK"],
    ]);
    expect(rows.map((r) => r.scheduledFor.getTime() - rows[0]!.scheduledFor.getTime())).toEqual([0, PERIOD, 2 * PERIOD]);
    const lease = await db.jobLease.findUniqueOrThrow({ where: { name } });
    expect([lease.owner, lease.leaseUntil, lease.runCount]).toEqual([null, null, 3]);
  });

  it("a slow run never overlaps itself: neither its own runner nor the other takes the job while it runs", async () => {
    const gate = deferred();
    const { name, runnerA, runnerB, db, advance } = setup(async () => {
      await gate.promise;
      return { counts: {}, summary: "slow" };
    });
    await runnerA.init();
    const first = runnerA.runDue();
    await eventuallyTrue(async () => (await db.jobRun.count({ where: { job: name } })) === 1);
    advance(LEASE - 1); // the lease (taken at the start) still holds
    expect(await Promise.all([runnerA.runDue(), runnerB.runDue()])).toEqual([[], []]);
    gate.resolve();
    expect((await first).map((r) => r.outcome)).toEqual(["OK"]);
    expect(await db.jobRun.count({ where: { job: name } })).toBe(1);
  });

  it("a dead owner's lease is taken over once it expires; its run is marked ABANDONED", async () => {
    const hang = deferred();
    let calls = 0;
    const { name, runnerA, runnerB, db, advance } = setup(async (ctx) => {
      calls += 1;
      if (calls === 1) {
        // Runner A "dies" here: it never returns and never renews (renewal runs on real time, every 10 s).
        await Promise.race([hang.promise, new Promise((r) => ctx.signal.addEventListener("abort", r))]);
      }
      return { counts: { done: 1 }, summary: "done" };
    });
    await runnerA.init();
    void runnerA.runDue();
    await eventuallyTrue(async () => (await db.jobRun.count({ where: { job: name, outcome: "RUNNING" } })) === 1);
    advance(LEASE - 1);
    expect(await runnerB.runDue()).toEqual([]); // the lease still holds
    advance(2);
    expect((await runnerB.runDue()).map((r) => [r.seq, r.outcome])).toEqual([[2, "OK"]]);
    const rows = await db.jobRun.findMany({ where: { job: name }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.seq, r.owner, r.outcome])).toEqual([
      [1, "A", "ABANDONED"],
      [2, "B", "OK"],
    ]);
    // The zombie wakes up: it cannot overwrite the record of the run that took over, nor the lease.
    hang.resolve();
    await runnerA.stop();
    const after = await db.jobRun.findMany({ where: { job: name }, orderBy: { seq: "asc" } });
    expect(after.map((r) => r.outcome)).toEqual(["ABANDONED", "OK"]);
    const lease = await db.jobLease.findUniqueOrThrow({ where: { name } });
    expect(lease.runCount).toBe(2);
    expect(lease.nextRunAt.getTime()).toBe(rows[1]!.startedAt.getTime() + PERIOD);
  });

  it("a job that throws is recorded FAILED with its cause and runs again next period", async () => {
    let calls = 0;
    const { name, runnerA, db, advance } = setup(async () => {
      calls += 1;
      if (calls === 1) throw new Error("bill download failed", { cause: new Error("connect ECONNREFUSED") });
      return { counts: { done: 1 }, summary: "done" };
    });
    await runnerA.init();
    expect((await runnerA.runDue()).map((r) => r.outcome)).toEqual(["FAILED"]);
    expect(await runnerA.runDue()).toEqual([]);
    advance(PERIOD);
    expect((await runnerA.runDue()).map((r) => r.outcome)).toEqual(["OK"]);
    const rows = await db.jobRun.findMany({ where: { job: name }, orderBy: { seq: "asc" } });
    expect(rows[0]!.error).toBe("Error: bill download failed ← caused by Error: connect ECONNREFUSED");
    expect(rows[0]!.finishedAt).not.toBeNull();
  });

  it("stop() waits for the current step, records the run STOPPED and releases the lease for the other runner", async () => {
    const inStep = deferred();
    const stepDone = deferred();
    let steps = 0;
    const { name, runnerA, runnerB, db } = setup(async (ctx) => {
      for (let i = 0; i < 5; i++) {
        if (ctx.signal.aborted) break;
        if (i === 1) {
          inStep.resolve();
          await stepDone.promise;
        }
        steps += 1;
      }
      return { counts: { steps }, summary: `${steps} steps` };
    });
    await runnerA.init();
    void runnerA.runDue();
    await inStep.promise;
    let stopped = false;
    const stopping = runnerA.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false); // still inside step 2
    stepDone.resolve();
    await stopping;
    expect(steps).toBe(2);
    const run = await db.jobRun.findFirstOrThrow({ where: { job: name } });
    expect([run.outcome, run.counts]).toEqual(["STOPPED", JSON.stringify({ steps: 2 })]);
    const lease = await db.jobLease.findUniqueOrThrow({ where: { name } });
    expect([lease.owner, lease.leaseUntil]).toEqual([null, null]);
    // Due again at once, for the process still up.
    expect((await runnerB.runDue()).map((r) => [r.seq, r.outcome])).toEqual([[2, "OK"]]);
  });
}

async function eventuallyTrue(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
