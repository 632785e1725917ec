// WeChat's one-minute rule between refunds of one sub-order, on PostgreSQL: same assertions as the SQLite suite
// (tests/integration/refund-frequency.ts).
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "../harness";
import { refundFrequencyTests } from "../refund-frequency";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("FREQUENCY_LIMITED", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("refund_frequency");
    h = await startHarness({ label: "pg-refund-frequency", databaseUrl: url, fakeRefundMinIntervalSeconds: 60 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  describe("on PostgreSQL", () => {
    refundFrequencyTests(() => h);
  });
});
