// Store staff messages (the outbox), shared by the SQLite suite (store-messages.test.ts) and the PostgreSQL
// suite (postgres/store-messages.test.ts). Each test has its own stores and webhook hooks; the sender is
// called the way the job calls it, with an injected clock where time matters.
import { expect, it, vi } from "vitest";
import type { Harness } from "./harness";
import { adminHeaders } from "./refund-helpers";
import { freshStore, insertOrder, payByNotification } from "./order-fixtures";
import type { WebhookReceiver } from "../support/webhook-receiver";

export function storeMessageTests(harness: () => Harness, receiver: () => WebhookReceiver) {
  const send = async (clock?: () => Date) =>
    (await import("@/lib/store-messages/send")).sendDueStoreMessages({ clock, log: { warn: () => {} } });
  const messagesOf = (storeIds: string[]) =>
    harness().prisma.storeMessage.findMany({ where: { storeId: { in: storeIds } }, orderBy: { id: "asc" } });

  it("20 duplicate payment notifications: one message per paid sub-order of a store with a webhook, none sent inside the handler", async () => {
    const h = harness();
    const a = receiver().hook();
    const b = receiver().hook();
    const storeA = await freshStore(h.prisma, { notifyWebhookUrl: a.url });
    const storeB = await freshStore(h.prisma, { notifyWebhookUrl: b.url });
    const silent = await freshStore(h.prisma); // no webhook: nothing queued
    const order = await insertOrder(h.prisma, {
      subs: [
        { store: storeA, method: "SHIPPING", quantity: 2 },
        { store: storeB, method: "PICKUP" },
        { store: silent, method: "NONE" },
      ],
    });

    expect(await payByNotification(h, order, 20)).toEqual(Array(20).fill(204));
    // The handler only wrote rows (in the payment's transaction): nothing reached a webhook yet.
    expect([a.received.length, b.received.length]).toEqual([0, 0]);
    const queued = await messagesOf([storeA.id, storeB.id, silent.id]);
    expect(queued.map((m) => [m.storeId, m.kind, m.dedupeKey, m.status])).toEqual([
      [storeA.id, "PAID", `PAID:${order.subs[0]!.outTradeNo}`, "PENDING"],
      [storeB.id, "PAID", `PAID:${order.subs[1]!.outTradeNo}`, "PENDING"],
    ]);

    await send();
    await send(); // a second pass sends nothing again
    expect([a.received.length, b.received.length]).toEqual([1, 1]);
    const content = a.received[0]!.body.markdown!.content!;
    expect(a.received[0]!.body.msgtype).toBe("markdown");
    expect(a.received[0]!.contentType).toMatch(/^application\/json/);
    for (const part of [order.orderNo, order.subs[0]!.outTradeNo, "¥19.80", "快递配送", "张* 138****1234", "测试商品 × 2"])
      expect(content).toContain(part);
    expect(content).toContain(`(${h.appUrl}/admin/orders/${order.orderNo})`);
    for (const secret of ["张三", "13812341234", "江南大道"]) expect(content).not.toContain(secret);
    expect(b.received[0]!.body.markdown!.content).toContain("到店自提");
    const sent = await messagesOf([storeA.id, storeB.id]);
    expect(sent.map((m) => [m.status, m.attempts, m.lastError])).toEqual([
      ["SENT", 1, null],
      ["SENT", 1, null],
    ]);
  });

  it("a receiver answering 500 is retried after the backoff and gets the message then", async () => {
    const h = harness();
    const hook = receiver().hook("http-500");
    const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
    const order = await insertOrder(h.prisma, { subs: [{ store, method: "SHIPPING" }] });
    await payByNotification(h, order);
    const t0 = new Date();

    await send(() => t0);
    const [failed] = await messagesOf([store.id]);
    expect([failed!.status, failed!.attempts, failed!.lastError]).toEqual(["PENDING", 1, "HTTP 500"]);
    expect(failed!.nextAttemptAt.getTime()).toBe(t0.getTime() + 60_000);

    hook.behave("ok");
    await send(() => new Date(t0.getTime() + 30_000)); // not due yet
    expect(hook.received).toHaveLength(1);
    await send(() => new Date(t0.getTime() + 61_000));
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]!.body).toEqual(hook.received[0]!.body);
    const [sent] = await messagesOf([store.id]);
    expect([sent!.status, sent!.attempts, sent!.lastError]).toEqual(["SENT", 2, null]);
  });

  it("errcode ≠ 0, a redirect and an oversized answer are failures; a redirect is never followed", async () => {
    const h = harness();
    const cases = [
      ["errcode", "errcode 93000"],
      ["redirect", "redirect (HTTP 302) not followed"],
      ["huge", "answer larger than 16384 bytes"],
      ["not-json", "answer is not JSON"],
    ] as const;
    const t0 = new Date();
    for (const [behaviour, error] of cases) {
      const hook = receiver().hook(behaviour);
      const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
      const { enqueueTestMessage } = await import("@/lib/store-messages/outbox");
      await enqueueTestMessage(store.id, t0);
      await send(() => t0);
      const [m] = await messagesOf([store.id]);
      expect([behaviour, m!.status, m!.attempts, m!.lastError]).toEqual([behaviour, "PENDING", 1, error]);
      expect(hook.received).toHaveLength(1); // the redirect target is the same hook: not reached
      expect(m!.lastError).not.toContain(hook.key);
      await h.prisma.storeMessage.deleteMany({ where: { storeId: store.id } }); // leave no retry behind
    }
  });

  it("after MAX_ATTEMPTS failures a message is DEAD: kept, logged without the URL, and the job run says so", async () => {
    const h = harness();
    const { MAX_ATTEMPTS, BACKOFF_SECONDS, sendDueStoreMessages } = await import("@/lib/store-messages/send");
    const { storeMessagesJob } = await import("@/lib/jobs/store-messages");
    const hook = receiver().hook("http-500");
    const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
    const order = await insertOrder(h.prisma, { subs: [{ store, method: "NONE" }] });
    await payByNotification(h, order);
    const warn = vi.fn();
    let t = Date.now();
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      await sendDueStoreMessages({ clock: () => new Date(t), log: { warn } });
      t += BACKOFF_SECONDS[i - 1]! * 1000;
    }
    expect(warn).not.toHaveBeenCalled();
    // the last attempt, through the job as the runner calls it (it logs to the console)
    const lines: string[] = [];
    const consoleWarn = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void lines.push(args.join(" ")));
    const result = await storeMessagesJob
      .run({ now: () => new Date(t), signal: new AbortController().signal, state: undefined, periodMs: 20_000 })
      .finally(() => consoleWarn.mockRestore());
    const logged = lines.filter((l) => l.includes(`of store ${store.id} `));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/gave up on PAID message #\d+ .* after 8 attempts: HTTP 500/);
    for (const secret of [hook.key, hook.url, "张"]) expect(logged[0]).not.toContain(secret);
    const [m] = await messagesOf([store.id]);
    expect([m!.status, m!.attempts, m!.lastError]).toEqual(["DEAD", MAX_ATTEMPTS, "HTTP 500"]);
    expect(hook.received).toHaveLength(MAX_ATTEMPTS);
    expect(result.counts.dead).toBeGreaterThanOrEqual(1);
    expect(result.error).toMatch(/已放弃/);
    await sendDueStoreMessages({ clock: () => new Date(t + 86_400_000), log: { warn } });
    expect(hook.received).toHaveLength(MAX_ATTEMPTS); // given up: never again
  });

  it("at most 20 requests per minute per URL: the rest wait for the window without spending an attempt", async () => {
    const h = harness();
    const hook = receiver().hook();
    const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
    const t0 = new Date(Date.now() - 1000);
    await h.prisma.storeMessage.createMany({
      data: Array.from({ length: 25 }, (_, i) => ({
        storeId: store.id,
        dedupeKey: `TEST:rate-${store.id}-${i}`,
        kind: "TEST",
        content: `消息 ${i}`,
        nextAttemptAt: t0,
      })),
    });
    await send(() => t0);
    expect(hook.received).toHaveLength(20);
    const waiting = (await messagesOf([store.id])).filter((m) => m.status === "PENDING");
    expect(waiting).toHaveLength(5);
    expect(waiting.every((m) => m.attempts === 0 && m.nextAttemptAt.getTime() === t0.getTime() + 60_000)).toBe(true);

    await send(() => new Date(t0.getTime() + 59_000));
    expect(hook.received).toHaveLength(20);
    await send(() => new Date(t0.getTime() + 60_001));
    expect(hook.received).toHaveLength(25);
    expect(hook.received.map((r) => r.body.markdown!.content)).toEqual(Array.from({ length: 25 }, (_, i) => `消息 ${i}`));
  });

  it("a successful refund queues one REFUND message, however often its result arrives", async () => {
    const h = harness();
    const hook = receiver().hook();
    const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
    const order = await insertOrder(h.prisma, { subs: [{ store, method: "SHIPPING" }] });
    await payByNotification(h, order);
    const sub = order.subs[0]!;
    const refundNo = `RT${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    await h.prisma.refund.create({
      data: {
        refundNo,
        outTradeNo: sub.outTradeNo,
        orderNo: order.orderNo,
        subMchid: sub.subMchid,
        amountFen: 500,
        totalFen: sub.amountFen,
        requestedBy: "test",
        reason: "顾客退货",
        status: "PROCESSING",
      },
    });
    await h.prisma.subOrder.update({ where: { outTradeNo: sub.outTradeNo }, data: { refundReservedFen: 500, refundCount: 1 } });
    const { applyRefundResult } = await import("@/lib/refunds/ledger");
    const result = {
      refundNo,
      status: "SUCCESS",
      refundId: `5030${Date.now()}`,
      amountFen: 500,
      totalFen: sub.amountFen,
      userReceivedAccount: "支付用户零钱",
    };
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => applyRefundResult(result, { source: "REFUND_QUERY" })));
    expect(outcomes.filter((o) => o === "APPLIED")).toHaveLength(1);
    const messages = await messagesOf([store.id]);
    expect(messages.map((m) => [m.kind, m.dedupeKey])).toEqual([
      ["PAID", `PAID:${sub.outTradeNo}`],
      ["REFUND", `REFUND:${refundNo}`],
    ]);
    await send();
    expect(hook.received).toHaveLength(2);
    const content = hook.received[1]!.body.markdown!.content!;
    for (const part of ["退款成功", refundNo, "¥5.00", "顾客退货", order.orderNo]) expect(content).toContain(part);
  });

  it("a store that removed its webhook before the send: the message is SKIPPED, nothing is posted", async () => {
    const h = harness();
    const hook = receiver().hook();
    const store = await freshStore(h.prisma, { notifyWebhookUrl: hook.url });
    const order = await insertOrder(h.prisma, { subs: [{ store, method: "NONE" }] });
    await payByNotification(h, order);
    await h.prisma.store.update({ where: { id: store.id }, data: { notifyWebhookUrl: null } });
    await send();
    expect((await messagesOf([store.id])).map((m) => m.status)).toEqual(["SKIPPED"]);
    expect(hook.received).toHaveLength(0);
  });

  it("store settings: the webhook is saved by PATCH, answered and audited masked, validated; 发送测试消息 queues one TEST message", async () => {
    const h = harness();
    const hook = receiver().hook();
    const store = await freshStore(h.prisma);
    const patch = (body: unknown) => h.call("PATCH", `/api/admin/stores/${store.id}`, { json: body, headers: adminHeaders(h) });
    const testMessage = () => h.call("POST", `/api/admin/stores/${store.id}/test-message`, { headers: adminHeaders(h) });

    expect(await (await testMessage()).json()).toMatchObject({ code: "WEBHOOK_NOT_SET" });
    const bad = await patch({ notifyWebhookUrl: "ftp://example.com/x" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "INVALID_REQUEST", field: "notifyWebhookUrl" });

    const ok = await patch({ notifyWebhookUrl: hook.url });
    expect(ok.status).toBe(200);
    const answered = JSON.stringify(await ok.json());
    expect(answered).not.toContain(hook.key);
    expect(answered).toContain("key=****");
    expect((await h.prisma.store.findUniqueOrThrow({ where: { id: store.id } })).notifyWebhookUrl).toBe(hook.url);
    const audit = await h.prisma.catalogAudit.findMany({ where: { entity: "STORE", entityId: store.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.after).toContain("key=****");
    expect(JSON.stringify(audit)).not.toContain(hook.key);

    const first = await testMessage();
    expect(first.status).toBe(202);
    const again = await testMessage(); // still waiting: the same message, not a second one
    const [m1, m2] = [
      (await first.json()) as { message: { id: number } },
      (await again.json()) as { message: { id: number; created: boolean } },
    ];
    expect(m2.message).toMatchObject({ id: m1.message.id, created: false });
    expect(hook.received).toHaveLength(0);
    await send();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.body.markdown!.content).toContain("测试消息");

    expect((await patch({ notifyWebhookUrl: null })).status).toBe(200);
    expect((await h.prisma.store.findUniqueOrThrow({ where: { id: store.id } })).notifyWebhookUrl).toBeNull();
  });
}
