import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ExportQuerySchema } from "@/lib/fulfilment/export";
import { StatsQuerySchema } from "@/lib/stats/overview";
import { beijingDateRangeQuery } from "@/lib/time/beijing";

const Schema = beijingDateRangeQuery({ storeId: z.string().optional() }, 3, "at most 3 days");
const issues = (input: unknown) => {
  const r = Schema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join("."), i.message]);
};

describe("beijingDateRangeQuery", () => {
  it("accepts a range of up to maxDays days, both ends included, with the extra fields", () => {
    expect(Schema.parse({ from: "2026-12-01", to: "2026-12-03", storeId: "chayu" })).toEqual({
      from: "2026-12-01",
      to: "2026-12-03",
      storeId: "chayu",
    });
    expect(issues({ from: "2026-12-05", to: "2026-12-05" })).toEqual([]);
  });

  it("refuses `to` before `from`, naming `to`", () => {
    expect(issues({ from: "2026-12-03", to: "2026-12-02" })).toEqual([["to", "结束日期不能早于开始日期"]]);
  });

  it("refuses a range longer than maxDays, naming `to` with the caller's message", () => {
    expect(issues({ from: "2026-12-01", to: "2026-12-04" })).toEqual([["to", "at most 3 days"]]);
  });

  it("a malformed date gets only its own issue (the range checks are skipped)", () => {
    expect(issues({ from: "2026-02-30", to: "2026-12-04" })).toEqual([["from", "不是有效日期"]]);
  });

  it("the stats and export queries keep their own limits (366 days) and messages", () => {
    for (const [schema, message] of [
      [StatsQuerySchema, "一次最多统计 366 天"],
      [ExportQuerySchema, "一次最多导出 366 天"],
    ] as const) {
      expect(schema.safeParse({ from: "2025-01-01", to: "2026-01-01" }).success).toBe(true);
      const r = schema.safeParse({ from: "2025-01-01", to: "2026-01-02" });
      expect(r.success ? [] : r.error.issues.map((i) => [i.path.join("."), i.message])).toEqual([["to", message]]);
    }
  });
});
