// The sales overview's figures on SQLite (stats-suite.ts; the same suite runs on PostgreSQL).
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { statsTests } from "./stats-suite";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "stats" });
}, 60_000);
afterAll(() => h?.close());

describe("sales overview [SQLite]", () => {
  statsTests(() => h);
});
