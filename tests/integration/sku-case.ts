// A SKU is one product whatever its letter case ("tea-lj-50" is TEA-LJ-50): decided by the database
// (a unique index on the case-folded SKU), so it holds for concurrent writers. Shared by the SQLite
// suite (catalogue.test.ts) and the PostgreSQL suite (postgres/catalogue.test.ts).
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { admin } from "./stock-races";

export function skuCaseTests(harness: () => Harness) {
  it("a SKU differing only in case from an existing one → 409 ALREADY_EXISTS naming sku, nothing written", async () => {
    const h = harness();
    const auditBefore = await h.prisma.catalogAudit.count();
    for (const sku of ["tea-lj-50", "Tea-Lj-50", "TEA-lj-50"]) {
      const res = await admin(h, "POST", "/api/admin/products", { sku, name: "同款不同大小写", priceFen: 100, storeId: "chayu" });
      expect(res.status, sku).toBe(409);
      expect(await res.json()).toMatchObject({ code: "ALREADY_EXISTS", field: "sku" });
    }
    expect(await h.prisma.product.count({ where: { name: "同款不同大小写" } })).toBe(0);
    expect(await h.prisma.catalogAudit.count()).toBe(auditBefore);
  });

  it("8 concurrent creates of one SKU in different cases: exactly one product", async () => {
    const h = harness();
    const base = `case-${randomBytes(3).toString("hex")}`;
    const variants = Array.from({ length: 8 }, (_, i) =>
      [...base].map((c, j) => (((i >> (j % 3)) & 1) === 1 || i === 7 ? c.toUpperCase() : c)).join(""),
    );
    expect(new Set(variants).size).toBeGreaterThan(1);
    const replies = await Promise.all(
      variants.map((sku) => admin(h, "POST", "/api/admin/products", { sku, name: `并发 ${sku}`, priceFen: 100, storeId: "chayu" })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([201, ...Array(7).fill(409)]);
    const rows = await h.prisma.product.findMany({ where: { name: { startsWith: "并发 " } }, select: { sku: true } });
    expect(rows.filter((r) => r.sku.toLowerCase() === base)).toHaveLength(1);
  });

  it("a catalogue import naming an existing SKU in another case, or one SKU twice in two cases, is refused by line, nothing written", async () => {
    const h = harness();
    const { importCatalogue } = await import("@/lib/catalog/import");
    const before = await h.prisma.product.count();
    const file = (skus: string[]) =>
      JSON.stringify({ products: skus.map((sku) => ({ sku, name: `导入 ${sku}`, price: "1.00", store: "1900000201" })) }, null, 1);
    const clash = await importCatalogue(file(["NEW-CASE-1", "tea-lj-50"]), "json", { dryRun: false });
    expect(clash.errors).toEqual([expect.stringMatching(/tea-lj-50.*TEA-LJ-50/)]);
    const twice = await importCatalogue(file(["dup-case-1", "DUP-CASE-1"]), "json", { dryRun: false });
    expect(twice.errors).toEqual([expect.stringMatching(/DUP-CASE-1.*dup-case-1/)]);
    expect(await h.prisma.product.count()).toBe(before);
  });
}
