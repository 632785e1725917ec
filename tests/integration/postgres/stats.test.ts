// The sales overview's figures on PostgreSQL: the same suite as on SQLite (../stats-suite.ts), so the two
// dialects of lib/stats/sql.ts give the same days, stores and totals.
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "../harness";
import { statsTests } from "../stats-suite";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("sales overview", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("stats");
    h = await startHarness({ label: "pg-stats", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  describe("on PostgreSQL", () => {
    statsTests(() => h);
  });
});
