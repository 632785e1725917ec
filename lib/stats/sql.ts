// The overview's aggregate reads (lib/stats/overview.ts). Prisma's groupBy cannot bucket by Beijing calendar
// day, so each read is one raw statement that aggregates in the database and returns at most days × stores
// rows, never the orders themselves.
//
// Days are not computed per row: the statement joins a small table of the range's Beijing days — each day's
// [start, end) as UTC instants, computed here with lib/time/beijing.ts — to the rows, so every day is one
// index range scan (the indexes of migration sales_overview cover the columns read) and no date function
// runs over a year of orders. That join is the same SQL on SQLite and PostgreSQL; the one dialect
// difference is the days table's VALUES, which PostgreSQL needs typed.
import { databaseUrl } from "@/lib/env";
import { isPostgresUrl, prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { PAID_TRADE_STATES } from "@/lib/fulfilment/model";
import { beijingDayRange } from "@/lib/time/beijing";

/** Which stores a read covers: every store, or the listed ones (a staff member's stores). */
export type StoreScope = "all" | readonly string[];

/** `WITH days("day", "ds", "de") AS (VALUES …)`: each Beijing date with its [start, end) instants. */
function daysTable(dates: readonly string[]): Prisma.Sql {
  const pg = isPostgresUrl(databaseUrl());
  const rows = dates.map((date) => {
    const { start, end } = beijingDayRange(date);
    // PostgreSQL types the VALUES columns from their first row: untyped parameters would be text
    return pg
      ? Prisma.sql`(CAST(${date} AS text), CAST(${start} AS timestamp(3)), CAST(${end} AS timestamp(3)))`
      : Prisma.sql`(${date}, ${start}, ${end})`;
  });
  return Prisma.sql`WITH days("day", "ds", "de") AS (VALUES ${Prisma.join(rows)})`;
}

/**
 * A column the filter must not pick its index by. SQLite plans without statistics and prefers any index with
 * an equality (storeId = ?, status = ?) over the range on the day's instants — one store's year of sub-orders
 * took seconds through an automatic index on storeId. The unary + keeps the comparison but not the index
 * (sqlite.org/optoverview.html "Disqualifying WHERE clause terms"); PostgreSQL plans by cost and has no unary
 * + for text.
 */
function filterOnly(column: Prisma.Sql): Prisma.Sql {
  return isPostgresUrl(databaseUrl()) ? column : Prisma.sql`+${column}`;
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
  return prisma.$queryRaw<PaidRow[]>`
    ${daysTable(dates)}
    SELECT d."day" AS "day", s."storeId" AS "storeId", SUM(s."amountFen") AS "paidFen", COUNT(*) AS "subOrders",
           SUM(CASE WHEN s."position" = 1 THEN 1 ELSE 0 END) AS "firstSubOrders"
      FROM days d JOIN "SubOrder" s ON s."successTime" >= d."ds" AND s."successTime" < d."de"
     WHERE 1 = 1 ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY d."day", s."storeId"`;
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
  return prisma.$queryRaw<DayCountRow[]>`
    ${daysTable(dates)}
    SELECT d."day" AS "day", COUNT(DISTINCT s."orderNo") AS "count"
      FROM days d JOIN "SubOrder" s ON s."successTime" >= d."ds" AND s."successTime" < d."de"
     WHERE 1 = 1 ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY d."day"`;
}

export interface RefundRow {
  day: string;
  storeId: string;
  refundedFen: Num;
}

/** Successful refunds per Beijing day of their success and per store of the refunded sub-order. */
export function refundedByDayAndStore(dates: readonly string[], scope: StoreScope): Promise<RefundRow[]> {
  return prisma.$queryRaw<RefundRow[]>`
    ${daysTable(dates)}
    SELECT d."day" AS "day", s."storeId" AS "storeId", SUM(r."amountFen") AS "refundedFen"
      FROM days d JOIN "Refund" r ON r."successTime" >= d."ds" AND r."successTime" < d."de"
           JOIN "SubOrder" s ON s."outTradeNo" = r."outTradeNo"
     WHERE ${filterOnly(Prisma.sql`r."status"`)} = 'SUCCESS' ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY d."day", s."storeId"`;
}

export interface CheckoutRow {
  day: string;
  checkouts: Num;
  paidCheckouts: Num;
}

/** Orders created per Beijing day, and how many of those are paid by now. */
export function checkoutsByDay(dates: readonly string[], scope: StoreScope): Promise<CheckoutRow[]> {
  return prisma.$queryRaw<CheckoutRow[]>`
    ${daysTable(dates)}
    SELECT d."day" AS "day", COUNT(*) AS "checkouts", SUM(CASE WHEN o."paidAt" IS NOT NULL THEN 1 ELSE 0 END) AS "paidCheckouts"
      FROM days d JOIN "Order" o ON o."createdAt" >= d."ds" AND o."createdAt" < d."de"
     WHERE 1 = 1 ${orderInScope(scope)}
     GROUP BY d."day"`;
}

/** Orders closed unpaid per Beijing day of closing. */
export function closedByDay(dates: readonly string[], scope: StoreScope): Promise<DayCountRow[]> {
  return prisma.$queryRaw<DayCountRow[]>`
    ${daysTable(dates)}
    SELECT d."day" AS "day", COUNT(*) AS "count"
      FROM days d JOIN "Order" o ON o."closedAt" >= d."ds" AND o."closedAt" < d."de"
     WHERE ${filterOnly(Prisma.sql`o."status"`)} = 'CLOSED' ${orderInScope(scope)}
     GROUP BY d."day"`;
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
