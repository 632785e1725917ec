import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { PREPAY_BUDGET_ENV, prepayBudgetTests } from "../prepay-budget";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("prepay budget", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("prepay-budget");
    h = await startHarness({ label: "pg-prepay-budget", databaseUrl: url, env: PREPAY_BUDGET_ENV });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  prepayBudgetTests(() => h);
});
