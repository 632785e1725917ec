// The hot half of applying a payment, in hand-written SQL behind two functions: every verified
// TRANSACTION.SUCCESS notification runs them (README "Benchmarks": Prisma's per-statement cost, not the
// SQL, was most of a notification's time). The decision stays in the database: the order moves
// PENDING → PAID by one conditional statement, and the sub-orders, the store messages and the audit row
// are written by the same transaction only when that statement moved it. No state is kept in the process.
import { currentActor } from "@/lib/payment-events/actor-context";
import { dialect, prisma, sqliteRead, sqliteTime, sqliteWrite } from "@/lib/db";
import type { OutboxRow } from "@/lib/store-messages/outbox";

/** What the comparison with WeChat's view needs, plus whether any store wants a PAID message. */
export interface OrderForApply {
  status: string;
  combineMchid: string;
  combineAppid: string;
  subOrders: { outTradeNo: string; mchid: string; subMchid: string | null; amountFen: number }[];
  /** some sub-order's store has a webhook: its PAID message is written with the payment */
  anyWebhook: boolean;
  /** JSAPI: the payer the order was prepaid for (./payer-check.ts compares it with the notification's) */
  payerOpenid: string | null;
}

type ReadRow = {
  status: string;
  payerOpenid: string | null;
  combineMchid: string;
  combineAppid: string;
  outTradeNo: string | null;
  mchid: string | null;
  subMchid: string | null;
  amountFen: number | bigint | null;
  webhook: number | bigint | boolean | null;
};

/** The order and its sub-orders in ONE statement (Prisma's nested select takes two), or null when unknown. */
const READ_FOR_APPLY = `
    SELECT o."status", o."combineMchid", o."combineAppid", o."payerOpenid",
           s."outTradeNo", s."mchid", s."subMchid", s."amountFen",
           CASE WHEN st."notifyWebhookUrl" IS NULL THEN 0 ELSE 1 END AS "webhook"
      FROM "Order" o
      LEFT JOIN "SubOrder" s ON s."orderNo" = o."orderNo"
      LEFT JOIN "Store" st ON st."id" = s."storeId"
     WHERE o."orderNo" = `;

export async function readOrderForApply(orderNo: string): Promise<OrderForApply | null> {
  const rows =
    dialect === "sqlite"
      ? await sqliteRead((db) => db.all<ReadRow>(`${READ_FOR_APPLY}?`, [orderNo]))
      : await prisma.$queryRawUnsafe<ReadRow[]>(`${READ_FOR_APPLY}$1`, orderNo);
  const first = rows[0];
  if (!first) return null;
  const subOrders: OrderForApply["subOrders"] = [];
  let anyWebhook = false;
  for (const r of rows) {
    if (r.outTradeNo === null) continue;
    subOrders.push({ outTradeNo: r.outTradeNo, mchid: r.mchid!, subMchid: r.subMchid, amountFen: Number(r.amountFen) });
    if (Number(r.webhook) === 1) anyWebhook = true;
  }
  return {
    status: first.status,
    combineMchid: first.combineMchid,
    combineAppid: first.combineAppid,
    subOrders,
    anyWebhook,
    payerOpenid: first.payerOpenid,
  };
}

export interface PaidSubOrder {
  outTradeNo: string;
  tradeState: string;
  transactionId: string | null;
  payerAmountFen: number | null;
  bankType: string | null;
  tradeType: string | null;
  successTime: Date | null;
}

export interface PaidEvent {
  source: "NOTIFY" | "QUERY";
  notificationId: string | null;
  requestId: string | null;
  reason: string | null;
  tradeStates: string;
}

export interface MarkPaid {
  orderNo: string;
  paidAt: Date;
  subOrders: PaidSubOrder[];
  /** the APPLIED audit row */
  event: PaidEvent;
  /** store messages to write with the payment (lib/store-messages/outbox.ts paidMessages) */
  messages: OutboxRow[];
}

/**
 * PENDING → PAID, with the sub-orders' payment details, the store messages and an APPLIED audit row,
 * all or nothing, in one round trip to the database. Returns true when this call moved the order; false
 * when the order was not PENDING any more (paid by a concurrent delivery, or closed meanwhile) — then
 * NOTHING was written and the caller's general transaction decides (lib/orders/apply-result.ts).
 *
 * - PostgreSQL: one statement, atomic by itself. Its first CTE is the conditional UPDATE … RETURNING; it
 *   row-locks the order, so a concurrent delivery waits and then re-checks status (0 rows); every other
 *   CTE writes FROM that CTE's result, so they write exactly when the order moved.
 * - SQLite: one synchronous transaction on the connection itself (lib/db.ts sqliteWrite, no Prisma), begun
 *   IMMEDIATE, so no other writer — in this process or another — runs until it commits. The conditional
 *   status UPDATE comes first; the other statements run only when it moved the order, and all of them
 *   commit together or not at all.
 */
export async function markPaidOnce(p: MarkPaid): Promise<boolean> {
  const now = new Date();
  return dialect === "postgresql" ? markPaidPostgres(p, now) : markPaidSqlite(p, now);
}

