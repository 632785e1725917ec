// Staff accounts (tests/integration/accounts.ts) on SQLite.
import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { accountTests } from "./accounts";

let h: Harness;
beforeAll(async () => {
  // The per-client limits are raised so the per-account limit is the one under test.
  h = await startHarness({ label: "accounts", env: { ADMIN_AUTH_MAX_FAILURES_PER_IP: "1000", ADMIN_AUTH_MAX_FAILURES_GLOBAL: "100000" } });
});
afterAll(async () => {
  await h.close();
});

describe("staff accounts (SQLite)", () => {
  accountTests(() => h);
});
