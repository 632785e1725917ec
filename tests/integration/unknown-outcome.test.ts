// An unknown outcome followed by a refusal never decides (refund, prepay, close, abnormal refund), on SQLite.
// The same suite runs on PostgreSQL in postgres/unknown-outcome.test.ts.
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { UNKNOWN_OUTCOME_TIMEOUT_MS, unknownOutcomeTests } from "./unknown-outcome";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "unknown-outcome", env: { WECHAT_CALL_TIMEOUT_MS: String(UNKNOWN_OUTCOME_TIMEOUT_MS) } });
}, 60_000);
afterAll(() => h?.close());

describe("unknown, then refused (SQLite)", () => {
  unknownOutcomeTests(() => h);
});
