// Contact and delivery at checkout against a real PostgreSQL: the same suite as the SQLite one
// (tests/integration/checkout.test.ts → delivery-checkout.ts), on a private database.
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { deliveryCheckoutTests } from "../delivery-checkout";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("contact and delivery at checkout (PostgreSQL)", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("delivery");
    h = await startHarness({ label: "pg-delivery", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  deliveryCheckoutTests(() => h);
});
