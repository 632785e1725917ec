// Staff accounts against a real PostgreSQL: the same suite as SQLite (tests/integration/accounts.ts) —
// the invite race and the lockout counters are decided by the database.
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { accountTests } from "../accounts";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("staff accounts", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("accounts");
    h = await startHarness({
      label: "pg-accounts",
      databaseUrl: url,
      env: { ADMIN_AUTH_MAX_FAILURES_PER_IP: "1000", ADMIN_AUTH_MAX_FAILURES_GLOBAL: "100000" },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  accountTests(() => h);
});
