// Stock races, shared by the SQLite suite (catalogue.test.ts) and the PostgreSQL suite
// (postgres/catalogue.test.ts): same route handlers, same assertions, different database.
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { createSessionValue } from "@/lib/admin/session";
import { PEER_HEADER, peerStamp } from "@/lib/http/peer-address";
import { eventually, type Harness } from "./harness";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { deliver } from "./payment-races";
import { checkoutBody } from "../support/checkout-body";
import type { DeliveryMethod } from "@/lib/delivery/model";

/** Admin API call with a valid back-office session (and our Origin, added by the harness). */
export function admin(h: Harness, method: string, path: string, json?: unknown) {
  const cookie = `admin_session=${createSessionValue(process.env.ADMIN_TOKEN!)}`;
  return h.call(method, path, { json, headers: { cookie } });
}

/** A new product of the demo store 茶语轩 with `stock` units, created through the admin API. */
export async function newProduct(h: Harness, stock: number | null, priceFen = 1000) {
  const sku = `T-${randomBytes(4).toString("hex")}`;
  const res = await admin(h, "POST", "/api/admin/products", { sku, name: `测试商品 ${sku}`, priceFen, storeId: "chayu", stock });
  expect(res.status, await res.clone().text()).toBe(201);
  return sku;
}

export const stockOf = async (h: Harness, sku: string) => (await h.prisma.product.findUniqueOrThrow({ where: { sku } })).stock;

/** Checks out these SKU → quantity; `methods` adds the delivery method of a store the test created. */
export async function buy(h: Harness, items: Record<string, number>, methods?: Record<string, DeliveryMethod>) {
  const json = checkoutBody(
    Object.entries(items).map(([sku, quantity]) => ({ sku, quantity })),
    { methods },
  );
  return h.call("POST", "/api/checkout", { json });
}

let shoppers = 0;
/**
 * buy() as a shopper of its own (peer address and browser): concurrent checkouts from one client queue behind
 * each other on that client's checkout-limit row (PostgreSQL row lock), so only distinct shoppers race for stock.
 */
export function buyAsNewShopper(h: Harness, items: Record<string, number>) {
  const n = ++shoppers;
  const json = checkoutBody(Object.entries(items).map(([sku, quantity]) => ({ sku, quantity })));
  const headers = {
    [PEER_HEADER]: peerStamp(`198.18.${(n >> 8) & 255}.${n & 255}`),
    cookie: `buyer_id=${randomBytes(32).toString("base64url")}`,
  };
  return h.call("POST", "/api/checkout", { json, headers });
}

