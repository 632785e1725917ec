// The exactly-once races, shared by the SQLite suite (notify.test.ts) and the PostgreSQL suite
// (postgres/notify.test.ts): same route handlers, same assertions, different database.
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { checkoutBody } from "../support/checkout-body";

/** A three-store checkout body (茶语轩 shipped, 香香烘焙 picked up, 木木文具 shipped with its fee). */
export const RACE_CART = checkoutBody([
  { sku: "TEA-BC-100", quantity: 1 },
  { sku: "BAK-CK-02", quantity: 2 },
  { sku: "STA-NB-A5", quantity: 1 },
]);

export async function newOrder(h: Harness, key?: string) {
  const res = await h.call("POST", "/api/checkout", { json: RACE_CART, headers: key ? { "idempotency-key": key } : {} });
  expect(res.status).toBe(201);
  const { orderNo } = (await res.json()) as { orderNo: string };
  const subs = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
  return { orderNo, subs };
}

/** A notification delivery as WeChat makes it: no Origin, signed raw body. */
export const deliver = (h: Harness, body: string, headers: Record<string, string>) =>
  h.call("POST", "/api/wechatpay/notify", { body, headers: { ...headers, origin: "" } });

export function paymentRaceTests(harness: () => Harness) {
  it("50 concurrent deliveries of the same notification change the state exactly once, all audited", async () => {
    const h = harness();
    const { orderNo, subs } = await newOrder(h);
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);
    const replies = await Promise.all(Array.from({ length: 50 }, () => deliver(h, body, headers)));
    expect(replies.map((r) => r.status)).toEqual(Array(50).fill(204));
    const events = await h.prisma.paymentEvent.findMany({ where: { orderNo, source: "NOTIFY" } });
    expect(events).toHaveLength(50);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(49);
    const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: true } });
    expect(o.status).toBe("PAID");
    expect(o.subOrders.every((s) => s.tradeState === "SUCCESS" && s.transactionId)).toBe(true);
  });

  it("50 concurrent 'check payment' queries racing a notification: one WeChat query, the state changes exactly once", async () => {
    const h = harness();
    const { orderNo, subs } = await newOrder(h);
    // Paid at WeChat, but its notification is lost: only our own delivery and the query report it.
    await h.control("/faults", { target: "notify", kind: "drop", count: 100, orderNo });
    await h.control(`/orders/${orderNo}/pay`, {});
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const replies = await Promise.all([
      ...Array.from({ length: 50 }, () => h.call("POST", `/api/orders/${orderNo}/query`)),
      deliver(h, body, signedHeaders(body)),
    ]);
    expect(replies.map((r) => r.status)).toEqual([...Array(50).fill(200), 204]);
    // The per-order lease (a conditional UPDATE) lets at most one of the 50 ask WeChat (none when
    // the notification is applied first: a paid order is answered from our database).
    const queried = await wechatQueries(h, orderNo);
    expect(queried).toBeLessThanOrEqual(1);
    const events = await h.prisma.paymentEvent.findMany({ where: { orderNo } });
    expect(events.map((e) => e.source).sort()).toEqual(queried ? ["NOTIFY", "QUERY"] : ["NOTIFY"]);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(queried);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PAID");
    await h.control("/faults", undefined, "DELETE");
  });

  it("50 concurrent unthrottled queries (the back office's path) racing a notification change the state exactly once", async () => {
    const h = harness();
    const { queryAndApply } = await import("@/lib/orders/query");
    const { orderNo, subs } = await newOrder(h);
    await h.control("/faults", { target: "notify", kind: "drop", count: 100, orderNo });
    await h.control(`/orders/${orderNo}/pay`, {});
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const [outcomes, delivered] = await Promise.all([
      Promise.all(Array.from({ length: 50 }, () => queryAndApply(orderNo))),
      deliver(h, body, signedHeaders(body)),
    ]);
    expect(delivered.status).toBe(204);
    expect(await wechatQueries(h, orderNo)).toBe(50);
    const events = await h.prisma.paymentEvent.findMany({ where: { orderNo } });
    expect(events).toHaveLength(51);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(50);
    expect(outcomes.filter((o) => o === "APPLIED").length).toBeLessThanOrEqual(1);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PAID");
    await h.control("/faults", undefined, "DELETE");
  });
}

/** How many combine queries about this order reached the fake WeChat Pay. */
export async function wechatQueries(h: Harness, orderNo: string): Promise<number> {
  const log = await h.control<{ method: string; path: string }[]>("/requests");
  return log.filter((r) => r.method === "GET" && r.path.includes(`/out-trade-no/${orderNo}`)).length;
}
