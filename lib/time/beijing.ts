// Beijing time (UTC+08:00, no daylight saving) in one place: WeChat bills, order numbers, time_expire
// and everything the merchant reads are in China time. Pure and client-safe (zod only).
import { z } from "zod";

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

/** Beijing wall clock as an ISO string with a "Z" that means +08:00 (internal: slice, never parse). */
const wallClock = (d: Date) => new Date(d.getTime() + OFFSET_MS).toISOString();

/** The Beijing calendar date of an instant (WeChat's bill day). */
export function beijingDateOf(d: Date): string {
  return wallClock(d).slice(0, 10);
}

/** Yesterday's Beijing calendar date at `now`: the newest trade bill that can exist. */
export function beijingYesterday(now: Date = new Date()): string {
  return beijingDateOf(new Date(now.getTime() - DAY_MS));
}

/** [start, end) of a Beijing calendar date as UTC instants. */
export function beijingDayRange(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(start.getTime()) || beijingDateOf(start) !== date) throw new RangeError(`not a date: ${date}`);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** A bill / calendar date "yyyy-mm-dd" from a query string or body. */
export const BillDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "日期格式应为 yyyy-mm-dd")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, "不是有效日期");

/**
 * A query over a range of Beijing calendar days: `from` and `to` (yyyy-mm-dd, both included) plus `shape`. `to` may
 * not be before `from`, and the range covers at most `maxDays` days; both refusals name `to`.
 */
export function beijingDateRangeQuery<S extends z.ZodRawShape>(shape: S, maxDays: number, tooLongMessage: string) {
  return z.object({ from: BillDateSchema, to: BillDateSchema, ...shape }).superRefine((q, ctx) => {
    // zod runs this even when a date failed its own check (that issue is already reported): skip then
    const day = (d: unknown) => (BillDateSchema.safeParse(d).success ? beijingDayRange(d as string) : null);
    const range = q as { from: unknown; to: unknown }; // the generic shape hides the two keys from TypeScript
    const from = day(range.from);
    const to = day(range.to);
    if (!from || !to) return;
    if (to.start < from.start) ctx.addIssue({ code: "custom", path: ["to"], message: "结束日期不能早于开始日期" });
    else if (to.end.getTime() - from.start.getTime() > maxDays * DAY_MS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: tooLongMessage });
    }
  });
}

/** Beijing wall-clock "yyMMddHHmmss": merchants read order and refund numbers in China time. */
export function beijingStamp(now: Date): string {
  const t = wallClock(now); // 2026-11-27T15:04:05.000Z
  return t.slice(2, 4) + t.slice(5, 7) + t.slice(8, 10) + t.slice(11, 13) + t.slice(14, 16) + t.slice(17, 19);
}

/** RFC 3339 in Beijing time with an explicit offset, the form WeChat Pay expects for time_expire. */
export function toBeijingRfc3339(d: Date): string {
  return `${wallClock(new Date(Math.floor(d.getTime() / 1000) * 1000)).slice(0, 19)}+08:00`;
}

/** Instant → "yyyy-MM-dd HH:mm:ss" in Beijing time (what merchants and WeChat bills use). */
export function formatBeijing(value: Date | string | null | undefined): string {
  if (!value) return "—";
  const d = typeof value === "string" ? new Date(value) : value;
  return wallClock(d).slice(0, 19).replace("T", " ");
}
