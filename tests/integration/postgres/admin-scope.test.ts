// Store scope over every back-office route and page against a real PostgreSQL: the same cases as the
// SQLite suite (tests/integration/admin-scope.ts).
import { afterAll, beforeAll, vi } from "vitest";
import { startHarness, type Harness } from "../harness";
import { adminScopeTests, pageCookie } from "../admin-scope";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

vi.mock("next/headers", () => ({
  cookies: async () => ({
    get: (name: string) => (name === "admin_session" && pageCookie.value !== undefined ? { name, value: pageCookie.value } : undefined),
  }),
}));

describePg("admin scope", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("admin_scope");
    h = await startHarness({ label: "pg-admin-scope", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  adminScopeTests(() => h);
});
