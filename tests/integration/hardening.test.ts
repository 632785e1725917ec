import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { hardeningTests } from "./hardening";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "hardening" });
});
afterAll(() => h.close());

describe("open endpoints under abuse (SQLite)", () => {
  hardeningTests(() => h);
});
