// Abuse of the open endpoints, shared by the SQLite suite (hardening.test.ts) and the
// PostgreSQL suite (postgres/hardening.test.ts): every limit is decided by the database, so the
// same assertions must hold on both.
import { TEST_OWNER } from "../support/admin-actor";
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { eventually, type Harness } from "./harness";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { deliver, newOrder, RACE_CART, wechatQueries } from "./payment-races";
import { checkoutBody } from "../support/checkout-body";
import { paidOrder, refund } from "./refund-helpers";
import { PEER_HEADER, peerStamp } from "@/lib/http/peer-address";
import { withWindowLeft } from "../support/limit-windows";

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

/** Rows in every table (so "no row per request" covers tables we did not think of). */
export async function totalRows(h: Harness): Promise<number> {
  const p = h.prisma;
  const counts = await Promise.all([
    p.order.count(),
    p.subOrder.count(),
    p.orderLine.count(),
    p.paymentEvent.count(),
    p.product.count(),
    p.store.count(),
    p.billImport.count(),
    p.billRow.count(),
    p.junkNotificationCounter.count(),
    p.rateLimitCounter.count(),
    p.revokedAdminSession.count(),
  ]);
  return counts.reduce((a, b) => a + b, 0);
}

async function inBatches<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => fn(i + j)))));
  return out;
}

const randomIp = () => `198.51.100.${1 + (randomBytes(1)[0]! % 250)}` as const;
const uniqueIp = (() => {
  let n = 0;
  const run = randomBytes(1)[0]!;
  return () => `203.0.${run}.${++n}`;
})();

async function fakeCalls(h: Harness, match: (r: { method: string; path: string }) => boolean): Promise<number> {
  return (await h.control<{ method: string; path: string }[]>("/requests")).filter(match).length;
}

/** Headers of a request whose TCP peer is `ip`, as our HTTP server stamps them (TRUST_PROXY_HOPS=0). */
const from = (ip: string) => ({ [PEER_HEADER]: peerStamp(ip) });

const signIn = (h: Harness, token: string, ip: string, extra: Record<string, string> = {}) =>
  h.call("POST", "/api/admin/session", {
    body: new URLSearchParams({ token, next: "/admin" }),
    headers: { ...from(ip), cookie: "", ...extra },
  });
const cronWith = (h: Harness, token: string, ip: string) =>
  h.call("POST", "/api/cron/close-expired", { headers: { authorization: `Bearer ${token}`, ...from(ip) } });

