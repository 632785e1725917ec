// A flash-sale product's stock kept in several rows (lib/catalog/stock.ts), shared by the SQLite suite
// (catalogue.test.ts) and the PostgreSQL suite (postgres/catalogue.test.ts): the same route handlers and
// assertions. Concurrent checkouts must never take more than the rows hold, nor leave a row below 0.
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { eventually, type Harness } from "./harness";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { deliver } from "./payment-races";
import { admin, buy, buyAsNewShopper } from "./stock-races";

/** A product of 茶语轩 with `stock` units kept in `rows` rows, created through the admin API. */
async function shardedProduct(h: Harness, stock: number, rows: number) {
  const sku = `S-${randomBytes(4).toString("hex")}`;
  const res = await admin(h, "POST", "/api/admin/products", {
    sku,
    name: `秒杀 ${sku}`,
    priceFen: 990,
    storeId: "chayu",
    stock,
    stockShards: rows,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  expect(((await res.json()) as { product: unknown }).product).toMatchObject({ sku, stock, stockShards: rows });
  return sku;
}

/** Each row's units, in row order, and the product's own column. */
async function rowsOf(h: Harness, sku: string) {
  const own = (await h.prisma.product.findUniqueOrThrow({ where: { sku } })).stock;
  const rows = (await h.prisma.stockShard.findMany({ where: { sku }, orderBy: { shard: "asc" } })).map((r) => r.units);
  return { own, rows, total: own === null ? null : own + rows.reduce((a, b) => a + b, 0) };
}

async function concurrently(h: Harness, sku: string, quantity: number, checkouts: number) {
  const replies = await Promise.all(Array.from({ length: checkouts }, () => buyAsNewShopper(h, { [sku]: quantity })));
  const bodies = (await Promise.all(replies.map((r) => r.json()))) as { code?: string }[];
  // Every answer is an order or OUT_OF_STOCK: never a 5xx (a deadlock), a 429 or anything else.
  expect(replies.map((r) => r.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
  return {
    created: replies.filter((r) => r.status === 201).length,
    outOfStock: replies.filter((r, i) => r.status === 409 && bodies[i]!.code === "OUT_OF_STOCK").length,
  };
}

export function stockShardTests(harness: () => Harness) {
  it("the admin sets units and rows together: the rows share the units, the product's own column holds 0, readers see the sum", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 10, 4);
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [3, 3, 2, 2], total: 10 });

    const patch = async (body: unknown) => {
      const res = await admin(h, "PATCH", `/api/admin/products/${sku}`, body);
      expect(res.status, await res.clone().text()).toBe(200);
      return ((await res.json()) as { product: { stock: number | null; stockShards: number } }).product;
    };
    // Fewer rows: the units left now, spread again.
    expect(await patch({ stockShards: 2 })).toMatchObject({ stock: 10, stockShards: 2 });
    expect((await rowsOf(h, sku)).rows).toEqual([5, 5]);
    expect(await patch({ stock: 3 })).toMatchObject({ stock: 3, stockShards: 2 });
    expect((await rowsOf(h, sku)).rows).toEqual([2, 1]);
    // The shop and the admin list show the sum (3 ≤ the low-stock threshold: shown to shoppers).
    const shop = (await (await h.call("GET", "/api/products")).json()) as { products: { sku: string; stockLeft: number | null }[] };
    expect(shop.products.find((p) => p.sku === sku)?.stockLeft).toBe(3);
    const list = (await (await admin(h, "GET", `/api/admin/products?q=${sku}`)).json()) as { products: { sku: string; stock: number }[] };
    expect(list.products.find((p) => p.sku === sku)).toMatchObject({ stock: 3, stockShards: 2 });
    // The audit trail records the units left as the admin saw them.
    const audit = await h.prisma.catalogAudit.findFirstOrThrow({ where: { entity: "PRODUCT", entityId: sku }, orderBy: { id: "desc" } });
    expect([JSON.parse(audit.before!), JSON.parse(audit.after)]).toEqual([{ stock: 10 }, { stock: 3 }]);
    // Back to one row: the product's own column again; unlimited: no rows at all.
    expect(await patch({ stockShards: 1 })).toMatchObject({ stock: 3, stockShards: 1 });
    expect(await rowsOf(h, sku)).toEqual({ own: 3, rows: [], total: 3 });
    await patch({ stockShards: 3 });
    expect(await patch({ stock: null })).toMatchObject({ stock: null, stockShards: 1 });
    expect(await rowsOf(h, sku)).toEqual({ own: null, rows: [], total: null });
  });

  it("stockShards outside 1–32 is a 400 naming the field, and nothing changes", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 8, 2);
    for (const stockShards of [0, 33, 1.5]) {
      const res = await admin(h, "PATCH", `/api/admin/products/${sku}`, { stock: 1, stockShards });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringContaining("stockShards") });
    }
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [4, 4], total: 8 });
  });

  it("30 concurrent checkouts of a product with 12 units in 4 rows: exactly 12 orders, 18 × OUT_OF_STOCK, every row at 0", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 12, 4);
    const r = await concurrently(h, sku, 1, 30);
    expect([r.created, r.outOfStock]).toEqual([12, 18]);
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [0, 0, 0, 0], total: 0 });
    const lines = await h.prisma.orderLine.findMany({ where: { sku } });
    expect([lines.length, lines.reduce((a, l) => a + l.stockReserved, 0)]).toEqual([12, 12]);
  });

  it("2 units at a time from rows of 3, 3 and 3: the last order takes from two rows; 4 orders, 1 unit left, no row below 0", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 9, 3);
    const r = await concurrently(h, sku, 2, 10);
    expect([r.created, r.outOfStock]).toEqual([4, 6]);
    const after = await rowsOf(h, sku);
    expect(after.total).toBe(1);
    expect(after.rows.every((u) => u >= 0)).toBe(true);
  });

  it("30 concurrent checkouts of 2 from 8 rows of 1 (every one takes from two rows at once): 4 orders, every row at 0", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 8, 8);
    const r = await concurrently(h, sku, 2, 30);
    expect([r.created, r.outOfStock]).toEqual([4, 26]);
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [0, 0, 0, 0, 0, 0, 0, 0], total: 0 });
  });

  it("a cart asking for more than the rows hold reserves nothing and says how many are left", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 4, 4);
    expect((await buy(h, { [sku]: 3 })).status).toBe(201); // no row has 3: taken from three rows
    expect((await rowsOf(h, sku)).total).toBe(1);
    const res = await buy(h, { [sku]: 2, "TEA-LJ-50": 1 });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "OUT_OF_STOCK", items: [{ sku, available: 1 }] });
    expect((await rowsOf(h, sku)).total).toBe(1);
  });

  it("a close gives the units back to a row; a payment arriving after the close takes them again, once", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 4, 2);
    const { orderNo } = (await (await buy(h, { [sku]: 3 })).json()) as { orderNo: string };
    expect((await rowsOf(h, sku)).total).toBe(1);
    expect((await h.call("POST", `/api/orders/${orderNo}/close`)).status).toBe(200);
    expect(await rowsOf(h, sku)).toMatchObject({ own: 0, total: 4 });
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    await eventually(async () => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status === "PAID");
    expect((await rowsOf(h, sku)).total).toBe(1);
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204); // redelivered: no second take
    expect((await rowsOf(h, sku)).total).toBe(1);
  });

  it("a late payment for units sold again meanwhile empties the rows and records the shortfall", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 2, 2);
    const late = (await (await buy(h, { [sku]: 2 })).json()) as { orderNo: string };
    expect((await h.call("POST", `/api/orders/${late.orderNo}/close`)).status).toBe(200);
    expect((await buy(h, { [sku]: 1 })).status).toBe(201); // one of the released units sold again
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo: late.orderNo }, orderBy: { position: "asc" } });
    const body = notificationBody(JSON.stringify(combineTransaction(late.orderNo, subs)));
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [0, 0], total: 0 });
    const ev = await h.prisma.paymentEvent.findFirstOrThrow({ where: { orderNo: late.orderNo, source: "NOTIFY", outcome: "APPLIED" } });
    expect(ev.reason).toBe(`paid at WeChat after a local close; oversold ${sku}×1`);
  });

  it("a catalogue import sets the units left and keeps the rows; the export shows the sum", async () => {
    const h = harness();
    const sku = await shardedProduct(h, 6, 3);
    const { exportCatalogue, importCatalogue } = await import("@/lib/catalog/import");
    const exported = JSON.parse(await exportCatalogue("json")) as { products: { sku: string; stock: number | null }[] };
    expect(exported.products.find((p) => p.sku === sku)?.stock).toBe(6);
    // Re-importing the export changes nothing.
    const same = await importCatalogue(JSON.stringify({ products: exported.products.filter((p) => p.sku === sku) }), "json");
    expect([same.errors, same.unchanged, same.updated.products]).toEqual([[], 1, 0]);
    const product = exported.products.find((p) => p.sku === sku)!;
    const plan = await importCatalogue(JSON.stringify({ products: [{ ...product, stock: 9 }] }), "json");
    expect(plan.errors).toEqual([]);
    expect(await rowsOf(h, sku)).toEqual({ own: 0, rows: [3, 3, 3], total: 9 });
  });
}
