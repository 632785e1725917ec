// /api/health and /api/ready against a real database (SQLite and PostgreSQL share this suite): the answers,
// what they reveal, that 1,000 probes write no row and open no connection, and a pending migration.
import { expect, it } from "vitest";
import type { Harness } from "./harness";

export interface ReadinessSuiteOptions {
  /** Every table's row count (to prove the probes write nothing). */
  rowCounts(): Promise<Record<string, number>>;
  /** Open connections to the test database (PostgreSQL), or undefined where it is not a thing (SQLite: one). */
  connections?(): Promise<number>;
}

export function readinessTests(harness: () => Harness, opts: ReadinessSuiteOptions) {
  it("health: 200 {status: ok}; ready: 200 with its checks, and neither reveals a version, host or setting", async () => {
    const h = harness();
    const health = await h.call("GET", "/api/health");
    expect(health.status).toBe(200);
    expect(health.headers.get("cache-control")).toBe("no-store");
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await h.call("GET", "/api/ready");
    expect(ready.status).toBe(200);
    // vitest runs with NODE_ENV=test: no job runner unless asked, so "off"
    expect(await ready.json()).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", wechatpay: "ok", jobs: "off" } });
  });

  it("1,000 probes write no row and open no database connection", async () => {
    const h = harness();
    await h.call("GET", "/api/ready"); // warm: the pool has its connection
    await new Promise((r) => setTimeout(r, 1100)); // past the reuse window: the flood asks the database again
    const rowsBefore = await opts.rowCounts();
    const connectionsBefore = await opts.connections?.();
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => h.call("GET", i % 2 ? "/api/ready" : "/api/health", { headers: { cookie: "" } })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(100).fill(200));
    }
    expect(await opts.rowCounts()).toEqual(rowsBefore);
    if (opts.connections) expect(await opts.connections()).toBeLessThanOrEqual(connectionsBefore!);
  });

  it("a migration of this build missing from the database: 503 naming migrations", async () => {
    const h = harness();
    const { DatabaseChecker, appDatabaseProbe, readiness } = await import("@/lib/ops/readiness");
    const { Lifecycle } = await import("@/lib/ops/lifecycle");
    const [last] = await h.prisma.$queryRawUnsafe<{ id: string; migration_name: string }[]>(
      "SELECT id, migration_name FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1",
    );
    // Hidden for the test (marked rolled back), then restored.
    await h.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET rolled_back_at = finished_at WHERE id = '${last!.id}'`);
    try {
      const r = await readiness({
        lifecycle: new Lifecycle(),
        database: new DatabaseChecker(appDatabaseProbe()),
        wechatpay: () => "ok",
        jobs: () => "off",
      });
      expect(r).toMatchObject({ status: "not-ready", failing: ["migrations"], checks: { database: "ok", migrations: "fail" } });
    } finally {
      await h.prisma.$executeRawUnsafe(`UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE id = '${last!.id}'`);
    }
  });
}
