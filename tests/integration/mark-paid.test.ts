import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { markPaidTests } from "./mark-paid";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "mark-paid" });
});
afterAll(async () => {
  await h?.close();
});

describe("a payment applied in one round trip (SQLite)", () => {
  markPaidTests(() => h);
});
