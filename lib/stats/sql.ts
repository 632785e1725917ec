// The overview's aggregate reads (lib/stats/overview.ts). Prisma's groupBy cannot bucket by Beijing calendar
// day, so each read is one raw statement that aggregates in the database and returns at most days × stores
// rows, never the orders themselves. The one thing the dialects do differently is how a row finds its day
// (perDay below); the statements are otherwise shared, parameters bound.
import { databaseUrl } from "@/lib/env";
import { isPostgresUrl, prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { PAID_TRADE_STATES } from "@/lib/fulfilment/model";
import { beijingDayRange } from "@/lib/time/beijing";

/** Which stores a read covers: every store, or the listed ones (a staff member's stores). */
export type StoreScope = "all" | readonly string[];

const pg = () => isPostgresUrl(databaseUrl());

interface PerDay {
  /** before SELECT (SQLite: the days table) */
  head: Prisma.Sql;
  /** the Beijing date "yyyy-mm-dd" of the row */
  day: Prisma.Sql;
  /** the FROM clause naming the table with its alias */
  from: Prisma.Sql;
  /** the range condition (true when the FROM clause has it) */
  inRange: Prisma.Sql;
}

/**
 * How rows of `table` (aliased) find the Beijing day of `column`, for the dates of the range.
 *
 * SQLite: a join with a small table of the range's days — each date's [start, end) as UTC instants, computed
 * here with lib/time/beijing.ts — so each day is one range scan of a covering index and no date function runs
 * per row (SQLite stores instants as text; grouping a year of rows by date(…) sorted them all, twice as slow).
 *
 * PostgreSQL: the range in WHERE and the date computed per row (timestamp arithmetic is cheap there). The days
 * join misleads its planner: it cannot estimate rows per day from a join on a range, guessed a year of
 * refunds for a month and hashed whole tables.
 */
function perDay(dates: readonly string[], table: Prisma.Sql, column: Prisma.Sql): PerDay {
  const start = beijingDayRange(dates[0]!).start;
  const end = beijingDayRange(dates[dates.length - 1]!).end;
  if (pg()) {
    return {
      head: Prisma.empty,
      day: Prisma.sql`to_char(${column} + interval '8 hours', 'YYYY-MM-DD')`,
      from: table,
      inRange: Prisma.sql`${column} >= ${start} AND ${column} < ${end}`,
    };
  }
  const rows = dates.map((date) => {
    const r = beijingDayRange(date);
    return Prisma.sql`(${date}, ${r.start}, ${r.end})`;
  });
  return {
    head: Prisma.sql`WITH days("day", "ds", "de") AS (VALUES ${Prisma.join(rows)})`,
    day: Prisma.sql`d."day"`,
    from: Prisma.sql`days d JOIN ${table} ON ${column} >= d."ds" AND ${column} < d."de"`,
    inRange: Prisma.sql`1 = 1`,
  };
}

/**
 * A column the filter must not pick its index by. SQLite plans without statistics and prefers any index with
 * an equality (storeId = ?, status = ?) over the range on the day's instants — one store's year of sub-orders
 * took seconds through an automatic index on storeId. The unary + keeps the comparison but not the index
 * (sqlite.org/optoverview.html "Disqualifying WHERE clause terms"); PostgreSQL plans by cost and has no unary
 * + for text.
 */
function filterOnly(column: Prisma.Sql): Prisma.Sql {
  return pg() ? column : Prisma.sql`+${column}`;
}

function storeIn(column: Prisma.Sql, scope: StoreScope): Prisma.Sql {
  if (scope === "all") return Prisma.empty;
  column = filterOnly(column);
  // an empty scope sees nothing (IN () is not valid SQL)
  return scope.length ? Prisma.sql`AND ${column} IN (${Prisma.join([...scope])})` : Prisma.sql`AND 1 = 0`;
}

/** Orders with at least one sub-order of the scope's stores (every order when the scope is all). */
function orderInScope(scope: StoreScope): Prisma.Sql {
  if (scope === "all") return Prisma.empty;
  return Prisma.sql`AND EXISTS (SELECT 1 FROM "SubOrder" x WHERE x."orderNo" = o."orderNo" ${storeIn(Prisma.sql`x."storeId"`, scope)})`;
}

// Counts and sums come back as bigint (PostgreSQL's count/sum, SQLite's big sums), numeric strings or numbers.
type Num = number | bigint | string | null;
export const n = (v: Num): number => (v === null ? 0 : Number(v));

export interface PaidRow {
  day: string;
  storeId: string;
  paidFen: Num;
  subOrders: Num;
  /** paid sub-orders in position 1: one per paid order (an order's sub-orders are paid together) */
  firstSubOrders: Num;
}

/** Paid sub-orders per Beijing day of payment (success_time) and store: read from the covering index alone. */
export function paidByDayAndStore(dates: readonly string[], scope: StoreScope): Promise<PaidRow[]> {
  const p = perDay(dates, Prisma.sql`"SubOrder" s`, Prisma.sql`s."successTime"`);
  return prisma.$queryRaw<PaidRow[]>`
    ${p.head}
    SELECT ${p.day} AS "day", s."storeId" AS "storeId", SUM(s."amountFen") AS "paidFen", COUNT(*) AS "subOrders",
           SUM(CASE WHEN s."position" = 1 THEN 1 ELSE 0 END) AS "firstSubOrders"
      FROM ${p.from}
     WHERE ${p.inRange} ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1, 2`;
}

export interface DayCountRow {
  day: string;
  count: Num;
}

/**
 * Orders with a paid sub-order of several stores, per Beijing day (each order once). Every store and a single
 * store need no query of their own: an order has one sub-order per store, and position 1 is one per order.
 */
export function paidOrdersByDay(dates: readonly string[], scope: readonly string[]): Promise<DayCountRow[]> {
  const p = perDay(dates, Prisma.sql`"SubOrder" s`, Prisma.sql`s."successTime"`);
  return prisma.$queryRaw<DayCountRow[]>`
    ${p.head}
    SELECT ${p.day} AS "day", COUNT(DISTINCT s."orderNo") AS "count"
      FROM ${p.from}
     WHERE ${p.inRange} ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1`;
}

export interface RefundRow {
  day: string;
  storeId: string;
  refundedFen: Num;
}

/** Successful refunds per Beijing day of their success and per store of the refunded sub-order. */
export function refundedByDayAndStore(dates: readonly string[], scope: StoreScope): Promise<RefundRow[]> {
  const p = perDay(dates, Prisma.sql`"Refund" r`, Prisma.sql`r."successTime"`);
  return prisma.$queryRaw<RefundRow[]>`
    ${p.head}
    SELECT ${p.day} AS "day", s."storeId" AS "storeId", SUM(r."amountFen") AS "refundedFen"
      FROM ${p.from} JOIN "SubOrder" s ON s."outTradeNo" = r."outTradeNo"
     WHERE ${p.inRange} AND ${filterOnly(Prisma.sql`r."status"`)} = 'SUCCESS' ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1, 2`;
}

export interface CheckoutRow {
  day: string;
  checkouts: Num;
  paidCheckouts: Num;
}

/** Orders created per Beijing day, and how many of those are paid by now. */
export function checkoutsByDay(dates: readonly string[], scope: StoreScope): Promise<CheckoutRow[]> {
  const p = perDay(dates, Prisma.sql`"Order" o`, Prisma.sql`o."createdAt"`);
  return prisma.$queryRaw<CheckoutRow[]>`
    ${p.head}
    SELECT ${p.day} AS "day", COUNT(*) AS "checkouts", SUM(CASE WHEN o."paidAt" IS NOT NULL THEN 1 ELSE 0 END) AS "paidCheckouts"
      FROM ${p.from}
     WHERE ${p.inRange} ${orderInScope(scope)}
     GROUP BY 1`;
}

/** Orders closed unpaid per Beijing day of closing. */
export function closedByDay(dates: readonly string[], scope: StoreScope): Promise<DayCountRow[]> {
  const p = perDay(dates, Prisma.sql`"Order" o`, Prisma.sql`o."closedAt"`);
  return prisma.$queryRaw<DayCountRow[]>`
    ${p.head}
    SELECT ${p.day} AS "day", COUNT(*) AS "count"
      FROM ${p.from}
     WHERE ${p.inRange} AND ${filterOnly(Prisma.sql`o."status"`)} = 'CLOSED' ${orderInScope(scope)}
     GROUP BY 1`;
}

/** Paid orders whose cart came out of an in-app browser by a resume link (the funnel's last step). */
export async function resumedPaidCount(from: string, to: string, scope: StoreScope): Promise<number> {
  const rows = await prisma.$queryRaw<{ count: Num }[]>`
    SELECT COUNT(*) AS "count"
      FROM "Order" o
     WHERE o."viaResumeLink" = ${true} AND o."paidAt" >= ${beijingDayRange(from).start} AND o."paidAt" < ${beijingDayRange(to).end}
           ${orderInScope(scope)}`;
  return n(rows[0]?.count ?? 0);
}

export interface BacklogRow {
  storeId: string;
  underOneDay: Num;
  oneToThreeDays: Num;
  overThreeDays: Num;
}

/**
 * Paid sub-orders nobody has started to hand over yet (UNFULFILLED; fully refunded ones are no work), per
 * store, by how long ago they were paid. Paid after `now` is not counted (a `now` in the past is a snapshot).
 */
export function backlogByStore(now: Date, scope: StoreScope): Promise<BacklogRow[]> {
  const oneDayAgo = new Date(now.getTime() - 86_400_000);
  const threeDaysAgo = new Date(now.getTime() - 3 * 86_400_000);
  return prisma.$queryRaw<BacklogRow[]>`
    SELECT s."storeId" AS "storeId",
           SUM(CASE WHEN s."successTime" > ${oneDayAgo} THEN 1 ELSE 0 END) AS "underOneDay",
           SUM(CASE WHEN s."successTime" <= ${oneDayAgo} AND s."successTime" > ${threeDaysAgo} THEN 1 ELSE 0 END) AS "oneToThreeDays",
           SUM(CASE WHEN s."successTime" <= ${threeDaysAgo} THEN 1 ELSE 0 END) AS "overThreeDays"
      FROM "SubOrder" s
     WHERE s."fulfilmentStatus" = 'UNFULFILLED' AND s."successTime" <= ${now}
           AND s."tradeState" IN (${Prisma.join([...PAID_TRADE_STATES])}) AND s."refundedFen" < s."amountFen"
           ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY s."storeId"`;
}
