// The limits of the anonymous checkout (lib/orders/checkout-limits.ts), shared by the SQLite suite
// (checkout-limits.test.ts) and the PostgreSQL suite (postgres/checkout-limits.test.ts): counted in
// the database, so the same assertions hold on both. The harness runs with the production defaults
// (PRODUCTION_CHECKOUT_LIMITS); each test plays its own clients (addresses stamped as our server
// does) and browsers (buyer_id cookies), so no test depends on what another left behind.
import { checkoutBody as sharedCheckoutBody } from "../support/checkout-body";
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { PEER_HEADER, peerStamp } from "@/lib/http/peer-address";
import { withWindowLeft } from "../support/limit-windows";

export const PRODUCTION_CHECKOUT_LIMITS = {
  CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: "10",
  CHECKOUT_MAX_PENDING_PER_BUYER: "3",
  CHECKOUT_MAX_UNITS_PER_LIMITED_SKU: "10",
  CART_DRAFT_MAX_PER_CLIENT_PER_HOUR: "10",
};

type Item = { sku: string; quantity: number };

/** THE body of POST /api/checkout in these suites: new required fields are added here, once. */
/** The one valid checkout body of the suites (contact and a delivery method per store). */
export function checkoutBody(items: Item[]): Record<string, unknown> {
  return sharedCheckoutBody(items);
}

let clients = 0;
const run = randomBytes(1)[0]!;
/** A client address of its own (the TCP peer our server would stamp). */
export const newClient = () => `198.51.${run}.${++clients}`;
/** A browser of its own: a buyer_id cookie it already holds. */
export const newBrowser = () => `buyer_id=${randomBytes(32).toString("base64url")}`;

export function checkoutFrom(h: Harness, items: Item[], opts: { client: string; cookie?: string; key?: string }) {
  return h.call("POST", "/api/checkout", {
    json: checkoutBody(items),
    headers: {
      [PEER_HEADER]: peerStamp(opts.client),
      cookie: opts.cookie ?? "",
      ...(opts.key ? { "idempotency-key": opts.key } : {}),
    },
  });
}

const CART: Item[] = [{ sku: "TEA-BC-100", quantity: 1 }];
// A stock-limited product of a store of its own, so the unit counts are exact whatever else runs.
const LIMITED = "STA-ERASER";

async function prepayCalls(h: Harness): Promise<number> {
  const log = await h.control<{ method: string; path: string }[]>("/requests");
  return log.filter((r) => r.method === "POST" && r.path.startsWith("/v3/combine-transactions/h5")).length;
}
const stockOf = async (h: Harness, sku: string) => (await h.prisma.product.findUniqueOrThrow({ where: { sku } })).stock;

const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";

