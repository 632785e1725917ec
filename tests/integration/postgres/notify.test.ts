// The idempotent apply path against a real PostgreSQL (READ COMMITTED, row locks): duplicate and
// concurrent notifications and queries change an order exactly once, and a double-tapped checkout
// creates one order. Same route handlers as tests/integration/notify.test.ts, on a private database.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, type Harness } from "../harness";
import { combineTransaction, notificationBody, signedHeaders } from "../../support/notification-signer";
import { deliver as deliverTo, newOrder as newOrderIn, paymentRaceTests, RACE_CART } from "../payment-races";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("duplicate and concurrent payment results", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("notify");
    h = await startHarness({ label: "pg-notify", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  const newOrder = () => newOrderIn(h);
  const deliver = (body: string, headers: Record<string, string>) => deliverTo(h, body, headers);

  it("runs on PostgreSQL", async () => {
    const [v] = await h.prisma.$queryRawUnsafe<{ server_version: string }[]>("SHOW server_version");
    const [iso] = await h.prisma.$queryRawUnsafe<{ transaction_isolation: string }[]>("SHOW transaction_isolation");
    expect(v?.server_version).toMatch(/^\d+/);
    expect(iso?.transaction_isolation).toBe("read committed");
  });

  paymentRaceTests(() => h);

  it("a close racing a payment: exactly one of them wins", async () => {
    const { orderNo, subs } = await newOrder();
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const replies = await Promise.all([
      deliver(body, signedHeaders(body)),
      ...Array.from({ length: 5 }, () => h.call("POST", `/api/orders/${orderNo}/close`)),
    ]);
    expect(replies[0]!.status).toBe(204);
    const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo } });
    // Paid at WeChat always wins in the end: a local close never hides a payment.
    expect(o.status).toBe("PAID");
    const applied = await h.prisma.paymentEvent.findMany({ where: { orderNo, outcome: "APPLIED" } });
    expect(applied.filter((e) => e.source === "NOTIFY")).toHaveLength(1);
  });

  it("a double-tapped checkout (same Idempotency-Key, 10× concurrently) creates one order", async () => {
    const key = `pg-double-tap-${Date.now()}`;
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => h.call("POST", "/api/checkout", { json: RACE_CART, headers: { "idempotency-key": key } })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    const orderNos = new Set(await Promise.all(replies.map(async (r) => ((await r.json()) as { orderNo: string }).orderNo)));
    expect(orderNos.size).toBe(1);
    expect(await h.prisma.order.count({ where: { checkoutKey: key } })).toBe(1);
  });
});
