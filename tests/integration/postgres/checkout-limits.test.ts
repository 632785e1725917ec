import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { checkoutLimitTests, PRODUCTION_CHECKOUT_LIMITS } from "../checkout-limits";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("checkout limits", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("checkout-limits");
    h = await startHarness({ label: "pg-checkout-limits", databaseUrl: url, env: PRODUCTION_CHECKOUT_LIMITS });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  checkoutLimitTests(() => h);
});
