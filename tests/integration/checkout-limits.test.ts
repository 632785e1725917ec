import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { checkoutLimitTests, PRODUCTION_CHECKOUT_LIMITS } from "./checkout-limits";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "checkout-limits", env: PRODUCTION_CHECKOUT_LIMITS });
});
afterAll(() => h.close());

describe("checkout limits (SQLite)", () => {
  checkoutLimitTests(() => h);
});