// Dates inside the JSON parameters, written the way Prisma writes them on each database.
const subsJson = (p: MarkPaid, time: (d: Date | null) => string | null) =>
  JSON.stringify(p.subOrders.map((s) => ({ ...s, successTime: time(s.successTime) })));
const messagesJson = (p: MarkPaid, time: (d: Date | null) => string | null) =>
  JSON.stringify(p.messages.map((m) => ({ ...m, createdAt: time(m.createdAt), nextAttemptAt: time(m.nextAttemptAt) })));

async function markPaidPostgres(p: MarkPaid, now: Date): Promise<boolean> {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  const e = p.event;
  // timestamptz … AT TIME ZONE 'UTC': the columns are UTC timestamps without a zone, whatever the session's zone.
  const rows = await prisma.$queryRaw<{ applied: number }[]>`
    WITH paid AS (
      UPDATE "Order" SET "status" = 'PAID', "paidAt" = ${p.paidAt}, "closedAt" = NULL, "updatedAt" = ${now}
       WHERE "orderNo" = ${p.orderNo} AND "status" = 'PENDING'
      RETURNING "orderNo"
    ), subs AS (
      UPDATE "SubOrder" s
         SET "tradeState" = v."tradeState", "transactionId" = v."transactionId", "payerAmountFen" = v."payerAmountFen",
             "bankType" = v."bankType", "tradeType" = v."tradeType", "successTime" = v."successTime" AT TIME ZONE 'UTC'
        FROM paid, jsonb_to_recordset(${subsJson(p, iso)}::jsonb) AS v("outTradeNo" text, "tradeState" text,
             "transactionId" text, "payerAmountFen" int, "bankType" text, "tradeType" text, "successTime" timestamptz)
       WHERE s."orderNo" = paid."orderNo" AND s."outTradeNo" = v."outTradeNo"
      RETURNING 1
    ), messages AS (
      INSERT INTO "StoreMessage" ("storeId", "dedupeKey", "kind", "content", "createdAt", "nextAttemptAt")
      SELECT m."storeId", m."dedupeKey", m."kind", m."content", m."createdAt" AT TIME ZONE 'UTC', m."nextAttemptAt" AT TIME ZONE 'UTC'
        FROM paid, jsonb_to_recordset(${messagesJson(p, iso)}::jsonb) AS m("storeId" text, "dedupeKey" text, "kind" text,
             "content" text, "createdAt" timestamptz, "nextAttemptAt" timestamptz)
      RETURNING 1
    ), audit AS (
      INSERT INTO "PaymentEvent" ("orderNo", "source", "notificationId", "requestId", "receivedAt", "verified", "outcome", "reason", "tradeStates", "actor")
      SELECT paid."orderNo", ${e.source}, ${e.notificationId}, ${e.requestId}, ${now}, true, 'APPLIED', ${e.reason}, ${e.tradeStates}, ${currentActor()}
        FROM paid
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM paid)::int AS "applied"`;
  return Number(rows[0]?.applied) === 1;
}

function markPaidSqlite(p: MarkPaid, now: Date): Promise<boolean> {
  const e = p.event;
  const at = sqliteTime(now);
  return sqliteWrite((db) => {
    // First: the conditional move. Nothing else of any process writes until this transaction commits (it
    // began IMMEDIATE), so the statements below run exactly when this one moved the order.
    const moved = db.run(
      `UPDATE "Order" SET "status" = 'PAID', "paidAt" = ?, "closedAt" = NULL, "updatedAt" = ?
        WHERE "orderNo" = ? AND "status" = 'PENDING'`,
      [sqliteTime(p.paidAt), at, p.orderNo],
    ).changes;
    if (moved !== 1) return false;
    db.run(
      `UPDATE "SubOrder"
          SET "tradeState" = v.value ->> 'tradeState', "transactionId" = v.value ->> 'transactionId',
              "payerAmountFen" = v.value ->> 'payerAmountFen', "bankType" = v.value ->> 'bankType',
              "tradeType" = v.value ->> 'tradeType', "successTime" = v.value ->> 'successTime'
         FROM json_each(?) AS v
        WHERE "SubOrder"."orderNo" = ? AND "SubOrder"."outTradeNo" = v.value ->> 'outTradeNo'`,
      [subsJson(p, sqliteTime), p.orderNo],
    );
    if (p.messages.length) {
      db.run(
        `INSERT INTO "StoreMessage" ("storeId", "dedupeKey", "kind", "content", "createdAt", "nextAttemptAt")
         SELECT m.value ->> 'storeId', m.value ->> 'dedupeKey', m.value ->> 'kind', m.value ->> 'content',
                m.value ->> 'createdAt', m.value ->> 'nextAttemptAt'
           FROM json_each(?) AS m`,
        [messagesJson(p, sqliteTime)],
      );
    }
    db.run(
      `INSERT INTO "PaymentEvent" ("orderNo", "source", "notificationId", "requestId", "receivedAt", "verified", "outcome", "reason", "tradeStates", "actor")
       VALUES (?, ?, ?, ?, ?, 1, 'APPLIED', ?, ?, ?)`,
      [p.orderNo, e.source, e.notificationId, e.requestId, at, e.reason, e.tradeStates, currentActor()],
    );
    return true;
  });
}