export function checkoutLimitTests(harness: () => Harness) {
  it(
    "one client cannot use up the cart drafts: 30 different carts from WeChat → 10 drafts, then 429; the next WeChat shopper still gets a link",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(3600, 30_000); // CART_DRAFT_MAX_PER_CLIENT_PER_HOUR
      const client = newClient();
      const drafts0 = await h.prisma.cartDraft.count();
      const replies = [];
      for (let i = 1; i <= 30; i++) {
        const res = await h.call("POST", "/api/checkout", {
          json: checkoutBody([{ sku: "TEA-LJ-50", quantity: i }]),
          headers: { [PEER_HEADER]: peerStamp(client), cookie: "", "user-agent": WECHAT_UA },
        });
        replies.push({
          status: res.status,
          body: (await res.json()) as { code: string; retryAfterSeconds?: number },
          retryAfter: res.headers.get("retry-after"),
        });
      }
      expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(409), ...Array(20).fill(429)]);
      expect(replies[10]!.body).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: expect.any(Number) });
      expect(replies[10]!.retryAfter).toBe(String(replies[10]!.body.retryAfterSeconds));
      expect((await h.prisma.cartDraft.count()) - drafts0).toBe(10);
      const next = await h.call("POST", "/api/checkout", {
        json: checkoutBody([{ sku: "BAK-CK-02", quantity: 1 }]),
        headers: { [PEER_HEADER]: peerStamp(newClient()), cookie: "", "user-agent": WECHAT_UA },
      });
      expect(next.status).toBe(409);
      expect(await next.json()).toMatchObject({ code: "OPEN_IN_BROWSER", resumeUrl: expect.any(String) });
    },
  );

  it(
    "30 concurrent checkouts from one client: exactly 10 orders and 10 prepays; the rest 429 RATE_LIMITED with Retry-After",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(60, 25_000);
      const client = newClient();
      const [orders0, prepays0] = [await h.prisma.order.count(), await prepayCalls(h)];
      const replies = await Promise.all(Array.from({ length: 30 }, () => checkoutFrom(h, CART, { client })));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(20);
      expect((await h.prisma.order.count()) - orders0).toBe(10);
      expect((await prepayCalls(h)) - prepays0).toBe(10);
      const refused = replies.find((r) => r.status === 429)!;
      const body = (await refused.json()) as { code: string; message: string; retryAfterSeconds: number };
      expect(body).toMatchObject({ code: "RATE_LIMITED", message: expect.any(String), retryAfterSeconds: expect.any(Number) });
      expect(body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(body.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(refused.headers.get("retry-after")).toBe(String(body.retryAfterSeconds));
      // another client is not affected
      expect((await checkoutFrom(h, CART, { client: newClient() })).status).toBe(201);
    },
  );

  it("a refused checkout makes no order, reserves nothing, calls WeChat never and adds no row", { timeout: 60_000 }, async () => {
    const h = harness();
    await withWindowLeft(60, 25_000);
    const client = newClient();
    await h.prisma.product.update({ where: { sku: LIMITED }, data: { stock: 1000 } });
    for (let i = 0; i < 10; i++) expect((await checkoutFrom(h, CART, { client })).status).toBe(201);
    const before = {
      orders: await h.prisma.order.count(),
      lines: await h.prisma.orderLine.count(),
      counters: await h.prisma.rateLimitCounter.count(),
      prepays: await prepayCalls(h),
      stock: await stockOf(h, LIMITED),
    };
    // 200 more from the client, each from a new browser (cookie) and with a forged X-Forwarded-For
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        h.call("POST", "/api/checkout", {
          json: checkoutBody([{ sku: LIMITED, quantity: 5 }]),
          headers: { [PEER_HEADER]: peerStamp(client), cookie: newBrowser(), "x-forwarded-for": `198.18.0.${i}` },
        }),
      ),
    );
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([429]));
    expect({
      orders: await h.prisma.order.count(),
      lines: await h.prisma.orderLine.count(),
      counters: await h.prisma.rateLimitCounter.count(),
      prepays: await prepayCalls(h),
      stock: await stockOf(h, LIMITED),
    }).toEqual(before);
  });

  it("one browser may hold 3 unpaid orders; the 4th is 429 until one is closed or its time_expire passes", async () => {
    const h = harness();
    const cookie = newBrowser();
    const made = [];
    for (let i = 0; i < 3; i++) {
      const r = await checkoutFrom(h, CART, { client: newClient(), cookie });
      expect(r.status).toBe(201);
      made.push(((await r.json()) as { orderNo: string; expiresAt: string }).orderNo);
    }
    const fourth = await checkoutFrom(h, CART, { client: newClient(), cookie });
    expect(fourth.status).toBe(429);
    const body = (await fourth.json()) as { code: string; retryAfterSeconds: number };
    expect(body.code).toBe("RATE_LIMITED");
    // free again when the oldest of them expires (ORDER_EXPIRE_MINUTES = 15)
    expect(body.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(body.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    // another browser from the same address is not affected
    expect((await checkoutFrom(h, CART, { client: newClient(), cookie: newBrowser() })).status).toBe(201);

    expect((await h.call("POST", `/api/orders/${made[0]}/close`, { headers: { cookie } })).status).toBe(200);
    expect((await checkoutFrom(h, CART, { client: newClient(), cookie })).status).toBe(201);
    expect((await checkoutFrom(h, CART, { client: newClient(), cookie })).status).toBe(429);
    // an order past its time_expire no longer counts, even before the expiry job closed it
    await h.prisma.order.update({ where: { orderNo: made[1]! }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await checkoutFrom(h, CART, { client: newClient(), cookie })).status).toBe(201);
  });

  it("the buyer_id cookie is a key of its own: one browser changing addresses still gets 10 checkouts a minute", async () => {
    const { enforceCheckoutLimits } = await import("@/lib/orders/checkout-limits");
    const cookie = newBrowser();
    const now = new Date(Date.UTC(2033, 0, 1 + (randomBytes(1)[0]! % 200)));
    const limits = { maxPerMinutePerClient: 10, maxPendingPerBuyer: 1000, maxUnitsPerLimitedSku: 10 };
    const attempt = () =>
      enforceCheckoutLimits(new Request("http://x/", { headers: { [PEER_HEADER]: peerStamp(newClient()), cookie } }), CART, undefined, {
        now,
        limits,
      }).then(
        () => "ok",
        (e: { code?: string }) => e.code,
      );
    const results = [];
    for (let i = 0; i < 11; i++) results.push(await attempt());
    expect(results).toEqual([...Array(10).fill("ok"), "RATE_LIMITED"]);
  });

  it(`more than 10 units of a stock-limited product in one order → 422 QUANTITY_LIMITED naming it, nothing reserved`, async () => {
    const h = harness();
    await h.prisma.product.update({ where: { sku: LIMITED }, data: { stock: 1000 } });
    const stock0 = await stockOf(h, LIMITED);
    const orders0 = await h.prisma.order.count();
    // split over two lines of the cart: still one product
    const res = await checkoutFrom(
      h,
      [
        { sku: LIMITED, quantity: 6 },
        { sku: LIMITED, quantity: 5 },
      ],
      { client: newClient() },
    );
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      code: "QUANTITY_LIMITED",
      message: expect.stringContaining("10"),
      skus: [LIMITED],
      maxUnits: 10,
    });
    expect(await stockOf(h, LIMITED)).toBe(stock0);
    expect(await h.prisma.order.count()).toBe(orders0);
    expect((await checkoutFrom(h, [{ sku: LIMITED, quantity: 10 }], { client: newClient() })).status).toBe(201);
    expect(await stockOf(h, LIMITED)).toBe(stock0! - 10);
    // an unlimited product is not capped
    expect((await checkoutFrom(h, [{ sku: "TEA-BC-100", quantity: 99 }], { client: newClient() })).status).toBe(201);
  });

  it(
    "a repeated Idempotency-Key returns its order even when the client is over its limits, and counts nothing",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(60, 25_000);
      const client = newClient();
      const cookie = newBrowser();
      const key = `limits-${randomBytes(6).toString("hex")}`;
      const first = await checkoutFrom(h, CART, { client, cookie, key });
      expect(first.status).toBe(201);
      const { orderNo } = (await first.json()) as { orderNo: string };
      for (let i = 0; i < 2; i++) expect((await checkoutFrom(h, CART, { client, cookie })).status).toBe(201);
      // 3 pending (the browser's cap) and more checkouts from the address up to its per-minute limit
      for (let i = 0; i < 7; i++) expect((await checkoutFrom(h, CART, { client, cookie: newBrowser() })).status).toBe(201);
      expect((await checkoutFrom(h, CART, { client, cookie: newBrowser() })).status).toBe(429);
      const counters = await h.prisma.rateLimitCounter.findMany({ where: { key: { contains: client } }, select: { count: true } });
      const again = await checkoutFrom(h, CART, { client, cookie, key });
      expect(again.status).toBe(201);
      expect(((await again.json()) as { orderNo: string }).orderNo).toBe(orderNo);
      expect(await h.prisma.rateLimitCounter.findMany({ where: { key: { contains: client } }, select: { count: true } })).toEqual(counters);
    },
  );

  it("the expiry keeps up: one closeExpiredOrders call walks batch after batch until no expired order is left, each examined once", async () => {
    const h = harness();
    const { closeExpiredOrders } = await import("@/lib/orders/close");
    const made: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await checkoutFrom(h, CART, { client: newClient() });
      made.push(((await res.json()) as { orderNo: string }).orderNo);
    }
    // Expired a day ago at one instant (the batches walk on by expiresAt, then orderNo); one shopper is still paying.
    const expiredAt = new Date(Date.now() - 86_400_000);
    await h.prisma.order.updateMany({ where: { orderNo: { in: made } }, data: { expiresAt: expiredAt } });
    await h.control("/faults", { target: "api", kind: "user_paying", orderNo: made[0], path: "/v3/combine-transactions/out-trade-no" });
    const r = await closeExpiredOrders(new Date(expiredAt.getTime() + 1000), { batch: 3, concurrency: 2 });
    expect(r).toMatchObject({ examined: 8, closed: 7, userPaying: 1, failed: [] });
    const states = await h.prisma.order.findMany({ where: { orderNo: { in: made } }, select: { orderNo: true, status: true } });
    expect(states.filter((o) => o.status === "CLOSED")).toHaveLength(7);
    expect(states.find((o) => o.orderNo === made[0])!.status).toBe("PENDING");
    await h.control("/faults", undefined, "DELETE");
  });
}
