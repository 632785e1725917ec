// The one-round-trip payment (lib/orders/mark-paid.ts), hand-written SQL per database: what it writes must
// be exactly what the general Prisma path writes (types, dates, nulls), it writes nothing when the order is
// not PENDING, and concurrent calls move an order once. Shared by the SQLite suite (mark-paid.test.ts) and
// the PostgreSQL suite (postgres/mark-paid.test.ts).
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { freshStore, insertOrder, payByNotification } from "./order-fixtures";

const markPaid = async () => (await import("@/lib/orders/mark-paid")).markPaidOnce;

function paidInput(order: Awaited<ReturnType<typeof insertOrder>>, successTime: Date) {
  return {
    orderNo: order.orderNo,
    paidAt: new Date("2026-12-01T10:00:00.123Z"),
    subOrders: order.subs.map((s, i) => ({
      outTradeNo: s.outTradeNo,
      tradeState: "SUCCESS",
      transactionId: `4200009${randomUUID().replaceAll("-", "").slice(0, 20)}${i}`,
      payerAmountFen: i === 0 ? s.amountFen - 1 : null,
      bankType: i === 0 ? "CMB_CREDIT" : null,
      tradeType: "MWEB",
      successTime: i === 0 ? successTime : null,
    })),
    event: { source: "NOTIFY" as const, notificationId: randomUUID(), requestId: null, reason: null, tradeStates: "{}" },
    messages: [],
  };
}

