// GET /api/health and GET /api/ready: what a load balancer or orchestrator probes.
//
// health = liveness: the process can serve. It never touches the database (a database outage must not get
//          every instance restarted), and is 503 once shutdown has begun.
// ready  = send me traffic: the database answers within 1 s, no migration is pending, the WeChat Pay
//          configuration is loaded and the job runner is alive (when enabled). Otherwise 503 naming the
//          failing checks.
//
// Both are unauthenticated, so they say nothing about versions, hosts or configuration values, write no row,
// and stay cheap under a flood: at most one database round trip is in flight per process, and its result is
// reused for a second (so a thousand probes cost about one query and never another connection).
import fs from "node:fs";
import path from "node:path";
import { isPostgresUrl, prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { logger } from "@/lib/log";
import { wechatpay } from "@/lib/wechatpay-server";
import { currentJobRunner } from "@/lib/jobs/start";
import { processLifecycle, type Lifecycle } from "./lifecycle";

export type CheckResult = "ok" | "fail" | "off";
export const CHECKS = ["database", "migrations", "wechatpay", "jobs"] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Readiness {
  status: "ready" | "not-ready" | "shutting-down";
  checks: Record<CheckName, CheckResult>;
  /** The failing checks; "shutdown" while shutting down. */
  failing: (CheckName | "shutdown")[];
}

export const DATABASE_TIMEOUT_MS = 1000;
const REUSE_MS = 1000;
const log = logger("ops");

/** What the database and migration checks need: a way to ask, and the migrations this build ships. */
export interface DatabaseProbe {
  ping(): Promise<void>;
  appliedMigrations(): Promise<string[]>;
  expectedMigrations(): string[];
}

/** The folder of this build's migrations, next to the working directory like prisma/migrate.mjs's. */
export function migrationsDir(databaseUrl: string): string {
  return path.resolve(isPostgresUrl(databaseUrl) ? "prisma/postgresql/migrations" : "prisma/migrations");
}

/** The app database (lib/db.ts) and the migrations folder of this build. */
export function appDatabaseProbe(): DatabaseProbe {
  let expected: string[] | undefined;
  return {
    ping: async () => {
      await prisma.$queryRawUnsafe("SELECT 1");
    },
    appliedMigrations: async () =>
      (
        await prisma.$queryRawUnsafe<{ migration_name: string }[]>(
          "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
        )
      ).map((r) => r.migration_name),
    expectedMigrations: () =>
      (expected ??= fs
        .readdirSync(migrationsDir(env().databaseUrl), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)),
  };
}

type DatabaseChecks = Pick<Record<CheckName, CheckResult>, "database" | "migrations">;

/**
 * The database and migration checks with the flood protection: one round trip in flight at a time, its
 * answer reused for REUSE_MS, and an answer slower than DATABASE_TIMEOUT_MS counted as a failure (probes
 * arriving while that slow one is still pending fail at once instead of queueing behind it).
 */
export class DatabaseChecker {
  private migrationsApplied = false;
  private last: { at: number; result: DatabaseChecks } | undefined;
  private inflight: { since: number; done: Promise<DatabaseChecks> } | undefined;

  constructor(
    private readonly probe: DatabaseProbe,
    private readonly timeoutMs = DATABASE_TIMEOUT_MS,
    private readonly reuseMs = REUSE_MS,
  ) {}

  async check(now = Date.now()): Promise<DatabaseChecks> {
    if (this.last && now - this.last.at < this.reuseMs) return this.last.result;
    if (!this.inflight) {
      const done = this.ask().then((result) => {
        this.last = { at: Date.now(), result };
        this.inflight = undefined;
        return result;
      });
      this.inflight = { since: now, done };
    }
    const left = this.timeoutMs - (now - this.inflight.since);
    const timedOut: DatabaseChecks = { database: "fail", migrations: this.migrationsApplied ? "ok" : "fail" };
    if (left <= 0) return timedOut;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DatabaseChecks>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), left);
    });
    try {
      return await Promise.race([this.inflight.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async ask(): Promise<DatabaseChecks> {
    try {
      await this.probe.ping();
    } catch (e) {
      log.warn({ err: e }, "readiness: the database does not answer");
      return { database: "fail", migrations: this.migrationsApplied ? "ok" : "fail" };
    }
    // Applied migrations never disappear, so once every migration of this build is applied the check is done
    // for the life of the process (a newer release migrating the database ahead of us is fine).
    if (!this.migrationsApplied) {
      try {
        const applied = new Set(await this.probe.appliedMigrations());
        const pending = this.probe.expectedMigrations().filter((m) => !applied.has(m));
        this.migrationsApplied = pending.length === 0;
        if (pending.length) log.warn({ pending }, "readiness: migrations pending (run the migrate command)");
      } catch (e) {
        log.warn({ err: e }, "readiness: cannot read the applied migrations");
      }
    }
    return { database: "ok", migrations: this.migrationsApplied ? "ok" : "fail" };
  }
}

function wechatpayCheck(): CheckResult {
  try {
    wechatpay(); // parses and checks the whole configuration once, then cached
    return "ok";
  } catch {
    return "fail";
  }
}

function jobsCheck(): CheckResult {
  try {
    if (!env().jobs.enabled) return "off";
  } catch {
    return "fail";
  }
  return currentJobRunner()?.alive() ? "ok" : "fail";
}

export interface ReadinessDeps {
  lifecycle: Lifecycle;
  database: DatabaseChecker;
  wechatpay: () => CheckResult;
  jobs: () => CheckResult;
}

export async function readiness(deps: ReadinessDeps): Promise<Readiness> {
  // Shutting down: not ready, whatever else holds; the database is not asked (it is about to be closed).
  if (deps.lifecycle.shuttingDown) {
    return {
      status: "shutting-down",
      checks: { database: "off", migrations: "off", wechatpay: "off", jobs: "off" },
      failing: ["shutdown"],
    };
  }
  const checks: Record<CheckName, CheckResult> = { ...(await deps.database.check()), wechatpay: deps.wechatpay(), jobs: deps.jobs() };
  const failing = CHECKS.filter((c) => checks[c] === "fail");
  return { status: failing.length ? "not-ready" : "ready", checks, failing };
}

const KEY = Symbol.for("wcp.readiness");

/** This process's dependencies (the one DatabaseChecker lives on globalThis, like the lifecycle). */
export function processReadinessDeps(): ReadinessDeps {
  const g = globalThis as { [KEY]?: DatabaseChecker };
  return {
    lifecycle: processLifecycle(),
    database: (g[KEY] ??= new DatabaseChecker(appDatabaseProbe())),
    wechatpay: wechatpayCheck,
    jobs: jobsCheck,
  };
}

/** The answers, as Response-ready pairs (the routes only map them). */
export function healthAnswer(lifecycle: Lifecycle): { status: number; body: { status: "ok" | "shutting-down" } } {
  return lifecycle.shuttingDown ? { status: 503, body: { status: "shutting-down" } } : { status: 200, body: { status: "ok" } };
}

export function readinessAnswer(r: Readiness): { status: number; body: Readiness | Omit<Readiness, "failing"> } {
  if (r.status === "ready") return { status: 200, body: { status: r.status, checks: r.checks } };
  return { status: 503, body: r };
}
