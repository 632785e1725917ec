// The shop-wide prepay budget (lib/orders/prepay-budget.ts), shared by the SQLite suite (prepay-budget.test.ts)
// and the PostgreSQL suite (postgres/prepay-budget.test.ts). The harness runs with a budget of PREPAY_BUDGET a
// second and 2 checkouts per minute per client, so the suites can show that a retry with the same
// Idempotency-Key is not a new checkout. Each test plays its own clients, keys and browsers.
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { checkoutFrom, newBrowser, newClient } from "./checkout-limits";
import { testKeys } from "../support/test-identity";
import { withWindowLeft } from "../support/limit-windows";

export const PREPAY_BUDGET = 3;
export const PREPAY_BUDGET_ENV = { WECHATPAY_PREPAY_MAX_PER_SECOND: String(PREPAY_BUDGET), CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: "2" };

const CART = [{ sku: "TEA-BC-100", quantity: 1 }];
const BUDGET_KEY = `wechat-prepay:${testKeys.combineMchid}`;

type FakeRequest = { method: string; path: string; status: number; code?: string; at: string };
async function prepayCalls(h: Harness): Promise<FakeRequest[]> {
  const log = await h.control<FakeRequest[]>("/requests");
  return log.filter((r) => r.method === "POST" && r.path === "/v3/combine-transactions/h5");
}

const budgetRows = (h: Harness) => h.prisma.rateLimitCounter.findMany({ where: { key: BUDGET_KEY } });

/** Spends the whole budget of this second and the next `seconds` − 1, as a flood from other processes would. */
async function spendBudget(h: Harness, seconds: number) {
  const first = Math.floor(Date.now() / 1000);
  for (let s = first; s < first + seconds; s++) {
    const windowStart = new Date(s * 1000);
    await h.prisma.rateLimitCounter.upsert({
      where: { key_windowStart: { key: BUDGET_KEY, windowStart } },
      create: { key: BUDGET_KEY, windowStart, expiresAt: new Date((s + 1) * 1000), count: PREPAY_BUDGET },
      update: { count: PREPAY_BUDGET },
    });
  }
}

async function expectBudgetRefusal(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("1");
  expect(await res.json()).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 1, reason: "PREPAY_BUDGET" });
}

