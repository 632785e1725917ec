// An unknown outcome followed by a refusal never decides, against a real PostgreSQL: the same suite as
// tests/integration/unknown-outcome.test.ts.
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "../harness";
import { UNKNOWN_OUTCOME_TIMEOUT_MS, unknownOutcomeTests } from "../unknown-outcome";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("unknown, then refused", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("unknown-outcome");
    h = await startHarness({
      label: "pg-unknown-outcome",
      databaseUrl: url,
      env: { WECHAT_CALL_TIMEOUT_MS: String(UNKNOWN_OUTCOME_TIMEOUT_MS) },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  describe("on PostgreSQL", () => {
    unknownOutcomeTests(() => h);
  });
});
