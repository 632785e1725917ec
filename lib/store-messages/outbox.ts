// The store-message outbox: one row per message, written in the SAME transaction as the state change it
// reports (a sub-order paid, a refund succeeded), so a message exists exactly when the change committed.
// The transaction that wins the change is the only one that writes (callers call these only on count = 1),
// and dedupeKey is unique besides. Sending is the job's business (./send.ts), never the request's.
import { randomBytes } from "node:crypto";
import { prisma, type Prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { paidContent, refundContent, testContent } from "./content";

type Tx = Prisma.TransactionClient;

export type StoreMessageKind = "PAID" | "REFUND" | "TEST";

export interface OutboxRow {
  storeId: string;
  dedupeKey: string;
  kind: StoreMessageKind;
  content: string;
  createdAt: Date;
  nextAttemptAt: Date;
}

/**
 * The PAID messages for the order: one per sub-order whose store has a webhook (none when no store has one).
 * Built from what checkout stored (contact, lines, store names), so they can be built before the transaction
 * that pays the order and written by it (lib/orders/mark-paid.ts) — only when it wins the payment.
 */
export async function paidMessages(db: Pick<Tx, "order">, orderNo: string, now = new Date()): Promise<OutboxRow[]> {
  const o = await db.order.findUnique({
    where: { orderNo },
    select: {
      contactName: true,
      contactPhone: true,
      subOrders: {
        where: { store: { notifyWebhookUrl: { not: null } } },
        orderBy: { position: "asc" },
        select: {
          outTradeNo: true,
          storeId: true,
          amountFen: true,
          shippingFeeFen: true,
          deliveryMethod: true,
          store: { select: { name: true } },
          lines: { orderBy: { id: "asc" }, select: { name: true, quantity: true } },
        },
      },
    },
  });
  if (!o) return [];
  const base = env().appBaseUrl;
  return o.subOrders.map((s) => ({
    storeId: s.storeId,
    dedupeKey: `PAID:${s.outTradeNo}`,
    kind: "PAID",
    content: paidContent({ ...s, orderNo, storeName: s.store.name, contactName: o.contactName, contactPhone: o.contactPhone }, base),
    createdAt: now,
    nextAttemptAt: now,
  }));
}

/**
 * One PAID message per sub-order of the order whose store has a webhook. Called inside the transaction
 * that moved the order to PAID. Returns how many were written.
 */
export async function enqueuePaidMessages(db: Tx, orderNo: string, now = new Date()): Promise<number> {
  const rows = await paidMessages(db, orderNo, now);
  if (rows.length === 0) return 0;
  const { count } = await db.storeMessage.createMany({ data: rows });
  return count;
}

/** One REFUND message, when the refund's store has a webhook. Called inside the transaction that made it SUCCESS. */
export async function enqueueRefundMessage(db: Tx, refundNo: string, now = new Date()): Promise<number> {
  const r = await db.refund.findUnique({
    where: { refundNo },
    select: {
      orderNo: true,
      outTradeNo: true,
      amountFen: true,
      reason: true,
      subOrder: { select: { amountFen: true, storeId: true, store: { select: { name: true, notifyWebhookUrl: true } } } },
    },
  });
  if (!r?.subOrder.store.notifyWebhookUrl) return 0;
  await db.storeMessage.create({
    data: {
      storeId: r.subOrder.storeId,
      dedupeKey: `REFUND:${refundNo}`,
      kind: "REFUND",
      content: refundContent(
        {
          orderNo: r.orderNo,
          outTradeNo: r.outTradeNo,
          refundNo,
          storeName: r.subOrder.store.name,
          amountFen: r.amountFen,
          subOrderAmountFen: r.subOrder.amountFen,
          reason: r.reason,
        },
        env().appBaseUrl,
      ),
      createdAt: now,
      nextAttemptAt: now,
    },
  });
  return 1;
}

export interface QueuedMessage {
  id: number;
  status: string;
  createdAt: string;
  /** false: a test message of this store was still waiting, and is the one returned */
  created: boolean;
}

/**
 * 发送测试消息: queues a TEST message for the job to send like any other (same limits, same time-out, same
 * "never log the URL"). At most one waits per store: pressing again returns the waiting one.
 */
export async function enqueueTestMessage(storeId: string, now = new Date()): Promise<QueuedMessage> {
  const store = await prisma.store.findUnique({ where: { id: storeId }, select: { name: true, notifyWebhookUrl: true } });
  if (!store) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  if (!store.notifyWebhookUrl) throw new AppError("WEBHOOK_NOT_SET", "请先填写并保存该店铺的通知机器人地址");
  const waiting = await prisma.storeMessage.findFirst({
    where: { storeId, kind: "TEST", status: "PENDING" },
    select: { id: true, status: true, createdAt: true },
  });
  if (waiting) return { ...waiting, createdAt: waiting.createdAt.toISOString(), created: false };
  const m = await prisma.storeMessage.create({
    data: {
      storeId,
      dedupeKey: `TEST:${randomBytes(12).toString("base64url")}`,
      kind: "TEST",
      content: testContent(store.name, now),
      createdAt: now,
      nextAttemptAt: now,
    },
    select: { id: true, status: true, createdAt: true },
  });
  return { ...m, createdAt: m.createdAt.toISOString(), created: true };
}

/** Messages that are done (sent, skipped, given up) are kept this long for the store page, then pruned. */
export const STORE_MESSAGE_RETENTION_DAYS = 30;

export async function pruneStoreMessages(now: Date): Promise<number> {
  const before = new Date(now.getTime() - STORE_MESSAGE_RETENTION_DAYS * 86_400_000);
  const { count } = await prisma.storeMessage.deleteMany({
    where: { status: { in: ["SENT", "SKIPPED", "DEAD"] }, createdAt: { lt: before } },
  });
  return count;
}
