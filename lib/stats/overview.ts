// The sales overview (GET /api/admin/stats, the /admin page): paid, refunded and net per Beijing day and
// per store, checkouts and how many were paid or closed, the in-app-browser funnel and the fulfilment
// backlog. Every figure is aggregated by the database (lib/stats/sql.ts: a handful of GROUP BY reads, at
// most days × stores rows back), never by loading orders. Amounts are integer fen.
//
// Scope: every read takes a StoreScope ("all" or a list of store ids), so limiting a staff member to their
// stores is one argument at the call site.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { AppError, invalidField } from "@/lib/errors";
import { STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { assertCan, canSeeStore, seesAllStores, storeWhere, type AdminActor } from "@/lib/admin/scope";
import { beijingDateOf, beijingDateRangeQuery, beijingDayRange } from "@/lib/time/beijing";
import { FUNNEL_COUNTERS, sumDailyCounters } from "./counters";
import {
  backlogByStore,
  checkoutsByDay,
  closedByDay,
  n,
  paidByDayAndStore,
  paidOrdersByDay,
  refundedByDayAndStore,
  resumedPaidCount,
  type StoreScope,
} from "./sql";

export type { StoreScope } from "./sql";

/** Longest range one request covers, in days. */
export const STATS_MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export const StatsQuerySchema = beijingDateRangeQuery(
  { storeId: z.string().regex(STORE_ID_PATTERN, "店铺编号格式不正确").optional() },
  STATS_MAX_DAYS,
  `一次最多统计 ${STATS_MAX_DAYS} 天`,
);
export type StatsQuery = z.infer<typeof StatsQuerySchema>;

export interface DayFigures {
  /** Beijing calendar date yyyy-mm-dd */
  date: string;
  paidFen: number;
  refundedFen: number;
  netFen: number;
  /** orders paid that day (by their sub-orders' success time; an order's sub-orders are paid together) */
  paidOrders: number;
  /** orders created (checkouts) that day */
  checkouts: number;
  /** of those checkouts, how many are paid by now */
  paidCheckouts: number;
  /** paidCheckouts / checkouts, 4 decimals; null without checkouts */
  paidShare: number | null;
  /** orders closed unpaid that day */
  closedOrders: number;
}

export interface StoreFigures {
  storeId: string;
  name: string;
  paidFen: number;
  refundedFen: number;
  netFen: number;
  /** paid sub-orders */
  subOrders: number;
  /** paidFen / subOrders, rounded to the fen; 0 without sub-orders */
  averageFen: number;
}

export type Totals = Omit<DayFigures, "date"> & { subOrders: number; averageFen: number };

export interface Funnel {
  guideShown: number;
  resumeLinks: number;
  resumed: number;
  paid: number;
}

export interface BacklogFigures {
  storeId: string;
  name: string;
  underOneDay: number;
  oneToThreeDays: number;
  overThreeDays: number;
  total: number;
}

export interface SalesStats {
  from: string;
  to: string;
  /** null = every store */
  storeIds: string[] | null;
  days: DayFigures[];
  stores: StoreFigures[];
  totals: Totals;
  funnel: Funnel;
  /** now, not the range: unfulfilled paid sub-orders by how long they have waited */
  backlog: BacklogFigures[];
  generatedAt: string;
}

/** Every Beijing date from … to, inclusive. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = beijingDayRange(to).start.getTime();
  for (let t = beijingDayRange(from).start.getTime(); t <= end; t += DAY_MS) out.push(beijingDateOf(new Date(t)));
  return out;
}

/** The Beijing date `days` days before `date` (negative: after). */
export function shiftDate(date: string, days: number): string {
  return beijingDateOf(new Date(beijingDayRange(date).start.getTime() - days * DAY_MS));
}

const share = (paid: number, all: number) => (all > 0 ? Math.round((paid / all) * 10_000) / 10_000 : null);
const average = (fen: number, count: number) => (count > 0 ? Math.round(fen / count) : 0);

/**
 * The figures of the Beijing dates from … to (inclusive) for the stores in `scope`. Throws
 * INVALID_REQUEST naming storeId when a listed store does not exist.
 */
export async function salesStats(q: { from: string; to: string }, scope: StoreScope = "all", now = new Date()): Promise<SalesStats> {
  const storeRows = await prisma.store.findMany({
    where: scope === "all" ? {} : { id: { in: [...scope] } },
    select: { id: true, name: true },
    orderBy: { id: "asc" },
  });
  if (scope !== "all") {
    const unknown = scope.filter((id) => !storeRows.some((s) => s.id === id));
    if (unknown.length) throw invalidField("storeId", `店铺不存在：${unknown.join("、")}`);
  }
  const names = new Map(storeRows.map((s) => [s.id, s.name]));

  // One read at a time: on SQLite they would queue on the one connection anyway, and on PostgreSQL the
  // pool is shared with every request.
  const dates = datesBetween(q.from, q.to);
  const paid = await paidByDayAndStore(dates, scope);
  // several stores: an order with sub-orders in two of them counts once (every store, or one: from `paid`)
  const paidOrders = scope !== "all" && scope.length > 1 ? await paidOrdersByDay(dates, scope) : null;
  const refunded = await refundedByDayAndStore(dates, scope);
  const checkouts = await checkoutsByDay(dates, scope);
  const closed = await closedByDay(dates, scope);
  const counters = await sumDailyCounters(q.from, q.to);
  const resumedPaid = await resumedPaidCount(q.from, q.to, scope);
  const backlog = await backlogByStore(now, scope);

  const days = new Map<string, DayFigures>(
    dates.map((date) => [
      date,
      { date, paidFen: 0, refundedFen: 0, netFen: 0, paidOrders: 0, checkouts: 0, paidCheckouts: 0, paidShare: null, closedOrders: 0 },
    ]),
  );
  const stores = new Map<string, StoreFigures>(
    storeRows.map((s) => [s.id, { storeId: s.id, name: s.name, paidFen: 0, refundedFen: 0, netFen: 0, subOrders: 0, averageFen: 0 }]),
  );
  const dayOf = (date: string) => {
    const d = days.get(date);
    // the SQL buckets only rows inside the span, so every day is one of the range's
    if (!d) throw new AppError("INTERNAL", `stats: day ${date} outside ${q.from}…${q.to}`);
    return d;
  };
  const storeOf = (id: string) => {
    let s = stores.get(id);
    if (!s) {
      // a sub-order of a store row that was never listed (cannot happen with foreign keys): still counted
      s = { storeId: id, name: names.get(id) ?? id, paidFen: 0, refundedFen: 0, netFen: 0, subOrders: 0, averageFen: 0 };
      stores.set(id, s);
    }
    return s;
  };
  for (const r of paid) {
    const d = dayOf(r.day);
    d.paidFen += n(r.paidFen);
    if (!paidOrders) d.paidOrders += scope === "all" ? n(r.firstSubOrders) : n(r.subOrders);
    const s = storeOf(r.storeId);
    s.paidFen += n(r.paidFen);
    s.subOrders += n(r.subOrders);
  }
  for (const r of refunded) {
    dayOf(r.day).refundedFen += n(r.refundedFen);
    storeOf(r.storeId).refundedFen += n(r.refundedFen);
  }
  for (const r of paidOrders ?? []) dayOf(r.day).paidOrders = n(r.count);
  for (const r of checkouts) {
    const d = dayOf(r.day);
    d.checkouts = n(r.checkouts);
    d.paidCheckouts = n(r.paidCheckouts);
  }
  for (const r of closed) dayOf(r.day).closedOrders = n(r.count);

  const dayList = [...days.values()];
  for (const d of dayList) {
    d.netFen = d.paidFen - d.refundedFen;
    d.paidShare = share(d.paidCheckouts, d.checkouts);
  }
  const storeList = [...stores.values()];
  for (const s of storeList) {
    s.netFen = s.paidFen - s.refundedFen;
    s.averageFen = average(s.paidFen, s.subOrders);
  }
  storeList.sort((a, b) => b.paidFen - a.paidFen || a.storeId.localeCompare(b.storeId));

  return {
    from: q.from,
    to: q.to,
    storeIds: scope === "all" ? null : [...scope],
    days: dayList,
    stores: storeList,
    totals: totalsOf(dayList, storeList),
    funnel: {
      guideShown: counters[FUNNEL_COUNTERS.guideShown],
      resumeLinks: counters[FUNNEL_COUNTERS.resumeLinks],
      resumed: counters[FUNNEL_COUNTERS.resumed],
      paid: resumedPaid,
    },
    backlog: backlog
      .map((r) => {
        const b = { underOneDay: n(r.underOneDay), oneToThreeDays: n(r.oneToThreeDays), overThreeDays: n(r.overThreeDays) };
        return {
          storeId: r.storeId,
          name: names.get(r.storeId) ?? r.storeId,
          ...b,
          total: b.underOneDay + b.oneToThreeDays + b.overThreeDays,
        };
      })
      .sort((a, b) => b.total - a.total || a.storeId.localeCompare(b.storeId)),
    generatedAt: now.toISOString(),
  };
}

/** Sums of the days (and the stores' sub-orders). The funnel's counters are not part of them. */
export function totalsOf(days: readonly DayFigures[], stores: readonly Pick<StoreFigures, "subOrders">[]): Totals {
  const t = { paidFen: 0, refundedFen: 0, netFen: 0, paidOrders: 0, checkouts: 0, paidCheckouts: 0, closedOrders: 0 };
  for (const d of days) {
    t.paidFen += d.paidFen;
    t.refundedFen += d.refundedFen;
    t.netFen += d.netFen;
    t.paidOrders += d.paidOrders;
    t.checkouts += d.checkouts;
    t.paidCheckouts += d.paidCheckouts;
    t.closedOrders += d.closedOrders;
  }
  const subOrders = stores.reduce((a, s) => a + s.subOrders, 0);
  return { ...t, paidShare: share(t.paidCheckouts, t.checkouts), subOrders, averageFen: average(t.paidFen, subOrders) };
}

/** The overview page's choices: the charts' range in days, and one store or all. Bad values fall back. */
export const OVERVIEW_RANGES = [7, 30, 90, 366] as const;
export const OverviewFilterSchema = z.object({
  range: z.coerce
    .number()
    .refine((v) => (OVERVIEW_RANGES as readonly number[]).includes(v))
    .catch(30),
  storeId: z.string().regex(STORE_ID_PATTERN).optional().catch(undefined),
});
export type OverviewFilter = z.infer<typeof OverviewFilterSchema>;

/** Stores for the overview's store select: those the caller sees. */
export function overviewStores(who: AdminActor) {
  return prisma.store.findMany({ where: storeWhere(who), orderBy: { name: "asc" }, select: { id: true, name: true } });
}

/** The overview as the caller may see it: the shop-wide in-app funnel only for those who see every store. */
export type ScopedSalesStats = Omit<SalesStats, "funnel"> & { funnel: Funnel | null };

/**
 * The figures for `who` (lib/admin/scope.ts): a store's staff get their stores only — `storeId` of another
 * store is 404 STORE_NOT_FOUND, like an unknown one would be for them — and no funnel (its counters are the
 * whole shop's, not a store's).
 */
export async function salesStatsFor(
  who: AdminActor,
  q: { from: string; to: string },
  storeId?: string,
  now = new Date(),
): Promise<ScopedSalesStats> {
  assertCan(who, "orders");
  if (storeId && !canSeeStore(who, storeId)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  const scope: StoreScope = storeId ? [storeId] : who.storeIds === "all" ? "all" : [...who.storeIds];
  const s = await salesStats(q, scope, now);
  return seesAllStores(who) ? s : { ...s, funnel: null };
}
