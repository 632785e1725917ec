// The in-app job runner. Every process runs one; the DATABASE decides which process runs each job:
//
//   take   UPDATE JobLease SET owner = me, leaseUntil = now + lease, runCount = runCount + 1
//          WHERE name = job AND nextRunAt <= now AND (leaseUntil IS NULL OR leaseUntil < now OR owner = me)
//   run    the job; its lease is renewed every lease/3 (WHERE owner = me AND runCount = seq)
//   finish UPDATE … SET owner = NULL, leaseUntil = NULL, nextRunAt = next WHERE owner = me AND runCount = seq
//
// A single conditional UPDATE is atomic on SQLite (one writer) and on PostgreSQL (READ COMMITTED
// re-checks the WHERE clause on the row it waited for), so two processes can never both take the same
// period, and JobRun's unique (job, seq) records each run once. A process that dies keeps the lease
// only until leaseUntil: after that any other process takes the job over (and marks the dead run
// ABANDONED). No in-process lock decides anything; the in-process `running` map only stops this
// process from asking for a job it is running already (a slow job never overlaps itself).
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/db";
import { logger } from "@/lib/log";
import type { JobDefinition, JobOutcome, JobResult } from "./types";

/** Where the runner logs (lib/log.ts's logger by default; tests pass a silent one): fields, then a message. */
export interface JobLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface RunnerOptions {
  db: Db;
  jobs: JobDefinition[];
  /** Defaults to host:pid:random. Two runners in one process (tests) need different owners. */
  owner?: string;
  clock?: () => Date;
  tickMs: number;
  leaseMs: number;
  log?: JobLog;
}

export interface FinishedRun {
  job: string;
  seq: number;
  outcome: JobOutcome;
  counts: Record<string, number>;
  summary: string | null;
  error: string | null;
}

const MAX_ERROR_CHARS = 1000;

