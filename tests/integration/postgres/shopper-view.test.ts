// The shopper's view and 我的订单 on PostgreSQL: the same assertions as ../shopper-view.test.ts.
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { shopperViewTests } from "../shopper-view";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("the shopper's view of an order", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("shopper-view");
    h = await startHarness({ label: "pg-shopper-view", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  shopperViewTests(() => h);
});
