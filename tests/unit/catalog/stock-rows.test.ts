// How a product's units are split over its stock rows (lib/catalog/stock.ts), and the API's bounds on the row count.
import { describe, expect, it } from "vitest";
import { splitUnits } from "@/lib/catalog/stock";
import { MAX_STOCK_SHARDS, ProductCreateSchema, ProductPatchSchema } from "@/lib/catalog/validation";

describe("splitUnits", () => {
  it("spreads the units as evenly as whole units allow, the remainder on the first rows", () => {
    expect(splitUnits(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitUnits(9, 3)).toEqual([3, 3, 3]);
    expect(splitUnits(2, 4)).toEqual([1, 1, 0, 0]);
    expect(splitUnits(0, 3)).toEqual([0, 0, 0]);
  });

  it("never loses or invents a unit", () => {
    for (const units of [1, 7, 100, 999_983])
      for (const rows of [1, 2, 5, MAX_STOCK_SHARDS]) {
        const split = splitUnits(units, rows);
        expect(split).toHaveLength(rows);
        expect(split.reduce((a, b) => a + b, 0)).toBe(units);
        expect(Math.max(...split) - Math.min(...split)).toBeLessThanOrEqual(1);
      }
  });
});

describe("stockShards at the admin API", () => {
  it("accepts 1 to MAX_STOCK_SHARDS whole rows", () => {
    expect(ProductPatchSchema.safeParse({ stockShards: 1 }).success).toBe(true);
    expect(ProductPatchSchema.safeParse({ stockShards: MAX_STOCK_SHARDS }).success).toBe(true);
    expect(ProductCreateSchema.safeParse({ sku: "A-1", name: "a", priceFen: 1, storeId: "chayu", stockShards: 4 }).success).toBe(true);
  });

  it.each([0, MAX_STOCK_SHARDS + 1, 2.5, "4", null])("refuses %j, naming the field", (stockShards) => {
    const r = ProductPatchSchema.safeParse({ stockShards });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["stockShards"]);
  });
});
