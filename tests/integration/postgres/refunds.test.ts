// The refund races against a real PostgreSQL (READ COMMITTED, row locks): the conditional reservation lets
// exactly one of 20 concurrent full refunds through, and 50 duplicate notifications make one transition; and the
// official REFUND.* notification shapes with their merchant ids.
// Same route handlers and assertions as the SQLite suite (tests/integration/refunds.test.ts).
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "../harness";
import { refundRaceTests } from "../refund-races";
import { refundNotificationShapeTests } from "../refund-notification-shapes";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("refund races", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("refunds");
    h = await startHarness({ label: "pg-refunds", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  describe("on PostgreSQL", () => {
    refundRaceTests(() => h);
    refundNotificationShapeTests(() => h);
  });
});
