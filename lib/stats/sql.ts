// The overview's aggregate reads (lib/stats/overview.ts), the only SQL that differs between the two
// databases: Prisma's groupBy cannot bucket by Beijing calendar day, so each read is one raw statement
// that groups in the database and returns at most (days × stores) rows, never the orders themselves.
// The one difference is the day expression (SQLite stores instants as ISO-8601 text with "+00:00",
// PostgreSQL as UTC TIMESTAMP(3)); everything else, bound parameters included, is shared.
import { databaseUrl } from "@/lib/env";
import { isPostgresUrl, prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { PAID_TRADE_STATES } from "@/lib/fulfilment/model";

/** Which stores a read covers: every store, or the listed ones (a staff member's stores). */
export type StoreScope = "all" | readonly string[];

/** [start, end) in UTC instants: whole Beijing days. */
export interface Span {
  start: Date;
  end: Date;
}

/** The Beijing calendar date "yyyy-mm-dd" of a timestamp column, in the database's own dialect. */
function beijingDay(column: Prisma.Sql): Prisma.Sql {
  return isPostgresUrl(databaseUrl())
    ? Prisma.sql`to_char(${column} + interval '8 hours', 'YYYY-MM-DD')`
    : Prisma.sql`date(${column}, '+8 hours')`;
}

function storeIn(column: Prisma.Sql, scope: StoreScope): Prisma.Sql {
  if (scope === "all") return Prisma.empty;
  // an empty scope sees nothing (IN () is not valid SQL)
  return scope.length ? Prisma.sql`AND ${column} IN (${Prisma.join([...scope])})` : Prisma.sql`AND 1 = 0`;
}

/** Orders with at least one sub-order of the scope's stores (every order when the scope is all). */
function orderInScope(scope: StoreScope): Prisma.Sql {
  if (scope === "all") return Prisma.empty;
  return Prisma.sql`AND EXISTS (SELECT 1 FROM "SubOrder" x WHERE x."orderNo" = o."orderNo" ${storeIn(Prisma.sql`x."storeId"`, scope)})`;
}

// Counts and sums come back as bigint (PostgreSQL's count/sum, SQLite's big sums) or number: n() reads both.
type Num = number | bigint | string | null;
export const n = (v: Num): number => (v === null ? 0 : Number(v));

export interface PaidRow {
  day: string;
  storeId: string;
  paidFen: Num;
  subOrders: Num;
}

/** Paid sub-orders per Beijing day of payment (success_time) and store: the covering index answers it. */
export function paidByDayAndStore(span: Span, scope: StoreScope): Promise<PaidRow[]> {
  const day = beijingDay(Prisma.sql`s."successTime"`);
  return prisma.$queryRaw<PaidRow[]>`
    SELECT ${day} AS "day", s."storeId" AS "storeId", SUM(s."amountFen") AS "paidFen", COUNT(*) AS "subOrders"
      FROM "SubOrder" s
     WHERE s."successTime" >= ${span.start} AND s."successTime" < ${span.end} ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1, 2`;
}

export interface DayCountRow {
  day: string;
  count: Num;
}

/** Orders with a paid sub-order of the scope, per Beijing day of that payment (one order counts once a day). */
export function paidOrdersByDay(span: Span, scope: StoreScope): Promise<DayCountRow[]> {
  const day = beijingDay(Prisma.sql`s."successTime"`);
  return prisma.$queryRaw<DayCountRow[]>`
    SELECT ${day} AS "day", COUNT(DISTINCT s."orderNo") AS "count"
      FROM "SubOrder" s
     WHERE s."successTime" >= ${span.start} AND s."successTime" < ${span.end} ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1`;
}

export interface RefundRow {
  day: string;
  storeId: string;
  refundedFen: Num;
}

/** Successful refunds per Beijing day of their success and per store of the refunded sub-order. */
export function refundedByDayAndStore(span: Span, scope: StoreScope): Promise<RefundRow[]> {
  const day = beijingDay(Prisma.sql`r."successTime"`);
  return prisma.$queryRaw<RefundRow[]>`
    SELECT ${day} AS "day", s."storeId" AS "storeId", SUM(r."amountFen") AS "refundedFen"
      FROM "Refund" r JOIN "SubOrder" s ON s."outTradeNo" = r."outTradeNo"
     WHERE r."status" = 'SUCCESS' AND r."successTime" >= ${span.start} AND r."successTime" < ${span.end}
           ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY 1, 2`;
}

export interface CheckoutRow {
  day: string;
  checkouts: Num;
  paidCheckouts: Num;
}

/** Orders created per Beijing day, and how many of those are paid by now. */
export function checkoutsByDay(span: Span, scope: StoreScope): Promise<CheckoutRow[]> {
  const day = beijingDay(Prisma.sql`o."createdAt"`);
  return prisma.$queryRaw<CheckoutRow[]>`
    SELECT ${day} AS "day", COUNT(*) AS "checkouts",
           SUM(CASE WHEN o."paidAt" IS NOT NULL THEN 1 ELSE 0 END) AS "paidCheckouts"
      FROM "Order" o
     WHERE o."createdAt" >= ${span.start} AND o."createdAt" < ${span.end} ${orderInScope(scope)}
     GROUP BY 1`;
}

/** Orders closed unpaid per Beijing day of closing. */
export function closedByDay(span: Span, scope: StoreScope): Promise<DayCountRow[]> {
  const day = beijingDay(Prisma.sql`o."closedAt"`);
  return prisma.$queryRaw<DayCountRow[]>`
    SELECT ${day} AS "day", COUNT(*) AS "count"
      FROM "Order" o
     WHERE o."closedAt" >= ${span.start} AND o."closedAt" < ${span.end} AND o."status" = 'CLOSED' ${orderInScope(scope)}
     GROUP BY 1`;
}

/** Paid orders whose cart came out of an in-app browser by a resume link (the funnel's last step). */
export async function resumedPaidCount(span: Span, scope: StoreScope): Promise<number> {
  const rows = await prisma.$queryRaw<{ count: Num }[]>`
    SELECT COUNT(*) AS "count"
      FROM "Order" o
     WHERE o."viaResumeLink" = ${true} AND o."paidAt" >= ${span.start} AND o."paidAt" < ${span.end} ${orderInScope(scope)}`;
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
     WHERE s."fulfilmentStatus" = 'UNFULFILLED' AND s."tradeState" IN (${Prisma.join([...PAID_TRADE_STATES])})
           AND s."refundedFen" < s."amountFen" AND s."successTime" <= ${now} ${storeIn(Prisma.sql`s."storeId"`, scope)}
     GROUP BY s."storeId"`;
}
