// /api/health and /api/ready on PostgreSQL (tests/integration/readiness.ts), and the database going away.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, type Harness } from "../harness";
import { readinessTests } from "../readiness";
import { describePg, dropPgDatabase, freshPgDatabase, pgAdmin } from "../../support/pg";

describePg("health and readiness", () => {
  let h: Harness;
  let url: string;
  let other: pg.Client;
  const dbName = () => new URL(url).pathname.slice(1);
  beforeAll(async () => {
    url = await freshPgDatabase("readiness");
    h = await startHarness({ label: "pg-readiness", databaseUrl: url });
    other = new pg.Client({ connectionString: url });
    await other.connect();
  }, 60_000);
  afterAll(async () => {
    await other?.end();
    await h?.close();
    if (url) {
      await pgAdmin((c) => c.query(`ALTER DATABASE "${dbName()}" WITH ALLOW_CONNECTIONS true`));
      await dropPgDatabase(url);
    }
  });

  readinessTests(() => h, {
    rowCounts: async () => {
      const tables = await other.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
      const counts: Record<string, number> = {};
      for (const { t } of tables.rows)
        counts[t] = Number((await other.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${t}"`)).rows[0]!.n);
      return counts;
    },
    // The app's connections to this database (ours, `other`, is excluded).
    connections: async () =>
      Number(
        (
          await other.query<{ n: string }>(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
          )
        ).rows[0]!.n,
      ),
  });

  it("the database going away: ready turns 503 naming it within 5 s, health stays 200; back to 200 when it returns", async () => {
    expect((await h.call("GET", "/api/ready")).status).toBe(200);
    await other.end();
    // No new connections, and every open one closed: the app's pool finds its connections gone.
    await pgAdmin(async (c) => {
      await c.query(`ALTER DATABASE "${dbName()}" WITH ALLOW_CONNECTIONS false`);
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [dbName()]);
    });
    const started = Date.now();
    let status = 200;
    let body: { failing?: string[] } = {};
    while (status === 200 && Date.now() - started < 10_000) {
      const res = await h.call("GET", "/api/ready");
      status = res.status;
      body = (await res.json()) as typeof body;
      if (status === 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(503);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(body.failing).toContain("database");
    expect((await h.call("GET", "/api/health")).status).toBe(200);

    await pgAdmin((c) => c.query(`ALTER DATABASE "${dbName()}" WITH ALLOW_CONNECTIONS true`));
    const back = Date.now();
    while ((await h.call("GET", "/api/ready")).status !== 200) {
      if (Date.now() - back > 10_000) throw new Error("ready did not come back");
      await new Promise((r) => setTimeout(r, 100));
    }
    other = new pg.Client({ connectionString: url });
    await other.connect();
  }, 30_000);
});
