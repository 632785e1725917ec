// Store scope over every back-office route and page (tests/integration/admin-scope.ts), on SQLite.
import { afterAll, beforeAll, describe, vi } from "vitest";
import { startHarness, type Harness } from "./harness";
import { adminScopeTests, pageCookie } from "./admin-scope";

vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "admin_session" && pageCookie.value !== undefined ? { name, value: pageCookie.value } : undefined),
  }),
}));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "admin-scope" });
});
afterAll(async () => {
  await h.close();
});

describe("admin scope (SQLite)", () => {
  adminScopeTests(() => h);
});
