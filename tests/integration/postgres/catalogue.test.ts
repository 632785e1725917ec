// Stock races and SKU letter case against a real PostgreSQL (READ COMMITTED, row locks): the same
// route handlers and assertions as the SQLite suite (tests/integration/catalogue.test.ts).
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { skuCaseTests } from "../sku-case";
import { stockRaceTests } from "../stock-races";
import { stockShardTests } from "../stock-shards";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("stock", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("stock");
    h = await startHarness({ label: "pg-stock", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  stockRaceTests(() => h);
  stockShardTests(() => h);
  skuCaseTests(() => h);
});
