// Fulfilment on SQLite: forward-only moves decided by conditional updates, pickup-code tries, the
// auto-deliver job, paid/refunded rules (fulfilment-suite.ts; the same suite runs on PostgreSQL).
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { fulfilmentTests } from "./fulfilment-suite";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "fulfilment" });
}, 60_000);
afterAll(() => h?.close());

describe("fulfilment [SQLite]", () => {
  fulfilmentTests(() => h);
});
