import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { PREPAY_BUDGET_ENV, prepayBudgetTests } from "./prepay-budget";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "prepay-budget", env: PREPAY_BUDGET_ENV });
});
afterAll(() => h.close());

describe("prepay budget (SQLite)", () => {
  prepayBudgetTests(() => h);
});