export function prepayBudgetTests(harness: () => Harness) {
  it("a burst over the budget: the excess gets 429 RATE_LIMITED before any WeChat call; no window holds more prepays than the budget", async () => {
    const h = harness();
    await h.prisma.rateLimitCounter.deleteMany({ where: { key: BUDGET_KEY } });
    const before = (await prepayCalls(h)).length;
    const CONCURRENT = 16;
    const keys = Array.from({ length: CONCURRENT }, () => randomUUID());
    await withWindowLeft(1, 800);
    const answers = await Promise.all(keys.map((key) => checkoutFrom(h, CART, { client: newClient(), key })));

    const admitted = answers.filter((r) => r.status === 201).length;
    const refused = answers.filter((r) => r.status === 429);
    expect(admitted + refused.length).toBe(CONCURRENT);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) await expectBudgetRefusal(r);

    // The database's windows: never past the budget, and every admitted checkout took a unit (another when the
    // second of its first ended before its call could leave, as on a loaded machine).
    const rows = await budgetRows(h);
    for (const row of rows) expect(row.count).toBeLessThanOrEqual(PREPAY_BUDGET);
    const units = rows.reduce((n, r) => n + r.count, 0);
    expect(units).toBeGreaterThanOrEqual(admitted);

    // WeChat's side (the fake): one prepay per admitted checkout, none for a refused one; per second of the
    // fake's clock at most the budget plus the requests in flight (a unit is taken just before its call).
    const calls = (await prepayCalls(h)).slice(before);
    expect(calls).toHaveLength(admitted);
    const perSecond = new Map<number, number>();
    for (const c of calls) {
      const second = Math.floor(Date.parse(c.at) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(PREPAY_BUDGET + CONCURRENT);

    // Every checkout made its order; the refused ones wait unsent, holding their Idempotency-Key.
    const orders = await h.prisma.order.findMany({ where: { checkoutKey: { in: keys } } });
    expect(orders).toHaveLength(CONCURRENT);
    expect(orders.filter((o) => o.prepayState === "NOT_SENT" && o.h5Url === null)).toHaveLength(refused.length);
  });

  it("429 then a retry with the same Idempotency-Key: one order, one prepay, and the retries are not new checkouts", async () => {
    const h = harness();
    const client = newClient();
    const cookie = newBrowser();
    const key = randomUUID();
    const before = (await prepayCalls(h)).length;
    await spendBudget(h, 5);

    await expectBudgetRefusal(await checkoutFrom(h, CART, { client, cookie, key }));
    const order = await h.prisma.order.findUniqueOrThrow({ where: { checkoutKey: key } });
    expect(order).toMatchObject({ prepayState: "NOT_SENT", h5Url: null, prepayLeaseAt: null }); // the lease is freed for the retry
    // Retries while the shop is still busy: the same 429, never the per-client limit (2 a minute) though this is the 3rd and 4th call.
    await expectBudgetRefusal(await checkoutFrom(h, CART, { client, cookie, key }));
    await expectBudgetRefusal(await checkoutFrom(h, CART, { client, cookie, key }));
    expect(await prepayCalls(h)).toHaveLength(before);

    await h.prisma.rateLimitCounter.deleteMany({ where: { key: BUDGET_KEY } }); // the budget frees up
    const resumed = await checkoutFrom(h, CART, { client, cookie, key });
    expect(resumed.status).toBe(201);
    const first = (await resumed.json()) as { orderNo: string; payUrl: string };
    expect(first.orderNo).toBe(order.orderNo);
    const again = await checkoutFrom(h, CART, { client, cookie, key });
    expect(again.status).toBe(201);
    expect(await again.json()).toMatchObject({ orderNo: order.orderNo, payUrl: first.payUrl });
    expect(await prepayCalls(h)).toHaveLength(before + 1);
    expect(await h.prisma.order.count({ where: { checkoutKey: key } })).toBe(1);

    // The client spent one of its 2 checkouts a minute: a new cart still goes through, the one after is the per-client 429.
    expect((await checkoutFrom(h, CART, { client, cookie, key: randomUUID() })).status).toBe(201);
    const third = await checkoutFrom(h, CART, { client, cookie, key: randomUUID() });
    expect(third.status).toBe(429);
    const body = (await third.json()) as { code: string; reason?: string };
    expect(body.code).toBe("RATE_LIMITED");
    expect(body.reason).toBeUndefined();
  });

  it("重新支付 of an unsent order meets the same budget: 429 before any WeChat call, then one prepay", async () => {
    const h = harness();
    const cookie = newBrowser();
    const key = randomUUID();
    await spendBudget(h, 5);
    await expectBudgetRefusal(await checkoutFrom(h, CART, { client: newClient(), cookie, key }));
    const { orderNo } = await h.prisma.order.findUniqueOrThrow({ where: { checkoutKey: key } });
    const before = (await prepayCalls(h)).length;
    await expectBudgetRefusal(await h.call("POST", `/api/orders/${orderNo}/pay`, { headers: { cookie } }));
    expect(await prepayCalls(h)).toHaveLength(before);
    await h.prisma.rateLimitCounter.deleteMany({ where: { key: BUDGET_KEY } });
    expect((await h.call("POST", `/api/orders/${orderNo}/pay`, { headers: { cookie } })).status).toBe(200);
    expect(await prepayCalls(h)).toHaveLength(before + 1);
  });

  it("a unit whose second ended before the call could leave (an overloaded process) is replaced by one of the current second", async () => {
    const h = harness();
    const key = randomUUID();
    await spendBudget(h, 5);
    await expectBudgetRefusal(await checkoutFrom(h, CART, { client: newClient(), cookie: newBrowser(), key }));
    await h.prisma.rateLimitCounter.deleteMany({ where: { key: BUDGET_KEY } });
    const order = await h.prisma.order.findUniqueOrThrow({
      where: { checkoutKey: key },
      include: { subOrders: { orderBy: { position: "asc" } } },
    });
    const before = (await prepayCalls(h)).length;
    const { prepayNewOrder } = await import("@/lib/orders/pay-link");
    // Held: a unit of a second that is already over, as when the process could not send the call in time.
    await withWindowLeft(1, 800);
    const leaseAt = new Date();
    await h.prisma.order.update({ where: { orderNo: order.orderNo }, data: { prepayLeaseAt: leaseAt } });
    await prepayNewOrder(order, { leaseAt, budgetUntil: new Date(Date.now() - 1) }, new Date());
    // one unit of the current second taken for the call (none would be, were the held unit trusted)
    expect((await budgetRows(h)).map((r) => r.count)).toEqual([1]);
    expect(await prepayCalls(h)).toHaveLength(before + 1);
  });
}
