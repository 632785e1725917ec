// The overview's headline numbers: today, the last 7 and the last 30 Beijing days, each against the period
// just before it (yesterday, the 7 days before, the 30 days before). Pure: sums of the days salesStats returned.
import type { DayFigures } from "./overview";

export const HEADLINE_PERIODS = [
  { key: "today", days: 1, label: "今日", previous: "较昨日" },
  { key: "7d", days: 7, label: "近 7 天", previous: "较前 7 天" },
  { key: "30d", days: 30, label: "近 30 天", previous: "较前 30 天" },
] as const;
/** Days of figures the headline needs: the longest period and the one before it. */
export const HEADLINE_DAYS = 60;

export interface PeriodSums {
  paidFen: number;
  refundedFen: number;
  netFen: number;
  paidOrders: number;
}

export interface Headline {
  key: (typeof HEADLINE_PERIODS)[number]["key"];
  label: string;
  previousLabel: string;
  /** the period's first and last Beijing dates */
  from: string;
  to: string;
  current: PeriodSums;
  previous: PeriodSums;
  /** relative change of the paid amount (0.25 = +25 %); null when the previous period had none */
  paidChange: number | null;
}

function sum(days: readonly DayFigures[]): PeriodSums {
  const s = { paidFen: 0, refundedFen: 0, netFen: 0, paidOrders: 0 };
  for (const d of days) {
    s.paidFen += d.paidFen;
    s.refundedFen += d.refundedFen;
    s.netFen += d.netFen;
    s.paidOrders += d.paidOrders;
  }
  return s;
}

/** `days`: consecutive days ending today (at least HEADLINE_DAYS of them), oldest first. */
export function headlines(days: readonly DayFigures[]): Headline[] {
  return HEADLINE_PERIODS.map((p) => {
    const current = days.slice(days.length - p.days);
    const previous = days.slice(Math.max(0, days.length - 2 * p.days), days.length - p.days);
    const c = sum(current);
    const b = sum(previous);
    return {
      key: p.key,
      label: p.label,
      previousLabel: p.previous,
      from: current[0]!.date,
      to: current[current.length - 1]!.date,
      current: c,
      previous: b,
      paidChange: b.paidFen > 0 ? Math.round(((c.paidFen - b.paidFen) / b.paidFen) * 10_000) / 10_000 : null,
    };
  });
}
