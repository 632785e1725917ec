// WeChat's one-minute rule between refunds of one sub-order, on SQLite (tests/integration/refund-frequency.ts).
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { refundFrequencyTests } from "./refund-frequency";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "refund-frequency", fakeRefundMinIntervalSeconds: 60 });
}, 60_000);
afterAll(() => h?.close());

describe("FREQUENCY_LIMITED (§14.1.2: partial refunds of one sub-order ≥ 1 minute apart)", () => {
  refundFrequencyTests(() => h);
});
