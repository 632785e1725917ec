// The one-round-trip payment against a real PostgreSQL (one statement of CTEs, READ COMMITTED row locks):
// the same assertions as the SQLite suite (tests/integration/mark-paid.test.ts).
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { markPaidTests } from "../mark-paid";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("a payment applied in one round trip", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("markpaid");
    h = await startHarness({ label: "pg-mark-paid", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  markPaidTests(() => h);
});