export function stockRaceTests(harness: () => Harness) {
  it("10 taps with one Idempotency-Key at once (their inserts race for the key): one order, one prepay, stock taken once", async () => {
    const h = harness();
    const sku = await newProduct(h, 50);
    const prepays = async () =>
      (await h.control<{ method: string; path: string }[]>("/requests")).filter((r) => r.path === "/v3/combine-transactions/h5").length;
    const prepaysBefore = await prepays();
    const json = checkoutBody([{ sku, quantity: 3 }]);
    const headers = { "idempotency-key": `taps-${randomBytes(8).toString("hex")}` };
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call("POST", "/api/checkout", { json, headers })));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    const orderNos = new Set(((await Promise.all(replies.map((r) => r.json()))) as { orderNo: string }[]).map((j) => j.orderNo));
    expect(orderNos.size).toBe(1);
    expect(await h.prisma.orderLine.count({ where: { sku } })).toBe(1);
    expect((await prepays()) - prepaysBefore).toBe(1);
    expect(await stockOf(h, sku)).toBe(47);
  });

  it("a product made unlimited between the cart's read and the order's write: nothing is taken, the line reserves 0", async () => {
    const h = harness();
    const [edited, kept] = [await newProduct(h, 10), await newProduct(h, 10)];
    const { checkout } = await import("@/lib/orders/checkout");
    const r = await checkout(
      checkoutBody([
        { sku: edited, quantity: 2 },
        { sku: kept, quantity: 1 },
      ]),
      {
        payerIp: "203.0.113.9",
        // admit runs after the products were read and before the order is written: the edit lands in between.
        admit: async () => {
          await h.prisma.product.update({ where: { sku: edited }, data: { stock: null } });
          return { take: async () => undefined, takeSqlite: () => undefined };
        },
      },
    );
    const lines = await h.prisma.orderLine.findMany({ where: { subOrder: { orderNo: r.orderNo } }, orderBy: { sku: "asc" } });
    expect(Object.fromEntries(lines.map((l) => [l.sku, l.stockReserved]))).toEqual({ [edited]: 0, [kept]: 1 });
    expect([await stockOf(h, edited), await stockOf(h, kept)]).toEqual([null, 9]);
  });

  it("20 concurrent checkouts for a product with stock 5: exactly 5 orders, stock 0, the others OUT_OF_STOCK", async () => {
    const h = harness();
    const sku = await newProduct(h, 5);
    const replies = await Promise.all(Array.from({ length: 20 }, () => buyAsNewShopper(h, { [sku]: 1 })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(201), ...Array(15).fill(409)]);
    for (const r of replies.filter((r) => r.status === 409)) {
      expect(await r.json()).toMatchObject({ code: "OUT_OF_STOCK", message: expect.any(String), items: [{ sku, available: 0 }] });
    }
    expect(await stockOf(h, sku)).toBe(0);
    const lines = await h.prisma.orderLine.findMany({ where: { sku } });
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.stockReserved === 1)).toBe(true);
  });

  it("a cart asking for more than is left reserves nothing and names every short item with what is left", async () => {
    const h = harness();
    const [a, b, c] = [await newProduct(h, 2), await newProduct(h, 0), await newProduct(h, 10)];
    const res = await buy(h, { [a]: 3, [b]: 1, [c]: 4 });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { items: { sku: string; available: number }[] };
    expect(body.items.sort((x, y) => x.sku.localeCompare(y.sku))).toEqual(
      [
        { sku: a, available: 2 },
        { sku: b, available: 0 },
      ].sort((x, y) => x.sku.localeCompare(y.sku)),
    );
    // c had enough, but the transaction rolled back its decrement with the rest.
    expect([await stockOf(h, a), await stockOf(h, b), await stockOf(h, c)]).toEqual([2, 0, 10]);
    expect(await h.prisma.orderLine.count({ where: { sku: { in: [a, b, c] } } })).toBe(0);
  });

  it("a close racing an expiry (and WeChat's own CLOSED via query) releases the stock exactly once", async () => {
    const h = harness();
    const sku = await newProduct(h, 3);
    const res = await buy(h, { [sku]: 2 });
    expect(res.status).toBe(201);
    const { orderNo } = (await res.json()) as { orderNo: string };
    expect(await stockOf(h, sku)).toBe(1);
    await h.prisma.order.update({ where: { orderNo }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const cron = { authorization: `Bearer ${process.env.ADMIN_TOKEN}` };
    const replies = await Promise.all([
      ...Array.from({ length: 3 }, () => h.call("POST", `/api/orders/${orderNo}/close`)),
      ...Array.from({ length: 3 }, () => h.call("POST", "/api/cron/close-expired", { headers: cron })),
      ...Array.from({ length: 3 }, () => h.call("POST", `/api/orders/${orderNo}/query`)),
      ...Array.from({ length: 3 }, () => h.call("GET", `/api/orders/${orderNo}`)),
    ]);
    expect(replies.every((r) => r.status < 500)).toBe(true);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("CLOSED");
    expect(await stockOf(h, sku)).toBe(3);
    const closes = await h.prisma.paymentEvent.findMany({ where: { orderNo, outcome: "APPLIED" } });
    expect(closes).toHaveLength(1);
    // Closing again is a no-op: still released once.
    expect((await h.call("POST", `/api/orders/${orderNo}/close`)).status).toBe(200);
    expect(await stockOf(h, sku)).toBe(3);
  });

  it("WeChat's CLOSED learned by a query releases once, even with a local close racing it", async () => {
    const h = harness();
    const sku = await newProduct(h, 4);
    const { orderNo } = (await (await buy(h, { [sku]: 4 })).json()) as { orderNo: string };
    expect(await stockOf(h, sku)).toBe(0);
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo } });
    const { wechatpay } = await import("@/lib/wechatpay-server");
    await wechatpay().combineClose(orderNo, {
      combine_appid: "wxd930ea5d5a258f4f",
      sub_orders: subs.map((s) => ({ mchid: s.mchid, out_trade_no: s.outTradeNo, sub_mchid: s.subMchid! })),
    });
    await Promise.all([
      ...Array.from({ length: 4 }, () => h.call("POST", `/api/orders/${orderNo}/query`)),
      ...Array.from({ length: 2 }, () => h.call("POST", `/api/orders/${orderNo}/close`)),
    ]);
    expect(await stockOf(h, sku)).toBe(4);
  });

  it("a paid order keeps its stock; a payment arriving after a close takes it again", async () => {
    const h = harness();
    const sku = await newProduct(h, 2);
    const first = (await (await buy(h, { [sku]: 1 })).json()) as { orderNo: string };
    await h.control(`/orders/${first.orderNo}/pay`, {});
    await eventually(async () => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo: first.orderNo } })).status === "PAID");
    expect(await stockOf(h, sku)).toBe(1);
    // A paid order cannot be closed, so nothing is given back.
    expect((await h.call("POST", `/api/orders/${first.orderNo}/close`)).status).toBe(409);
    expect(await stockOf(h, sku)).toBe(1);

    const second = (await (await buy(h, { [sku]: 1 })).json()) as { orderNo: string };
    expect(await stockOf(h, sku)).toBe(0);
    expect((await h.call("POST", `/api/orders/${second.orderNo}/close`)).status).toBe(200);
    expect(await stockOf(h, sku)).toBe(1);
    // WeChat reports it paid after all (the payment raced our close): PAID, and the unit is taken again.
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo: second.orderNo }, orderBy: { position: "asc" } });
    const body = notificationBody(JSON.stringify(combineTransaction(second.orderNo, subs)));
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo: second.orderNo } })).status).toBe("PAID");
    expect(await stockOf(h, sku)).toBe(0);
    const ev = await h.prisma.paymentEvent.findFirstOrThrow({ where: { orderNo: second.orderNo, source: "NOTIFY", outcome: "APPLIED" } });
    expect(ev.reason).toBe("paid at WeChat after a local close");
    // Redelivered: no second take.
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    expect(await stockOf(h, sku)).toBe(0);
  });

  it("a late payment for a unit sold again meanwhile leaves stock at 0 and records the oversell", async () => {
    const h = harness();
    const sku = await newProduct(h, 1);
    const late = (await (await buy(h, { [sku]: 1 })).json()) as { orderNo: string };
    expect((await h.call("POST", `/api/orders/${late.orderNo}/close`)).status).toBe(200);
    expect((await buy(h, { [sku]: 1 })).status).toBe(201); // the released unit sold again
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo: late.orderNo }, orderBy: { position: "asc" } });
    const body = notificationBody(JSON.stringify(combineTransaction(late.orderNo, subs)));
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    expect(await stockOf(h, sku)).toBe(0);
    const ev = await h.prisma.paymentEvent.findFirstOrThrow({ where: { orderNo: late.orderNo, source: "NOTIFY", outcome: "APPLIED" } });
    expect(ev.reason).toBe(`paid at WeChat after a local close; oversold ${sku}×1`);
  });

  it("a price change never touches an existing order: a re-prepay sends exactly the original amounts", async () => {
    const h = harness();
    const sku = await newProduct(h, null, 1234);
    const { orderNo } = (await (await buy(h, { [sku]: 3, "TEA-LJ-50": 1 })).json()) as { orderNo: string };
    const before = await h.prisma.subOrder.findMany({ where: { orderNo }, include: { lines: true }, orderBy: { position: "asc" } });
    expect((await admin(h, "PATCH", `/api/admin/products/${sku}`, { priceFen: 9999 })).status).toBe(200);
    expect((await admin(h, "PATCH", "/api/admin/products/TEA-LJ-50", { priceFen: 7000 })).status).toBe(200);
    try {
      // The shopper's cart renders from /api/products: the new price shows before paying.
      const products = ((await (await h.call("GET", "/api/products")).json()) as { products: { sku: string; priceFen: number }[] })
        .products;
      expect(products.find((p) => p.sku === sku)?.priceFen).toBe(9999);

      // Force a re-prepay (the stored h5_url has expired) and compare what WeChat received.
      await h.prisma.order.update({ where: { orderNo }, data: { h5UrlExpiresAt: new Date(Date.now() - 1000) } });
      const pay = await h.call("POST", `/api/orders/${orderNo}/pay`);
      expect(pay.status).toBe(200);
      const after = await h.prisma.subOrder.findMany({ where: { orderNo }, include: { lines: true }, orderBy: { position: "asc" } });
      expect(after).toEqual(before);
      const atWechat = await h.control<{
        order: { links: unknown[]; transaction: { sub_orders: { out_trade_no: string; amount: { total_amount: number } }[] } };
      }>(`/orders/${orderNo}`);
      expect(atWechat.order.links).toHaveLength(2); // the fake refuses a re-prepay whose parameters changed (§3.3)
      expect(atWechat.order.transaction.sub_orders.map((s) => [s.out_trade_no, s.amount.total_amount])).toEqual(
        before.map((s) => [s.outTradeNo, s.amountFen]),
      );
      expect(before[0]!.amountFen).toBe(3 * 1234 + 6800);
      const { buildPrepayRequest } = await import("@/lib/orders/pay-link");
      const order = await h.prisma.order.findUniqueOrThrow({
        where: { orderNo },
        include: { subOrders: { orderBy: { position: "asc" } } },
      });
      expect(buildPrepayRequest(order).sub_orders.map((s) => s.amount.total_amount)).toEqual([3 * 1234 + 6800]);
    } finally {
      await admin(h, "PATCH", "/api/admin/products/TEA-LJ-50", { priceFen: 6800 });
    }
  });
}
