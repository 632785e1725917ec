// Health and readiness decisions (lib/ops/readiness.ts) with stand-in probes: which check fails when, that a
// hanging database is answered within its 1 s budget, that a flood of probes costs one round trip, and that
// shutdown turns both answers 503 at once.
import { describe, expect, it } from "vitest";
import { Lifecycle } from "@/lib/ops/lifecycle";
import {
  DatabaseChecker,
  healthAnswer,
  readiness,
  readinessAnswer,
  type CheckResult,
  type DatabaseProbe,
  type ReadinessDeps,
} from "@/lib/ops/readiness";

function probe(o: Partial<DatabaseProbe> = {}) {
  const calls = { ping: 0, applied: 0 };
  const p: DatabaseProbe = {
    ping: async () => {
      calls.ping++;
      await o.ping?.();
    },
    appliedMigrations: async () => {
      calls.applied++;
      return o.appliedMigrations ? o.appliedMigrations() : ["m1", "m2"];
    },
    expectedMigrations: o.expectedMigrations ?? (() => ["m1", "m2"]),
  };
  return { p, calls };
}

function deps(d: Partial<ReadinessDeps> & { database: DatabaseChecker }): ReadinessDeps {
  const ok = (): CheckResult => "ok";
  return { lifecycle: new Lifecycle(), wechatpay: ok, jobs: ok, ...d };
}

const never = () => new Promise<void>(() => undefined);

describe("readiness", () => {
  it("ready: 200 with every check and nothing else (no version, host or configuration)", async () => {
    const { p } = probe();
    const answer = readinessAnswer(await readiness(deps({ database: new DatabaseChecker(p) })));
    expect(answer).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok", migrations: "ok", wechatpay: "ok", jobs: "ok" } },
    });
  });

  it("database refusing: 503 naming database", async () => {
    const { p } = probe({
      ping: async () => {
        throw new Error("connect ECONNREFUSED");
      },
    });
    const answer = readinessAnswer(await readiness(deps({ database: new DatabaseChecker(p) })));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ status: "not-ready", failing: ["database", "migrations"] });
  });

  it("database hanging: 503 within the 1 s budget; probes meanwhile fail at once without asking again", async () => {
    const { p, calls } = probe({ ping: never });
    const checker = new DatabaseChecker(p, 200);
    const started = Date.now();
    expect((await readiness(deps({ database: checker }))).failing).toContain("database");
    expect(Date.now() - started).toBeLessThan(1000);
    const again = Date.now();
    expect((await readiness(deps({ database: checker }))).failing).toContain("database");
    expect(Date.now() - again).toBeLessThan(50);
    expect(calls.ping).toBe(1);
  });

  it("a pending migration: 503 naming migrations; once applied, never asked again", async () => {
    let applied = ["m1"];
    const { p, calls } = probe({ appliedMigrations: async () => applied });
    const checker = new DatabaseChecker(p, 1000, 0);
    expect((await readiness(deps({ database: checker }))).failing).toEqual(["migrations"]);
    applied = ["m1", "m2", "m0-from-a-newer-release"];
    expect((await readiness(deps({ database: checker }))).status).toBe("ready");
    await readiness(deps({ database: checker }));
    expect(calls.applied).toBe(2);
    expect(calls.ping).toBe(3);
  });

  it("WeChat Pay configuration or job runner failing: named", async () => {
    const { p } = probe();
    const r = await readiness(deps({ database: new DatabaseChecker(p), wechatpay: () => "fail", jobs: () => "fail" }));
    expect(r.failing).toEqual(["wechatpay", "jobs"]);
    const off = await readiness(deps({ database: new DatabaseChecker(p), jobs: () => "off" }));
    expect(off).toMatchObject({ status: "ready", checks: { jobs: "off" } });
  });

  it("1,000 probes at once cost one database round trip", async () => {
    const { p, calls } = probe({ ping: () => new Promise((r) => setTimeout(r, 20)) });
    const checker = new DatabaseChecker(p);
    const all = await Promise.all(Array.from({ length: 1000 }, () => readiness(deps({ database: checker }))));
    expect(all.every((r) => r.status === "ready")).toBe(true);
    expect(calls.ping).toBe(1);
  });
});

describe("shutdown", () => {
  it("health is 200, then 503 once shutdown began; readiness 503 naming shutdown without asking the database", async () => {
    const lifecycle = new Lifecycle();
    const { p, calls } = probe();
    expect(healthAnswer(lifecycle)).toEqual({ status: 200, body: { status: "ok" } });
    expect(lifecycle.beginShutdown()).toBe(true);
    expect(lifecycle.beginShutdown()).toBe(false);
    expect(healthAnswer(lifecycle)).toEqual({ status: 503, body: { status: "shutting-down" } });
    const answer = readinessAnswer(await readiness(deps({ lifecycle, database: new DatabaseChecker(p) })));
    expect(answer).toMatchObject({ status: 503, body: { status: "shutting-down", failing: ["shutdown"] } });
    expect(calls.ping).toBe(0);
  });
});