export function hardeningTests(harness: () => Harness) {
  // --- 1. junk notifications ---
  it("1,000 unsigned notifications: all 401, no audit row, only per-minute counter rows", async () => {
    const h = harness();
    const { orderNo, subs } = await newOrder(h);
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const { "wechatpay-signature": _sig, ...unsigned } = signedHeaders(body);
    const { flushJunkCounters } = await import("@/lib/notify/junk");
    await flushJunkCounters();
    const rowsBefore = await totalRows(h);
    const eventsBefore = await h.prisma.paymentEvent.count();
    const replies = await inBatches(1000, 50, () => deliver(h, body, unsigned));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([401]));
    await flushJunkCounters();
    expect(await h.prisma.paymentEvent.count()).toBe(eventsBefore);
    // one bucket per reason per minute: the run may straddle a minute boundary
    expect((await totalRows(h)) - rowsBefore).toBeLessThanOrEqual(2);
    const counted = await h.prisma.junkNotificationCounter.aggregate({
      _sum: { count: true },
      where: { reason: { startsWith: "signature:" } },
    });
    expect(counted._sum.count).toBeGreaterThanOrEqual(1000);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PENDING");
  });

  it("pruneJunkCounters removes buckets older than the cut-off only", async () => {
    const h = harness();
    const { pruneJunkCounters } = await import("@/lib/notify/junk");
    const old = new Date(Date.UTC(2020, 0, 1, 0, 0));
    await h.prisma.junkNotificationCounter.create({ data: { reason: "unexpected", minute: old, count: 3 } });
    expect(await pruneJunkCounters(new Date(Date.UTC(2020, 0, 1, 0, 1)))).toBe(1);
    expect(await h.prisma.junkNotificationCounter.count({ where: { minute: old } })).toBe(0);
  });

  // --- 2. check payment throttling ---
  it("check payment of a PAID order: answered from the database — 0 WeChat calls, no audit row", async () => {
    const h = harness();
    const { orderNo, subs } = await newOrder(h);
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    expect((await deliver(h, body, signedHeaders(body))).status).toBe(204);
    const events = await h.prisma.paymentEvent.count({ where: { orderNo } });
    const replies = await inBatches(200, 50, () => h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie: "" } }));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([200]));
    expect(await replies[0]!.json()).toMatchObject({ status: "PAID", retryAfterSeconds: null });
    expect(await wechatQueries(h, orderNo)).toBe(0);
    expect(await h.prisma.paymentEvent.count({ where: { orderNo } })).toBe(events);
  });

  it("1,000 check payments of a PENDING order: at most one WeChat call per interval, the rest say when to retry", async () => {
    const h = harness();
    const { orderNo } = await newOrder(h);
    const intervalSeconds = 2; // WECHAT_CALL_INTERVAL_SECONDS default
    const started = Date.now();
    const replies = await inBatches(1000, 50, () => h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie: "" } }));
    const elapsedSeconds = (Date.now() - started) / 1000;
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([200]));
    const calls = await wechatQueries(h, orderNo);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(Math.floor(elapsedSeconds / intervalSeconds) + 1);
    // an audit row per WeChat answer, none per request
    expect(await h.prisma.paymentEvent.count({ where: { orderNo, source: "QUERY" } })).toBe(calls);
    const last = replies.at(-1)!;
    const view = (await last.json()) as { status: string; retryAfterSeconds: number };
    expect(view.status).toBe("PENDING");
    expect(view.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(view.retryAfterSeconds).toBeLessThanOrEqual(intervalSeconds);
    expect(last.headers.get("retry-after")).toBe(String(view.retryAfterSeconds));
  });

  it("10 concurrent re-pays of an order with a stale link: one prepay at WeChat, everyone gets that link", async () => {
    const h = harness();
    const { orderNo } = await newOrder(h);
    await h.prisma.order.update({ where: { orderNo }, data: { h5UrlExpiresAt: new Date(Date.now() - 1000), prepayLeaseAt: null } });
    const isPrepay = (r: { method: string; path: string }) => r.method === "POST" && r.path.startsWith("/v3/combine-transactions/h5");
    const before = await fakeCalls(h, isPrepay);
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call("POST", `/api/orders/${orderNo}/pay`)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect((await fakeCalls(h, isPrepay)) - before).toBe(1);
    const urls = new Set(await Promise.all(replies.map(async (r) => ((await r.json()) as { payUrl: string }).payUrl)));
    expect(urls.size).toBe(1);
  });

  it("10 concurrent closes: one close call at WeChat, every answer shows the order closed", async () => {
    const h = harness();
    const { orderNo } = await newOrder(h);
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call("POST", `/api/orders/${orderNo}/close`)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await fakeCalls(h, (r) => r.method === "POST" && r.path.includes(`/out-trade-no/${orderNo}/close`))).toBe(1);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("CLOSED");
  });

  it("the back office's order detail pages its audit log (50 rows a page)", async () => {
    const h = harness();
    const { getAdminOrder, EVENTS_PAGE_SIZE } = await import("@/lib/admin/orders");
    const { orderNo } = await newOrder(h);
    await h.prisma.paymentEvent.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({ orderNo, source: "QUERY", verified: true, outcome: "NO_CHANGE", reason: `row ${i}` })),
    });
    const first = await getAdminOrder(TEST_OWNER, orderNo);
    expect(EVENTS_PAGE_SIZE).toBe(50);
    expect(first.events).toHaveLength(50);
    expect(first.eventsTotal).toBe(120);
    expect(first.eventsPageCount).toBe(3);
    expect((await getAdminOrder(TEST_OWNER, orderNo, 3)).events).toHaveLength(20);
  });

  // --- 3. admin token guessing ---
  it(
    "sign-in: 10 wrong tokens from one IP are refused normally, then 429 with Retry-After — even the right token; other IPs are unaffected",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
      const ip = uniqueIp();
      const wrong = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(h, `wrong-guess-${i}-0123456789abcdef0123`, ip)));
      expect(wrong.map((r) => r.status)).toEqual(Array(10).fill(303));
      const limited = await signIn(h, "wrong-guess-x-0123456789abcdef0123", ip);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(900);
      const right = await signIn(h, ADMIN_TOKEN, ip);
      expect(right.status).toBe(429);
      expect(right.headers.get("set-cookie")).toBeNull();
      const elsewhere = await signIn(h, ADMIN_TOKEN, uniqueIp());
      expect(elsewhere.status).toBe(303);
      expect(elsewhere.headers.get("set-cookie")).toMatch(/^admin_session=v1\./);
    },
  );

  it(
    "sign-in: 50 concurrent wrong tokens from one IP — exactly 10 are evaluated (counted atomically in the database)",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
      const ip = uniqueIp();
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => signIn(h, `concurrent-guess-${i}-0123456789abcdef`, ip)));
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 303)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(40);
    },
  );

  it("the scheduler route counts wrong Bearer tokens per client too (401 ×10, then 429)", { timeout: 60_000 }, async () => {
    const h = harness();
    await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
    const ip = uniqueIp();
    const cron = (token: string) => cronWith(h, token, ip);
    const wrong = await Promise.all(Array.from({ length: 10 }, (_, i) => cron(`bad-bearer-${i}`)));
    expect(wrong.map((r) => r.status)).toEqual(Array(10).fill(401));
    const limited = await cron("bad-bearer-x");
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS", retryAfterSeconds: expect.any(Number) });
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it(
    "without a proxy, a forged X-Forwarded-For buys nothing: 1,000 wrong tokens, 10 evaluated, a bounded number of rows",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
      const ip = uniqueIp();
      const rows = () => h.prisma.rateLimitCounter.count();
      const before = await rows();
      const replies = await inBatches(1000, 50, (i) =>
        signIn(h, `forged-${i}-0123456789abcdef0123`, ip, { "x-forwarded-for": `198.18.${i >> 8}.${i & 255}` }),
      );
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 303)).toHaveLength(10);
      expect(statuses.filter((s) => s === 429)).toHaveLength(990);
      // the client's rungs of growing delays and the all-clients counter: rows per key, not per request
      expect((await rows()) - before).toBeLessThanOrEqual(5);
      const counts = await h.prisma.rateLimitCounter.findMany({ where: { key: { contains: ip } }, select: { count: true } });
      expect(counts.every((c) => c.count <= 80)).toBe(true); // a refused request does not even count
    },
  );

  it("IPv6 clients are keyed by their /64: addresses of one network share one limit", { timeout: 60_000 }, async () => {
    const h = harness();
    await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
    const net = `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}`;
    const replies = [];
    for (let i = 1; i <= 11; i++) replies.push(await signIn(h, `v6-guess-${i}-0123456789abcdef0123`, `${net}::${i.toString(16)}`));
    expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(303), 429]);
    const elsewhere = await signIn(h, ADMIN_TOKEN, `2001:db8:ffff:${randomBytes(2).toString("hex")}::1`);
    expect(elsewhere.status).toBe(303);
  });

  it(
    "the scheduler's Bearer token has its own bucket: a client locked out of sign-in still runs the cron, and back",
    { timeout: 60_000 },
    async () => {
      const h = harness();
      await withWindowLeft(900, 30_000); // ADMIN_AUTH_WINDOW_SECONDS
      const ip = uniqueIp();
      await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(h, `cron-bucket-${i}-0123456789abcdef0123`, ip)));
      expect((await signIn(h, ADMIN_TOKEN, ip)).status).toBe(429);
      expect((await cronWith(h, ADMIN_TOKEN, ip)).status).toBe(200);
      const other = uniqueIp();
      await Promise.all(Array.from({ length: 10 }, (_, i) => cronWith(h, `bad-bearer-${i}`, other)));
      expect((await cronWith(h, ADMIN_TOKEN, other)).status).toBe(429);
      expect((await signIn(h, ADMIN_TOKEN, other)).status).toBe(303);
    },
  );

  it("failures spread over many clients never lock the owner out; past the global mark each client gets only 3", async () => {
    const h = harness();
    const { checkAdminToken, UNDER_ATTACK_FAILURES_PER_CLIENT } = await import("@/lib/admin/token-attempts");
    // A window of its own (a far-future day), so the other tests' failures do not count here.
    const now = new Date(Date.UTC(2031, 0, 1 + (randomBytes(1)[0]! % 200)));
    const attempt = (ip: string, token: string) =>
      checkAdminToken(new Request("http://x/", { headers: from(ip) }), token, ADMIN_TOKEN, "sign-in", now).then(
        (ok) => (ok ? "ok" : "wrong"),
        (e: { code?: string }) => e.code,
      );
    // 190 failures of 19 clients so far in this window (stored as the limiter counts them), then a 20th client fails 10 times
    await h.prisma.rateLimitCounter.create({
      data: { key: "admin-token:all", windowStart: now, expiresAt: new Date(now.getTime() + 900_000), count: 190 },
    });
    const last = uniqueIp();
    for (let i = 0; i < 10; i++) expect(await attempt(last, `spread-${i}-0123456789abcdef0123`)).toBe("wrong");
    // 200 failures in the window (ADMIN_AUTH_MAX_FAILURES_GLOBAL): the owner, from her own address, is let in
    expect(await attempt(uniqueIp(), ADMIN_TOKEN)).toBe("ok");
    // a new attacking address gets UNDER_ATTACK_FAILURES_PER_CLIENT guesses, not 10
    const fresh = uniqueIp();
    const tries = [];
    for (let i = 0; i < 5; i++) tries.push(await attempt(fresh, `fresh-${i}-0123456789abcdef0123`));
    expect(tries).toEqual([
      ...Array(UNDER_ATTACK_FAILURES_PER_CLIENT).fill("wrong"),
      ...Array(5 - UNDER_ATTACK_FAILURES_PER_CLIENT).fill("TOO_MANY_ATTEMPTS"),
    ]);
  });

  it("a client that keeps failing waits longer and longer (15 min, then until the hour is over)", async () => {
    const { checkAdminToken } = await import("@/lib/admin/token-attempts");
    const ip = uniqueIp();
    // 00:00 UTC of a far-future day: the 15-minute, 1-hour, 4-hour and 24-hour windows all start here.
    const t0 = Date.UTC(2032, 0, 1 + (randomBytes(1)[0]! % 200));
    const attempt = (token: string, ms: number) =>
      checkAdminToken(new Request("http://x/", { headers: from(ip) }), token, ADMIN_TOKEN, "sign-in", new Date(t0 + ms)).then(
        (ok) => ({ ok, retryAfterSeconds: 0 }),
        (e: { extra?: { retryAfterSeconds?: number } }) => ({ ok: null, retryAfterSeconds: e.extra?.retryAfterSeconds }),
      );
    for (let i = 0; i < 10; i++) expect((await attempt(`slow-${i}-0123456789abcdef0123`, 0)).ok).toBe(false);
    expect(await attempt(ADMIN_TOKEN, 60_000)).toEqual({ ok: null, retryAfterSeconds: 840 });
    const quarter = 15 * 60_000;
    for (let i = 0; i < 10; i++) expect((await attempt(`slow-b-${i}-0123456789abcdef0123`, quarter)).ok).toBe(false);
    // 20 failures within the hour: refused until the hour's window ends, not just this quarter's
    expect(await attempt(ADMIN_TOKEN, quarter + 60_000)).toEqual({ ok: null, retryAfterSeconds: 2640 });
    expect(await attempt(ADMIN_TOKEN, 2 * quarter)).toEqual({ ok: null, retryAfterSeconds: 1800 });
    expect(await attempt(ADMIN_TOKEN, 4 * quarter)).toEqual({ ok: true, retryAfterSeconds: 0 });
  });

  it("the global limit stops guessing spread over many IPs; pruneRateLimitCounters drops ended windows", async () => {
    const h = harness();
    const { beginAttempt, pruneRateLimitCounters } = await import("@/lib/http/attempt-limiter");
    const key = `test-global-${randomBytes(4).toString("hex")}`;
    const now = new Date();
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        beginAttempt(
          [
            { key: `${key}:ip:${i}`, limit: 10, windowSeconds: 60 },
            { key, limit: 5, windowSeconds: 60 },
          ],
          now,
        ).then(
          () => "ok",
          (e: { code?: string }) => e.code,
        ),
      ),
    );
    expect(tries.filter((t) => t === "ok")).toHaveLength(5);
    expect(tries.filter((t) => t === "TOO_MANY_ATTEMPTS")).toHaveLength(15);
    const later = new Date(now.getTime() + 61_000);
    expect(await pruneRateLimitCounters(later)).toBeGreaterThanOrEqual(21);
    expect(await h.prisma.rateLimitCounter.count({ where: { key: { startsWith: key } } })).toBe(0);
  });

  it("sign-out revokes the session server-side: a copied cookie stops working", async () => {
    const h = harness();
    const res = await signIn(h, ADMIN_TOKEN, uniqueIp());
    const session = /^admin_session=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")![1]!;
    const cookie = `admin_session=${session}`;
    const { orderNo } = await newOrder(h);
    const before = await h.call("POST", `/api/admin/orders/${orderNo}/query`, { headers: { cookie } });
    expect(before.status).toBe(200);
    expect((await h.call("POST", "/api/admin/sign-out", { headers: { cookie } })).status).toBe(303);
    const copied = await h.call("POST", `/api/admin/orders/${orderNo}/query`, { headers: { cookie } });
    expect(copied.status).toBe(401);
    expect(await copied.json()).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("sign-out without a genuine session writes nothing", async () => {
    const h = harness();
    const before = await h.prisma.revokedAdminSession.count();
    const forged = "admin_session=v1.1.2.nonce.forgedmac";
    expect((await h.call("POST", "/api/admin/sign-out", { headers: { cookie: forged } })).status).toBe(303);
    expect(await h.prisma.revokedAdminSession.count()).toBe(before);
  });

  // --- 4. buyer binding ---
  it("close and re-pay need the buyer cookie of the browser that created the order; view and check payment do not", async () => {
    const h = harness();
    const { orderNo } = await newOrder(h);
    const otherBuyer = `buyer_id=${randomBytes(32).toString("base64url")}`;
    for (const cookie of ["", otherBuyer]) {
      for (const action of ["close", "pay"]) {
        const res = await h.call("POST", `/api/orders/${orderNo}/${action}`, { headers: { cookie } });
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ code: "NOT_ORDER_BUYER", message: expect.any(String) });
      }
      expect((await h.call("GET", `/api/orders/${orderNo}`, { headers: { cookie } })).status).toBe(200);
      expect((await h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie } })).status).toBe(200);
    }
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PENDING");
    expect((await h.call("POST", `/api/orders/${orderNo}/pay`)).status).toBe(200);
    expect((await h.call("POST", `/api/orders/${orderNo}/close`)).status).toBe(200);
  });

  it("WeChat's transaction ids and where a refund went are shown to the buyer's browser only (view, check payment)", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h); // the harness's cookie jar is the buyer's browser
    const s = subs[1]!;
    const created = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 40 });
    const { refundNo } = ((await created.json()) as { refund: { refundNo: string } }).refund;
    // The fake sends an ABNORMAL refund that later succeeds to the shopper's bank card.
    await h.control(`/refunds/${refundNo}/result`, { status: "abnormal" });
    await eventually(async () => (await h.prisma.refund.findUniqueOrThrow({ where: { refundNo } })).status === "ABNORMAL");
    await h.control(`/refunds/${refundNo}/result`, { status: "success" });
    await eventually(async () => (await h.prisma.refund.findUniqueOrThrow({ where: { refundNo } })).status === "SUCCESS");
    const card = (await h.prisma.refund.findUniqueOrThrow({ where: { refundNo } })).userReceivedAccount!;
    expect(card).toMatch(/\d{4}$/);
    type View = { subOrders: { transactionId?: string; refunds: { text: string }[] }[] };

    const mine = (await (await h.call("GET", `/api/orders/${orderNo}`)).json()) as View;
    expect(mine.subOrders.map((x) => x.transactionId)).toEqual(subs.map((x) => x.transactionId));
    expect(mine.subOrders[1]!.refunds[0]!.text).toBe(`已退款 ¥0.40，退回${card}`);

    const otherBuyer = `buyer_id=${randomBytes(32).toString("base64url")}`;
    for (const cookie of ["", otherBuyer]) {
      for (const res of [
        await h.call("GET", `/api/orders/${orderNo}`, { headers: { cookie } }),
        await h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie } }),
      ]) {
        expect(res.status).toBe(200);
        const text = await res.text();
        const view = JSON.parse(text) as View;
        expect(view.subOrders).toHaveLength(subs.length);
        for (const sub of view.subOrders) expect(sub).not.toHaveProperty("transactionId");
        expect(view.subOrders[1]!.refunds[0]!.text).toBe("已退款 ¥0.40，退回原支付账户");
        for (const secret of [...subs.map((x) => x.transactionId!), card, card.slice(-4)]) expect(text).not.toContain(secret);
      }
    }
  });

  it("checkout sets an httpOnly, SameSite=Lax buyer cookie and keeps the browser's existing one", async () => {
    const h = harness();
    const first = await h.call("POST", "/api/checkout", { json: RACE_CART, headers: { cookie: "" } });
    const set = first.headers.get("set-cookie")!;
    expect(set).toMatch(/^buyer_id=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax/);
    const id = /^buyer_id=([^;]+)/.exec(set)![1]!;
    const second = await h.call("POST", "/api/checkout", { json: RACE_CART, headers: { cookie: `buyer_id=${id}` } });
    expect(second.headers.get("set-cookie")).toContain(`buyer_id=${id};`);
  });

  // --- 6. idempotency key reuse ---
  it("an Idempotency-Key reused with a different cart → 422 IDEMPOTENCY_KEY_REUSED, never the first order", async () => {
    const h = harness();
    const key = `reuse-${randomBytes(6).toString("hex")}`;
    const { orderNo } = await newOrder(h, key);
    const other = checkoutBody([
      { sku: "TEA-BC-100", quantity: 2 },
      { sku: "BAK-CK-02", quantity: 1 },
    ]);
    const res = await h.call("POST", "/api/checkout", { json: other, headers: { "idempotency-key": key } });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", message: expect.any(String) });
    // the same cart in another item order is the same cart
    const same = { ...RACE_CART, items: [...RACE_CART.items].reverse() };
    const again = await h.call("POST", "/api/checkout", { json: same, headers: { "idempotency-key": key } });
    expect(again.status).toBe(201);
    expect(((await again.json()) as { orderNo: string }).orderNo).toBe(orderNo);
  });

  // --- 5. body caps ---
  it("a 10 MB notification body → 413 {code, message}; the stream is read no further than the 64 KB cap", async () => {
    const h = harness();
    const chunk = new Uint8Array(16 * 1024).fill(0x61);
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (pulled >= 10 * 1024 * 1024) return c.close();
        pulled += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    const res = await h.call("POST", "/api/wechatpay/notify", {
      body: stream,
      headers: { "content-type": "application/json", origin: "" },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.any(String) });
    expect(pulled).toBeLessThanOrEqual(64 * 1024 + 3 * chunk.byteLength);
  });

  it("a declared Content-Length over the cap → 413 before any byte is read; checkout and sign-in are capped too", async () => {
    const h = harness();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 1;
        c.enqueue(new Uint8Array(1024));
      },
    });
    const res = await h.call("POST", "/api/wechatpay/notify", {
      body: stream,
      headers: { "content-length": String(200 * 1024 * 1024), origin: "" },
    });
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(1); // a ReadableStream may pre-pull one chunk into its queue
    const bigCart = JSON.stringify({ ...RACE_CART, pad: "x".repeat(100 * 1024) });
    const checkout = await h.call("POST", "/api/checkout", { body: bigCart, headers: { "content-type": "application/json" } });
    expect(checkout.status).toBe(413);
    expect(await checkout.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    const form = new URLSearchParams({ token: "x".repeat(100 * 1024) });
    expect((await h.call("POST", "/api/admin/session", { body: form, headers: { "x-forwarded-for": randomIp() } })).status).toBe(413);
  });
}