/** The error's message and its cause chain (our messages and WeChat's codes; never request bodies or keys). */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      parts.push(`${cur.name}${typeof code === "string" ? ` ${code}` : ""}: ${cur.message}`);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  const text = parts.join(" ← caused by ");
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export class JobRunner {
  readonly owner: string;
  private readonly db: Db;
  private readonly jobs: JobDefinition[];
  private readonly clock: () => Date;
  private readonly tickMs: number;
  private readonly leaseMs: number;
  private readonly log: JobLog;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<FinishedRun | null> }>();
  private timer: NodeJS.Timeout | undefined;
  /** Real time of the timer's last beat (readiness: a runner whose timer stopped firing is not alive). */
  private lastBeatAt = 0;
  private stopping = false;
  private initialised: Promise<void> | undefined;
  private ticking: Promise<unknown> | undefined;

  constructor(o: RunnerOptions) {
    this.db = o.db;
    this.jobs = o.jobs;
    this.owner = o.owner ?? defaultOwner();
    this.clock = o.clock ?? (() => new Date());
    this.tickMs = o.tickMs;
    this.leaseMs = o.leaseMs;
    this.log = o.log ?? logger("jobs");
  }

  /** Creates the missing lease rows (first start, or a job added by a release), due at once. */
  init(): Promise<void> {
    this.initialised ??= (async () => {
      const existing = new Set((await this.db.jobLease.findMany({ select: { name: true } })).map((l) => l.name));
      for (const job of this.jobs) {
        if (existing.has(job.name)) continue;
        try {
          await this.db.jobLease.create({ data: { name: job.name, nextRunAt: this.clock() } });
        } catch (e) {
          // Another process created it at the same moment (unique name): fine.
          if ((e as { code?: string }).code !== "P2002") throw e;
        }
      }
    })().catch((e) => {
      this.initialised = undefined;
      throw e;
    });
    return this.initialised;
  }

  /** Looks for due jobs every tickMs (timer unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer || this.stopping) return;
    const tick = () => {
      this.lastBeatAt = Date.now();
      // One tick at a time; a tick does not wait for the jobs it started.
      if (this.ticking || this.stopping) return;
      this.ticking = this.startDue()
        .catch((e) => this.log.error({ error: describeError(e) }, "could not check for due jobs"))
        .finally(() => (this.ticking = undefined));
    };
    this.timer = setInterval(tick, this.tickMs);
    this.timer.unref();
    tick();
  }

  /** Starts every due job this process can take; resolves once they are started. */
  private async startDue(): Promise<Promise<FinishedRun | null>[]> {
    await this.init();
    const now = this.clock();
    const leases = await this.db.jobLease.findMany({ where: { name: { in: this.jobs.map((j) => j.name) } } });
    const started: Promise<FinishedRun | null>[] = [];
    for (const job of this.jobs) {
      const l = leases.find((x) => x.name === job.name);
      if (!l || this.running.has(job.name) || this.stopping) continue;
      const free = !l.leaseUntil || l.leaseUntil < now || l.owner === this.owner;
      if (l.nextRunAt <= now && free) started.push(this.runOne(job));
    }
    return started;
  }

  /** For tests and tools: runs every due job now and waits for them. Returns the runs this process did. */
  async runDue(): Promise<FinishedRun[]> {
    const runs = await Promise.all(await this.startDue());
    return runs.filter((r): r is FinishedRun => r !== null);
  }

  /** Takes the job's lease (or returns null) and runs it to the end. Never throws. */
  private runOne(job: JobDefinition): Promise<FinishedRun | null> {
    const controller = new AbortController();
    const done = this.takeAndRun(job, controller)
      .catch((e) => {
        this.log.error({ job: job.name, error: describeError(e) }, "job bookkeeping failed");
        return null;
      })
      .finally(() => this.running.delete(job.name));
    this.running.set(job.name, { controller, done });
    return done;
  }

  private async takeAndRun(job: JobDefinition, controller: AbortController): Promise<FinishedRun | null> {
    const db = this.db;
    const now = this.clock();
    // One statement takes the lease and returns the row as it took it (UPDATE … RETURNING).
    const [lease] = await db.jobLease.updateManyAndReturn({
      where: {
        name: job.name,
        nextRunAt: { lte: now },
        OR: [{ leaseUntil: null }, { leaseUntil: { lt: now } }, { owner: this.owner }],
      },
      data: { owner: this.owner, leaseUntil: new Date(now.getTime() + this.leaseMs), runCount: { increment: 1 } },
    });
    if (!lease) return null; // another process took this period
    const seq = lease.runCount;
    const mine = { name: job.name, owner: this.owner, runCount: seq };

    // A run still RUNNING from an earlier take belongs to a process whose lease expired (it died).
    await db.jobRun.updateMany({
      where: { job: job.name, outcome: "RUNNING", seq: { lt: seq } },
      data: {
        outcome: "ABANDONED",
        finishedAt: now,
        error: "its process stopped renewing the lease (crashed or killed); taken over by another process",
      },
    });
    await db.jobRun.create({
      data: { job: job.name, seq, owner: this.owner, scheduledFor: lease.nextRunAt, startedAt: now, outcome: "RUNNING" },
    });

    const renew = setInterval(
      () => {
        db.jobLease
          .updateMany({ where: mine, data: { leaseUntil: new Date(this.clock().getTime() + this.leaseMs) } })
          .then(({ count: n }) => {
            if (n === 0) controller.abort(new Error("lease lost"));
          })
          .catch((e) => this.log.warn({ job: job.name, error: describeError(e) }, "job lease renewal failed"));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();

    let result: JobResult | undefined;
    let failure: string | undefined;
    try {
      result = await job.run({
        now: this.clock,
        signal: controller.signal,
        state: lease.state === null ? undefined : (JSON.parse(lease.state) as unknown),
        periodMs: job.periodMs,
      });
    } catch (e) {
      failure = describeError(e);
    } finally {
      clearInterval(renew);
    }

    const finishedAt = this.clock();
    const stopped = controller.signal.aborted && !failure;
    const outcome: JobOutcome = failure || result?.error ? "FAILED" : stopped ? "STOPPED" : (result?.outcome ?? "OK");
    // Stopped half-way (shutdown): due again at once, for whichever process is still up.
    const nextRunAt = stopped ? finishedAt : (result?.nextRunAt ?? new Date(now.getTime() + job.periodMs));
    const counts = result?.counts ?? {};
    const error = failure ?? result?.error ?? null;
    // Only while still RUNNING: if another process took over (we were presumed dead), its ABANDONED verdict stays.
    await db.jobRun.updateMany({
      where: { job: job.name, seq, outcome: "RUNNING" },
      data: {
        finishedAt,
        durationMs: finishedAt.getTime() - now.getTime(),
        outcome,
        counts: JSON.stringify(counts),
        summary: result?.summary ?? null,
        error,
      },
    });
    const released = await db.jobLease.updateMany({
      where: mine,
      data: {
        owner: null,
        leaseUntil: null,
        nextRunAt,
        ...(result?.state !== undefined ? { state: JSON.stringify(result.state) } : {}),
      },
    });
    // One line per run: a job that threw is an error (with its cause, retried next period), one whose steps
    // partly failed a warning.
    const line = { job: job.name, seq, owner: this.owner, outcome, durationMs: finishedAt.getTime() - now.getTime(), counts, error };
    if (failure) this.log.error(line, "job run failed (retried next period)");
    else if (outcome === "FAILED") this.log.warn(line, "job run");
    else this.log.info(line, "job run");
    if (released.count === 0) this.log.warn({ job: job.name, seq }, "the job lease was taken over while running");
    return { job: job.name, seq, outcome, counts, summary: result?.summary ?? null, error };
  }

  /**
   * For /api/ready: started, not stopping, and its timer beat within the last three ticks (plus a second of
   * slack for a busy event loop). A tick waiting on a slow database still beats: the database has its own check.
   */
  alive(now = Date.now()): boolean {
    return this.timer !== undefined && !this.stopping && now - this.lastBeatAt <= 3 * this.tickMs + 1000;
  }

  /** Whether a job is running in this process (for tests and shutdown). */
  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  /**
   * Stops taking jobs, tells running ones to stop after their current step, waits for them to record their
   * run and release their lease (a stopped run is due again at once, so another process takes it over on its
   * next tick instead of after the lease expires). A job still busy after `deadlineMs` (a hung call) does not
   * hold the shutdown: its lease is released anyway (releaseLeases). Idempotent. Resolves true when every job
   * stopped in time.
   */
  async stop(deadlineMs = Infinity): Promise<boolean> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const stopped = (async () => {
      await this.ticking;
      const running = [...this.running.values()];
      for (const r of running) r.controller.abort(new Error("shutting down"));
      await Promise.allSettled(running.map((r) => r.done));
      return true;
    })();
    if (deadlineMs === Infinity) return stopped;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const inTime = await Promise.race([stopped, late]);
    clearTimeout(timer);
    if (!inTime) {
      const released = await this.releaseLeases();
      this.log.warn({ released, deadlineMs }, "a job did not stop in time: its lease is released anyway");
    }
    return inTime;
  }

  /**
   * Gives up every lease this process still holds, due at once for the other processes, and records its
   * unfinished runs as STOPPED. Only for a process about to exit: a job still running here could otherwise
   * overlap the takeover (each of its steps is still decided by the database, e.g. an order closes once).
   */
  async releaseLeases(): Promise<number> {
    const now = this.clock();
    await this.db.jobRun.updateMany({
      where: { owner: this.owner, outcome: "RUNNING" },
      data: { outcome: "STOPPED", finishedAt: now, error: "the process shut down before the job finished its step" },
    });
    const { count } = await this.db.jobLease.updateMany({
      where: { owner: this.owner },
      data: { owner: null, leaseUntil: null, nextRunAt: now },
    });
    return count;
  }
}
