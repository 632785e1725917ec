// Acceptance for several app instances behind a load balancer: two `next start` processes of the
// built app (production mode) on different ports share one PostgreSQL and one fake WeChat Pay.
// Duplicate notifications and "check payment" queries hit both processes at the same moment; the
// order must change exactly once, every delivery must be acknowledged and every attempt audited.
// Needs `npm run build` first (npm test runs it before test:pg) and TEST_DATABASE_URL_PG.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma-pg/client";
import { fakeControl } from "../fake-wechatpay/control-client";
import { startFakeWechatPay, type RunningFakeWechatPay } from "../fake-wechatpay/server";
import { checkoutBody } from "../support/checkout-body";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { describePg, dropPgDatabase, freshPgDatabase } from "../support/pg";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";
import { freshStore, insertOrder } from "../integration/order-fixtures";
import { port as offsetPort } from "../support/ports";
import { testAppEnv, testKeys } from "../support/test-identity";
import { createSessionValue, SESSION_COOKIE } from "../../lib/admin/session";

const root = path.resolve(import.meta.dirname, "../..");
const PORTS = [offsetPort(3011), offsetPort(3012)];
const FAKE_PORT = offsetPort(3111);
// Both instances are one site: the same public base URL (the load balancer's), so the same Origin
// and notify_url. Requests go to each instance's own port.
const APP_BASE_URL = `http://127.0.0.1:${PORTS[0]}`;
const ORIGIN = new URL(APP_BASE_URL).origin;
const CLOSE_PERIOD_MS = 1000;
const HOUSEKEEPING_PERIOD_MS = 700;
const STORE_MESSAGES_PERIOD_MS = 300;
const PREPAY_BUDGET = 15;
const cart = checkoutBody([
  { sku: "TEA-BC-100", quantity: 1 },
  { sku: "BAK-CK-02", quantity: 2 },
  { sku: "STA-NB-A5", quantity: 1 },
]);

