import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { shopperViewTests } from "./shopper-view";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "shopper-view" });
});
afterAll(() => h.close());

describe("the shopper's view of an order", () => {
  shopperViewTests(() => h);
});
