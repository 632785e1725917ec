// Fulfilment against a real PostgreSQL (READ COMMITTED, row locks): the same suite as the SQLite one
// (../fulfilment-suite.ts), including 10 concurrent SHIP → one SHIPPED and the pickup-code limiter.
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "../harness";
import { fulfilmentTests } from "../fulfilment-suite";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("fulfilment", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("fulfilment");
    h = await startHarness({ label: "pg-fulfilment", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  describe("on PostgreSQL", () => {
    fulfilmentTests(() => h);
  });
});