describePg("two app processes, one database", () => {
  let url: string;
  let fake: RunningFakeWechatPay;
  let db: PrismaClient;
  let receiver: WebhookReceiver;
  const apps: { port: number; child: ChildProcess; log: string[] }[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
    url = await freshPgDatabase("multi");
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    receiver = await startWebhookReceiver();
    fake = await startFakeWechatPay({ port: FAKE_PORT, host: "127.0.0.1", notifyTimeScale: 0.01, h5Domains: ["127.0.0.1", "localhost"] });
    const env = {
      ...process.env,
      ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl: APP_BASE_URL, databaseUrl: url }),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      // The job runner with short periods, so the test sees several periods (see the jobs test below).
      JOBS_TICK_MS: "100",
      // Long enough that the load of the notification tests (pool waits of seconds) never lets a live
      // lease expire; takeover after a dead owner is tested with an injected clock (tests/integration/job-lease.ts).
      JOBS_LEASE_MS: "30000",
      JOBS_PERIODS: `close-expired=${CLOSE_PERIOD_MS},housekeeping=${HOUSEKEEPING_PERIOD_MS},store-messages=${STORE_MESSAGES_PERIOD_MS}`,
      // The shop-wide prepay budget, small enough for the flash-sale test below to pass it, above what the
      // other tests may prepay in one second (the last-units test's 5 and the jobs test's 6 can share one).
      WECHATPAY_PREPAY_MAX_PER_SECOND: String(PREPAY_BUDGET),
      // One shopper-triggered WeChat call per order per interval: the longest allowed, so that "at most one
      // query" below is decided by the lease alone, however slowly a loaded machine serves the 100 racing
      // requests (with the 2 s default, a query still running when the interval ends lets a second one in).
      WECHAT_CALL_INTERVAL_SECONDS: "300",
    } as NodeJS.ProcessEnv;
    for (const port of PORTS) {
      const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const log: string[] = [];
      child.stdout.on("data", (d: Buffer) => log.push(String(d)));
      child.stderr.on("data", (d: Buffer) => log.push(String(d)));
      apps.push({ port, child, log });
    }
    await Promise.all(apps.map((a) => waitReady(a.port, a.child, a.log)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => stop(a.child)));
    await fake?.close();
    await receiver?.close();
    await db?.$disconnect();
    if (url) await dropPgDatabase(url);
  });

  async function newOrder() {
    const res = await fetch(`http://127.0.0.1:${PORTS[1]}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify(cart),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { orderNo } = (await res.json()) as { orderNo: string };
    const subs = await db.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
    return { orderNo, subs };
  }

  const deliver = (port: number, body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}/api/wechatpay/notify`, { method: "POST", headers, body });
  const checkPayment = (port: number, orderNo: string) =>
    fetch(`http://127.0.0.1:${port}/api/orders/${orderNo}/query`, { method: "POST", headers: { origin: ORIGIN } });

  it("both processes serve the same PostgreSQL-backed catalogue", async () => {
    for (const port of PORTS) {
      const res = await fetch(`http://127.0.0.1:${port}/api/products`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { products: unknown[] }).products.length).toBe(await db.product.count({ where: { active: true } }));
    }
  });

  it("100 deliveries of the same notification across both processes: one transition, all 204, all audited", async () => {
    const { orderNo, subs } = await newOrder();
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => deliver(PORTS[i % 2]!, body, headers)));
    const ms = Date.now() - started;
    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(204));

    const events = await db.paymentEvent.findMany({ where: { orderNo } });
    expect(events).toHaveLength(100);
    expect(events.every((e) => e.source === "NOTIFY" && e.verified)).toBe(true);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(99);
    const o = await db.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: true } });
    expect(o.status).toBe("PAID");
    expect(o.paidAt).not.toBeNull();
    expect(o.subOrders.every((s) => s.tradeState === "SUCCESS" && s.transactionId && s.successTime)).toBe(true);
    console.log(`[multi-process] 100 notifications over ${PORTS.length} processes in ${ms} ms`);
  });

  it("20 duplicate payment notifications across both processes: each store's webhook gets exactly one message per paid sub-order, from the job", async () => {
    const hooks = [receiver.hook(), receiver.hook()];
    const stores = await Promise.all(hooks.map((hook) => freshStore(db as never, { notifyWebhookUrl: hook.url })));
    const order = await insertOrder(db as never, {
      subs: [
        { store: stores[0]!, method: "SHIPPING" },
        { store: stores[1]!, method: "PICKUP" },
      ],
    });
    const body = notificationBody(JSON.stringify(combineTransaction(order.orderNo, order.subs)));
    const headers = signedHeaders(body);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => deliver(PORTS[i % 2]!, body, headers)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(204));
    const rows = await db.storeMessage.findMany({ where: { storeId: { in: stores.map((s) => s.id) } } });
    expect(rows.map((m) => m.dedupeKey).sort()).toEqual(order.subs.map((s) => `PAID:${s.outTradeNo}`).sort());

    // Sent by whichever process holds the job's lease; then several more periods in which nothing is re-sent.
    const deadline = Date.now() + 30_000;
    while (hooks.some((hook) => hook.received.length === 0)) {
      if (Date.now() > deadline) throw new Error("store messages not delivered in time");
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 5 * STORE_MESSAGES_PERIOD_MS));
    expect(hooks.map((hook) => hook.received.length)).toEqual([1, 1]);
    hooks.forEach((hook, i) => expect(hook.received[0]!.body.markdown!.content).toContain(order.subs[i]!.outTradeNo));
    const sent = await db.storeMessage.findMany({ where: { storeId: { in: stores.map((s) => s.id) } } });
    expect(sent.map((m) => [m.status, m.attempts])).toEqual([
      ["SENT", 1],
      ["SENT", 1],
    ]);
  });

  it("50 'check payment' queries and 50 notifications racing across both processes: one transition, at most one WeChat query", async () => {
    const { orderNo, subs } = await newOrder();
    // Paid at WeChat; its own notification is dropped, so only our racing requests can tell.
    await control("/faults", { target: "notify", kind: "drop", count: 1000, orderNo });
    await control(`/orders/${orderNo}/pay`, {});
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? checkPayment(PORTS[(i / 2) % 2]!, orderNo) : deliver(PORTS[((i - 1) / 2) % 2]!, body, headers),
      ),
    );
    const ms = Date.now() - started;
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((_, i) => i % 2 === 0)).toEqual(Array(50).fill(200));
    expect(statuses.filter((_, i) => i % 2 === 1)).toEqual(Array(50).fill(204));
    // A query that lost the per-order lease answers what our database held at that moment.
    for (const r of replies.filter((_, i) => i % 2 === 0))
      expect(["PENDING", "PAID"]).toContain(((await r.json()) as { status: string }).status);

    // The lease is a conditional UPDATE in the shared database: across both processes at most one
    // of the 50 queries reached WeChat.
    const log = await fakeControl<{ method: string; path: string }[]>(fake.url, "/requests");
    const queried = log.filter((r) => r.method === "GET" && r.path.includes(`/out-trade-no/${orderNo}`)).length;
    expect(queried).toBeLessThanOrEqual(1);
    const events = await db.paymentEvent.findMany({ where: { orderNo } });
    expect(events).toHaveLength(50 + queried);
    expect(events.filter((e) => e.source === "QUERY")).toHaveLength(queried);
    expect(events.filter((e) => e.source === "NOTIFY")).toHaveLength(50);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(49 + queried);
    expect((await db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PAID");
    await control("/faults", undefined, "DELETE");
    console.log(`[multi-process] 50 queries + 50 notifications over ${PORTS.length} processes in ${ms} ms`);
  });

  it("20 concurrent full refunds of one sub-order across both processes (distinct Idempotency-Keys): one reaches WeChat", async () => {
    const { orderNo, subs } = await newOrder();
    await control(`/orders/${orderNo}/pay`, {});
    for (let i = 0; i < 100 && (await db.order.findUniqueOrThrow({ where: { orderNo } })).status !== "PAID"; i++)
      await new Promise((r) => setTimeout(r, 100));
    const s = subs[0]!;
    const cookie = `${SESSION_COOKIE}=${createSessionValue(testAppEnv({ wechatpayBaseUrl: "", appBaseUrl: "", databaseUrl: "" }).ADMIN_TOKEN)}`;
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`http://127.0.0.1:${PORTS[i % 2]}/api/admin/orders/${orderNo}/refunds`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: ORIGIN, cookie, "idempotency-key": `multi-${orderNo}-${i}` },
          body: JSON.stringify({ outTradeNo: s.outTradeNo, amountFen: s.amountFen }),
        }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    const refunds = await db.refund.findMany({ where: { outTradeNo: s.outTradeNo } });
    expect(refunds).toHaveLength(1);
    expect((await db.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(s.amountFen);
    const atWechat = (await fakeControl<{ out_trade_no: string }[]>(fake.url, "/refunds")).filter((r) => r.out_trade_no === s.outTradeNo);
    expect(atWechat).toHaveLength(1);
  });

  it("20 checkouts for the last 5 units across both processes: exactly 5 orders, stock 0, the others OUT_OF_STOCK", async () => {
    const sku = `MP-STOCK-${Date.now()}`;
    await db.product.create({ data: { sku, name: "两进程限量商品", priceFen: 990, storeId: "chayu", stock: 5 } });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`http://127.0.0.1:${PORTS[i % 2]}/api/checkout`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: ORIGIN },
          body: JSON.stringify(checkoutBody([{ sku, quantity: 1 }])),
        }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const r of replies.filter((r) => r.status === 409))
      expect(await r.json()).toMatchObject({ code: "OUT_OF_STOCK", items: [{ sku, available: 0 }] });
    expect((await db.product.findUniqueOrThrow({ where: { sku } })).stock).toBe(0);
    expect(await db.orderLine.count({ where: { sku } })).toBe(5);
  });

  it("scheduled jobs over several periods: every expired order closed once (one close call each), every run recorded once", async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => newOrder()));
    const now = Date.now();
    // Deadlines spread over several close-expired periods; the last order is not due for an hour.
    const offsets = [-1000, -1000, 1500, 2500, 3500, 3600_000];
    await Promise.all(
      orders.map((o, i) => db.order.update({ where: { orderNo: o.orderNo }, data: { expiresAt: new Date(now + offsets[i]!) } })),
    );
    const expired = orders.slice(0, 5).map((o) => o.orderNo);
    const deadline = Date.now() + 30_000;
    while ((await db.order.count({ where: { orderNo: { in: expired }, status: "CLOSED" } })) < expired.length) {
      if (Date.now() > deadline) throw new Error("expired orders not closed in time");
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3 * CLOSE_PERIOD_MS)); // a few more periods

    const requests = await fakeControl<{ method: string; path: string; status: number }[]>(fake.url, "/requests");
    const closeCalls = (orderNo: string) =>
      requests.filter((r) => r.method === "POST" && r.path === `/v3/combine-transactions/out-trade-no/${orderNo}/close`);
    expect(orders.map((o) => closeCalls(o.orderNo).map((r) => r.status))).toEqual([[204], [204], [204], [204], [204], []]);
    expect((await db.order.findUniqueOrThrow({ where: { orderNo: orders[5]!.orderNo } })).status).toBe("PENDING");
    for (const orderNo of expired) {
      const events = await db.paymentEvent.findMany({ where: { orderNo, source: "CLOSE" } });
      expect(events.map((e) => e.outcome)).toEqual(["APPLIED"]);
    }

    // Every run of every job recorded once, by one process, never overlapping, one per period.
    const runs = await db.jobRun.findMany({ orderBy: [{ job: "asc" }, { seq: "asc" }] });
    const byJob = new Map<string, typeof runs>();
    for (const r of runs) byJob.set(r.job, [...(byJob.get(r.job) ?? []), r]);
    const period: Record<string, number> = { "close-expired": CLOSE_PERIOD_MS, housekeeping: HOUSEKEEPING_PERIOD_MS };
    for (const [job, list] of byJob) {
      expect(list.map((r) => r.seq)).toEqual(list.map((_, i) => i + 1));
      const finished = list.filter((r) => r.outcome !== "RUNNING");
      expect(
        finished.every((r) => ["OK", "SKIPPED"].includes(r.outcome)),
        JSON.stringify(finished.filter((r) => !["OK", "SKIPPED"].includes(r.outcome))),
      ).toBe(true);
      for (let i = 1; i < finished.length; i++) {
        expect(finished[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(finished[i - 1]!.finishedAt!.getTime());
        if (period[job]) {
          const gap = finished[i]!.scheduledFor.getTime() - finished[i - 1]!.startedAt.getTime();
          expect(gap, JSON.stringify([job, finished[i - 1], finished[i]])).toBe(period[job]);
        }
      }
      // Every take of the lease records its run: those read above, plus any a frequent job (store-messages)
      // took since — its row is written right after the take.
      const lease = await db.jobLease.findUniqueOrThrow({ where: { name: job } });
      expect(lease.runCount).toBeGreaterThanOrEqual(list.length);
      await expect.poll(() => db.jobRun.count({ where: { job, seq: { lte: lease.runCount } } }), { timeout: 2000 }).toBe(lease.runCount);
    }
    expect([...byJob.keys()].sort()).toEqual([
      "auto-deliver",
      "close-expired",
      "daily-reconcile",
      "housekeeping",
      "refund-sync",
      "store-messages",
    ]);
    // The daily bill: one run whatever the time of day (it waits for 10:00, or it fetched yesterday's bill and is done).
    expect(byJob.get("daily-reconcile")).toHaveLength(1);
    expect(requests.filter((r) => r.path.startsWith("/v3/bill/tradebill")).length).toBeLessThanOrEqual(1);
    const closed = byJob
      .get("close-expired")!
      .reduce((n, r) => n + (r.counts ? (JSON.parse(r.counts) as { closed: number }).closed : 0), 0);
    expect(closed).toBe(expired.length);
    expect(byJob.get("close-expired")!.length).toBeGreaterThanOrEqual(5);
    const owners = new Set(runs.map((r) => r.owner.split(":")[1]));
    console.log(
      `[multi-process] ${runs.length} job runs (${[...byJob].map(([j, l]) => `${j} ${l.length}`).join(", ")}) by ${owners.size} process(es)`,
    );
  });

  it("a flash sale over both processes: never more prepays than the budget in a second, the rest 429 then resumed by key — one order, one prepay each", async () => {
    const budgetKey = { startsWith: "wechat-prepay:" };
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20)); // a second of its own
    await db.rateLimitCounter.deleteMany({ where: { key: budgetKey } });
    const prepays = async () =>
      ((await fakeControl(fake.url, "/requests")) as { method: string; path: string; at: string }[]).filter(
        (r) => r.method === "POST" && r.path === "/v3/combine-transactions/h5",
      );
    const before = (await prepays()).length;
    // The budget of this second and the next three is already spent (as if another sale had taken it), so the
    // first wave meets 429s however long a loaded machine takes to serve it; the waves after the pre-spent
    // seconds then pass the budget a second at a time.
    const budgetRow = `wechat-prepay:${testKeys.combineMchid}`;
    const nowSecondMs = Math.floor(Date.now() / 1000) * 1000;
    await db.rateLimitCounter.createMany({
      data: [0, 1, 2, 3].map((i) => ({
        key: budgetRow,
        windowStart: new Date(nowSecondMs + i * 1000),
        count: PREPAY_BUDGET,
        expiresAt: new Date(nowSecondMs + (i + 1) * 1000),
      })),
    });
    const CONCURRENT = 40;
    const keys = Array.from({ length: CONCURRENT }, (_, i) => `flash-sale-${Date.now()}-${i}`);
    const send = (key: string, i: number) =>
      fetch(`http://127.0.0.1:${PORTS[i % 2]}/api/checkout`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: ORIGIN, "idempotency-key": key },
        body: JSON.stringify(checkoutBody([{ sku: "TEA-BC-100", quantity: 1 }])),
      });

    const first = await Promise.all(keys.map(send));
    const refused = first.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(first.every((r) => r.status === 201 || r.status === 429)).toBe(true);
    for (const r of refused) {
      expect(r.headers.get("retry-after")).toBe("1");
      expect(await r.json()).toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 1, reason: "PREPAY_BUDGET" });
    }
    // Every refused shopper retries with its key after Retry-After, like the cart, until admitted.
    const orderNoOf = new Map<string, string>();
    let pending = keys.filter((_, i) => first[i]!.status === 429);
    for (const [i, r] of first.entries()) if (r.status === 201) orderNoOf.set(keys[i]!, ((await r.json()) as { orderNo: string }).orderNo);
    for (let wave = 0; pending.length > 0 && wave < 30; wave++) {
      await new Promise((r) => setTimeout(r, 1000));
      const answers = await Promise.all(pending.map(send));
      const next: string[] = [];
      for (const [i, r] of answers.entries()) {
        if (r.status === 201) orderNoOf.set(pending[i]!, ((await r.json()) as { orderNo: string }).orderNo);
        else {
          expect(r.status).toBe(429);
          next.push(pending[i]!);
        }
      }
      pending = next;
    }
    expect(pending).toEqual([]);

    // One order per key, each prepaid exactly once: as many prepays at WeChat as orders.
    const orders = await db.order.findMany({ where: { checkoutKey: { in: keys } }, select: { orderNo: true, checkoutKey: true } });
    expect(orders).toHaveLength(CONCURRENT);
    for (const o of orders) expect(orderNoOf.get(o.checkoutKey!)).toBe(o.orderNo);
    const calls = (await prepays()).slice(before);
    expect(calls).toHaveLength(CONCURRENT);
    // The database's windows never pass the budget (housekeeping, every 700 ms here, prunes the ended ones: those
    // left are checked); at WeChat, per second, at most the budget plus the requests in flight.
    const windows = await db.rateLimitCounter.findMany({ where: { key: budgetKey } });
    for (const w of windows) expect(w.count).toBeLessThanOrEqual(PREPAY_BUDGET);
    const perSecond = new Map<number, number>();
    for (const c of calls) {
      const second = Math.floor(Date.parse(c.at) / 1000);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    for (const n of perSecond.values()) expect(n).toBeLessThanOrEqual(PREPAY_BUDGET + CONCURRENT);
  }, 90_000);

  it("SIGTERM: both processes finish their runs and release every lease before exiting", async () => {
    const exits = await Promise.all(apps.map((a) => stop(a.child)));
    expect(exits).toEqual([143, 143]); // Next's own exit code after a SIGTERM, not a SIGKILL
    expect(await db.jobRun.count({ where: { outcome: "RUNNING" } })).toBe(0);
    const leases = await db.jobLease.findMany();
    expect(leases.map((l) => [l.name, l.owner, l.leaseUntil])).toEqual(leases.map((l) => [l.name, null, null]));
  });

  async function control(pathname: string, body?: unknown, method?: string): Promise<void> {
    await fakeControl(fake.url, pathname, body, method);
  }
});

async function waitReady(port: number, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start on ${port} exited (${child.exitCode}):\n${log.join("")}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/products`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start on ${port} not ready:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM, SIGKILL after 10 s; resolves to the exit code (null when killed by a signal). */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const code = await exited;
  clearTimeout(t);
  return code;
}