export function markPaidTests(harness: () => Harness) {
  it("writes the order, every sub-order field and the audit row as Prisma reads them back (dates, nulls, integers)", async () => {
    const h = harness();
    const order = await insertOrder(h.prisma, { subs: [{ store: "chayu" }, { store: "xiangxiang", quantity: 2 }] });
    const before = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo } });
    const input = paidInput(order, new Date("2026-11-27T07:04:05.000Z"));
    expect(await (await markPaid())(input)).toBe(true);

    const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { subOrders: true, events: true } });
    expect(o.status).toBe("PAID");
    expect(o.paidAt).toEqual(input.paidAt);
    expect(o.closedAt).toBeNull();
    expect(o.updatedAt.getTime()).toBeGreaterThanOrEqual(before.updatedAt.getTime());
    for (const want of input.subOrders) {
      const got = o.subOrders.find((s) => s.outTradeNo === want.outTradeNo)!;
      expect({
        tradeState: got.tradeState,
        transactionId: got.transactionId,
        payerAmountFen: got.payerAmountFen,
        bankType: got.bankType,
        tradeType: got.tradeType,
        successTime: got.successTime,
      }).toEqual({ ...want, outTradeNo: undefined });
    }
    expect(o.events).toHaveLength(1);
    expect(o.events[0]).toMatchObject({
      source: "NOTIFY",
      notificationId: input.event.notificationId,
      requestId: null,
      verified: true,
      outcome: "APPLIED",
      reason: null,
      tradeStates: "{}",
    });
    expect(Math.abs(o.events[0]!.receivedAt.getTime() - Date.now())).toBeLessThan(60_000);
    // The rows it wrote are ordinary rows: Prisma's own filters on them work.
    expect(
      await h.prisma.subOrder.count({ where: { orderNo: order.orderNo, successTime: { lt: new Date("2026-11-28T00:00:00Z") } } }),
    ).toBe(1);
  });

  it("an order that is not PENDING (closed, or already paid) is left exactly as it was: false, nothing written", async () => {
    const h = harness();
    for (const status of ["CLOSED", "PAID"] as const) {
      const order = await insertOrder(h.prisma, { status, subs: [{ store: "chayu" }] });
      const before = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { subOrders: true } });
      const input = { ...paidInput(order, new Date()), messages: [messageFor(order.subs[0]!.outTradeNo)] };
      expect(await (await markPaid())(input), status).toBe(false);
      const after = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { subOrders: true } });
      expect(after, status).toEqual(before);
      expect(await h.prisma.paymentEvent.count({ where: { orderNo: order.orderNo } }), status).toBe(0);
      expect(await h.prisma.storeMessage.count({ where: { dedupeKey: `PAID:${order.subs[0]!.outTradeNo}` } }), status).toBe(0);
    }
  });

  it("20 concurrent calls for one order: one moves it (one audit row, one message), 19 write nothing", async () => {
    const h = harness();
    const store = await freshStore(h.prisma, { notifyWebhookUrl: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=mark-paid" });
    const order = await insertOrder(h.prisma, { subs: [{ store }] });
    const input = { ...paidInput(order, new Date()), messages: [{ ...messageFor(order.subs[0]!.outTradeNo), storeId: store.id }] };
    const results = await Promise.all(Array.from({ length: 20 }, async () => (await markPaid())(input)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await h.prisma.paymentEvent.count({ where: { orderNo: order.orderNo } })).toBe(1);
    const messages = await h.prisma.storeMessage.findMany({ where: { storeId: store.id } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: "PAID", status: "PENDING", attempts: 0, content: "内容" });
    expect(messages[0]!.nextAttemptAt).toEqual(input.messages[0]!.nextAttemptAt);
  });

  it("payments made at the same moment under different actors each keep their own actor (SQLite: in one group commit)", async () => {
    const h = harness();
    const { runAsActor } = await import("@/lib/payment-events/actor-context");
    const orders = await Promise.all([1, 2, 3].map(() => insertOrder(h.prisma, { subs: [{ store: "chayu" }] })));
    const actors = ["account:a1:alice", "account:b2:bob", null];
    const mark = await markPaid();
    // Started in the same turn, so on SQLite all three writes share one batch, run from the first caller's context.
    const results = await Promise.all(
      orders.map((o, i) => {
        const input = paidInput(o, new Date("2026-11-27T07:04:05.000Z"));
        const actor = actors[i];
        return actor ? runAsActor(actor, () => mark(input)) : mark(input);
      }),
    );
    expect(results).toEqual([true, true, true]);
    for (const [i, o] of orders.entries()) {
      const events = await h.prisma.paymentEvent.findMany({ where: { orderNo: o.orderNo } });
      expect(events.map((e) => [e.outcome, e.actor])).toEqual([["APPLIED", actors[i]]]);
    }
  });

  it("through the notify route: a store with a webhook gets its PAID message with the payment, a store without none", async () => {
    const h = harness();
    const store = await freshStore(h.prisma, { notifyWebhookUrl: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=mark-paid-2" });
    const order = await insertOrder(h.prisma, { subs: [{ store }, { store: "mumu" }] });
    expect(await payByNotification(h, order, 5)).toEqual([204, 204, 204, 204, 204]);
    const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { subOrders: true } });
    expect(o.status).toBe("PAID");
    expect(o.subOrders.every((s) => s.tradeState === "SUCCESS" && s.transactionId && s.successTime)).toBe(true);
    const events = await h.prisma.paymentEvent.groupBy({ by: ["outcome"], where: { orderNo: order.orderNo }, _count: { _all: true } });
    expect(Object.fromEntries(events.map((e) => [e.outcome, e._count._all]))).toEqual({ APPLIED: 1, DUPLICATE: 4 });
    const messages = await h.prisma.storeMessage.findMany({ where: { dedupeKey: { in: order.subs.map((s) => `PAID:${s.outTradeNo}`) } } });
    expect(messages.map((m) => m.storeId)).toEqual([store.id]);
    expect(messages[0]!.content).toContain(order.orderNo);
  });
}

function messageFor(outTradeNo: string) {
  const at = new Date("2026-12-01T10:00:00.456Z");
  return { storeId: "chayu", dedupeKey: `PAID:${outTradeNo}`, kind: "PAID" as const, content: "内容", createdAt: at, nextAttemptAt: at };
}
