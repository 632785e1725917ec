// The overview's headline periods (lib/stats/headline.ts) and chart helpers: sums of the right days, the change
// against the period just before, round axis ticks and ¥ labels.
import { describe, expect, it } from "vitest";
import { headlines } from "@/lib/stats/headline";
import { datesBetween, shiftDate, type DayFigures } from "@/lib/stats/overview";
import { niceTicks, yuanAxisLabel } from "@/components/admin/charts";

const day = (date: string, paidFen: number, refundedFen = 0): DayFigures => ({
  date,
  paidFen,
  refundedFen,
  netFen: paidFen - refundedFen,
  paidOrders: paidFen > 0 ? 1 : 0,
  checkouts: 0,
  paidCheckouts: 0,
  paidShare: null,
  closedOrders: 0,
});

describe("headlines", () => {
  const dates = datesBetween(shiftDate("2026-12-07", 59), "2026-12-07");
  it("today, 7 and 30 days, each against the period before", () => {
    // 100 fen a day, except today 300 and yesterday 200; a refund of 50 today
    const days = dates.map((d) => day(d, d === "2026-12-07" ? 300 : d === "2026-12-06" ? 200 : 100, d === "2026-12-07" ? 50 : 0));
    const [today, week, month] = headlines(days);
    expect(today).toMatchObject({ from: "2026-12-07", to: "2026-12-07", paidChange: 0.5 });
    expect(today!.current).toEqual({ paidFen: 300, refundedFen: 50, netFen: 250, paidOrders: 1 });
    expect(today!.previous.paidFen).toBe(200);
    expect(week).toMatchObject({ from: "2026-12-01", to: "2026-12-07" });
    expect(week!.current.paidFen).toBe(300 + 200 + 5 * 100);
    expect(week!.previous.paidFen).toBe(700);
    expect(week!.paidChange).toBe(0.4286);
    expect(month).toMatchObject({ from: "2026-11-08", to: "2026-12-07" });
    expect(month!.previous.paidFen).toBe(3000);
  });

  it("no change figure when the period before had no sales", () => {
    const days = dates.map((d) => day(d, d === "2026-12-07" ? 300 : 0));
    expect(headlines(days).map((h) => h.paidChange)).toEqual([null, null, null]);
  });
});

describe("chart axes", () => {
  it("round ticks from 0 that reach the maximum", () => {
    expect(niceTicks(0, 5)).toEqual([0, 1]);
    expect(niceTicks(1234, 5)).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(10, 4)).toEqual([0, 5, 10]);
  });
  it("¥ labels from fen, 万 above ten thousand yuan", () => {
    expect(yuanAxisLabel(0)).toBe("¥0");
    expect(yuanAxisLabel(50_000)).toBe("¥500");
    expect(yuanAxisLabel(1_500_000)).toBe("¥1.5万");
  });
});
