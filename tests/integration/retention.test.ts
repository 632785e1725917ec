import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { retentionTests } from "./retention";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "retention" });
});
afterAll(() => h.close());

describe("personal data retention", () => {
  retentionTests(() => h);
});
