// Resume links on PostgreSQL (READ COMMITTED): a draft opened many times at once is restored once.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, type Harness } from "../harness";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("cart drafts on PostgreSQL", () => {
  let h: Harness;
  let url: string;
  let drafts: typeof import("@/lib/in-app/cart-drafts");
  beforeAll(async () => {
    url = await freshPgDatabase("drafts");
    h = await startHarness({ label: "pg-drafts", databaseUrl: url });
    drafts = await import("@/lib/in-app/cart-drafts");
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  it("runs on PostgreSQL", async () => {
    const [v] = await h.prisma.$queryRawUnsafe<{ server_version: string }[]>("SHOW server_version");
    expect(v?.server_version).toMatch(/^\d+/);
  });

  it("twenty simultaneous opens of one link: exactly one restores the cart", async () => {
    const { token } = await drafts.saveCartDraft([{ sku: "TEA-LJ-50", quantity: 2 }]);
    const results = await Promise.all(Array.from({ length: 20 }, () => drafts.consumeCartDraft(token)));
    expect(results.filter((r) => r.status === "restored")).toEqual([
      { status: "restored", items: [{ sku: "TEA-LJ-50", quantity: 2 }], dropped: [] },
    ]);
    expect(results.filter((r) => r.status === "used")).toHaveLength(19);
  });
});
