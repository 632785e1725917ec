// Runs the abuse scenarios against the open endpoints (the same ones tests/integration/hardening.ts
// asserts) on the BUILT app (`next start`, production mode, SQLite) and the fake WeChat Pay, and prints
// the memory and request figures that show the limits hold under load. Not a test (it measures memory
// and counts over thousands of requests): run it after `npm run build`.
//   TEST_PORT_OFFSET=… npm run bench:attacks                 every attack
//   TEST_PORT_OFFSET=… npm run bench:attacks -- checkout-flood cart-drafts   only the named ones (see NAMED_ATTACKS)
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fakeControl } from "../fake-wechatpay/control-client";
import { port } from "../support/ports";
import { checkoutBody } from "../support/checkout-body";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { TEST_CLIENT_LIMITS } from "../support/test-identity";
import { benchAppEnv, percentile, load, ROOT, run, startChild, waitForUrl, type Started } from "./support";
import { slowLargeUploads } from "./slow-uploads";

const APP_URL = `http://127.0.0.1:${port(3031)}`;
const FAKE_URL = `http://127.0.0.1:${port(3131)}`;
const DB_URL = "file:./.data/attacks.db";
const env = benchAppEnv({ fakeUrl: FAKE_URL, appUrl: APP_URL, databaseUrl: DB_URL });
// The attacks meet the production limits, not the high ones the other benches and suites use.
for (const name of Object.keys(TEST_CLIENT_LIMITS)) delete (env as Record<string, string | undefined>)[name];
const results: Record<string, unknown> = {};

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The next-server process: `next start` may serve from a child process; take the largest RSS in the group. */
function appRssMb(app: Started): number {
  const pids = fs
    .readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")[2] === String(app.child.pid);
      } catch {
        return false;
      }
    });
  return Math.max(
    ...[app.child.pid!, ...pids].map((p) => {
      try {
        return rssMb(p);
      } catch {
        return 0;
      }
    }),
  );
}

function postRaw(urlPath: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(urlPath, APP_URL);
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { ...headers, "content-length": String(body.length) } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(-1));
    req.end(body);
  });
}

/** One request from a chosen local address: 127.0.0.2 is "another shopper" to an app that sees 127.0.0.1 otherwise. */
function send(
  urlPath: string,
  opts: { method?: string; body?: string; headers?: Record<string, string>; from?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(urlPath, APP_URL);
    const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? "POST",
        localAddress: opts.from,
        headers: { origin: APP_URL, ...(body ? { "content-length": String(body.length) } : {}), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const OTHER_CLIENT = "127.0.0.2";
const JSON_TYPE = { "content-type": "application/json" };
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";
let forgedIps = 0;
/** A different made-up X-Forwarded-For for every request (with TRUST_PROXY_HOPS=0 it must buy nothing). */
const forgedIp = () => `198.18.${(++forgedIps >> 8) & 255}.${forgedIps & 255}`;
const statusesOf = (xs: { status: number }[]) => {
  const out: Record<string, number> = {};
  for (const x of xs) out[x.status] = (out[x.status] ?? 0) + 1;
  return out;
};

interface AttackContext {
  prisma: typeof import("@/lib/db").prisma;
  totalRows(): Promise<number>;
}

const isPrepay = (r: { method: string; path: string }) => r.method === "POST" && r.path.startsWith("/v3/combine-transactions/h5");
const fakeCalls = async (match: (r: { method: string; path: string }) => boolean) =>
  (await fakeControl<{ method: string; path: string }[]>(FAKE_URL, "/requests")).filter(match).length;

/**
 * The attacks added for the open checkout and its limits. Each starts with empty limiter windows
 * (RateLimitCounter rows from an earlier attack would otherwise decide it) and reports what one
 * client managed to create, reserve or write.
 */
const NAMED_ATTACKS: Record<string, (c: AttackContext) => Promise<unknown>> = {
  /** 300 checkouts from one client (no cookie, a forged X-Forwarded-For each), 16 at a time. */
  async "checkout-flood"({ prisma, totalRows }) {
    const cart = JSON.stringify({ items: [{ sku: "TEA-BC-100", quantity: 1 }] });
    const [orders0, rows0, prepays0] = [await prisma.order.count(), await totalRows(), await fakeCalls(isPrepay)];
    const flood = await load({
      url: APP_URL,
      connections: 16,
      amount: 300,
      expectStatus: 201,
      warmPath: "/api/products",
      next: () => ({
        method: "POST",
        path: "/api/checkout",
        headers: { origin: APP_URL, ...JSON_TYPE, "x-forwarded-for": forgedIp() },
        body: cart,
      }),
    });
    const created = (await prisma.order.count()) - orders0;
    const rowsAdded = (await totalRows()) - rows0;
    const prepays = (await fakeCalls(isPrepay)) - prepays0;
    const otherShopper = await send("/api/checkout", { body: cart, headers: JSON_TYPE, from: OTHER_CLIENT });
    // One browser (its buyer_id cookie) checking out again and again from yet another address.
    const first = await send("/api/checkout", { body: cart, headers: JSON_TYPE, from: "127.0.0.3" });
    const cookie = /^buyer_id=[^;]+/.exec(String(first.headers["set-cookie"] ?? ""))?.[0] ?? "";
    const again = [];
    for (let i = 0; i < 9; i++)
      again.push(await send("/api/checkout", { body: cart, headers: { ...JSON_TYPE, cookie }, from: "127.0.0.3" }));
    return {
      sent: 300,
      statuses: flood.statuses,
      durationS: Number(flood.durationS.toFixed(2)),
      ordersCreated: created,
      wechatPrepays: prepays,
      rowsAdded,
      otherShopperStatus: otherShopper.status,
      sameBrowserTenCheckouts: statusesOf([first, ...again]),
    };
  },

  /** One client reserving a stock-limited product: 10 × 99 units at once, then as many 10-unit carts as it is let. */
  async "stock-hoarding"({ prisma }) {
    const sku = "STA-PEN-3";
    await prisma.product.update({ where: { sku }, data: { stock: 1000 } });
    const big = JSON.stringify({ items: [{ sku, quantity: 99 }] });
    const t0 = performance.now();
    const bigOnes = await Promise.all(Array.from({ length: 10 }, () => send("/api/checkout", { body: big, headers: JSON_TYPE })));
    const bigMs = performance.now() - t0;
    const afterBig = (await prisma.product.findUniqueOrThrow({ where: { sku } })).stock!;
    const small = JSON.stringify({ items: [{ sku, quantity: 10 }] });
    const smallOnes = [];
    for (let i = 0; i < 30; i++) smallOnes.push(await send("/api/checkout", { body: small, headers: JSON_TYPE }));
    const left = (await prisma.product.findUniqueOrThrow({ where: { sku } })).stock!;
    const otherShopper = await send("/api/checkout", {
      body: JSON.stringify({ items: [{ sku, quantity: 1 }] }),
      headers: JSON_TYPE,
      from: OTHER_CLIENT,
    });
    return {
      stock: 1000,
      ninetyNineUnitCarts: { sent: 10, statuses: statusesOf(bigOnes), ms: Math.round(bigMs), unitsReserved: 1000 - afterBig },
      tenUnitCarts: { sent: 30, statuses: statusesOf(smallOnes), unitsReserved: afterBig - left },
      unitsLeftForOthers: left,
      otherShopperStatus: otherShopper.status,
    };
  },

  /** 1,000 wrong sign-ins from one client with a forged X-Forwarded-For each; then the right token elsewhere. */
  async "limiter-rows"({ prisma }) {
    const rows0 = await prisma.rateLimitCounter.count();
    const form = new URLSearchParams({ token: "wrong-token-guess-0123456789abcdef", next: "/admin" }).toString();
    const guesses = await load({
      url: APP_URL,
      connections: 32,
      amount: 1000,
      expectStatus: 429,
      warmPath: "/api/products",
      next: () => ({
        method: "POST",
        path: "/api/admin/session",
        headers: { origin: APP_URL, "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": forgedIp() },
        body: form,
      }),
    });
    const rowsAdded = (await prisma.rateLimitCounter.count()) - rows0;
    const token = env.ADMIN_TOKEN;
    const rightForm = new URLSearchParams({ token, next: "/admin" }).toString();
    const ownerElsewhere = await send("/api/admin/session", {
      body: rightForm,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      from: OTHER_CLIENT,
    });
    const cronSameAddress = await send("/api/cron/close-expired", { headers: { authorization: `Bearer ${token}` } });
    return {
      sent: 1000,
      statuses: guesses.statuses,
      rateLimitRowsAdded: rowsAdded,
      rightTokenFromAnotherClient: ownerElsewhere.status,
      cronBearerFromTheSameClient: cronSameAddress.status,
    };
  },

  /** 200 in-app (WeChat) checkouts of different carts from one client, then one real WeChat shopper elsewhere. */
  async "cart-drafts"({ prisma }) {
    const drafts0 = await prisma.cartDraft.count();
    const cartOf = (i: number) =>
      JSON.stringify({
        items: [
          { sku: "TEA-LJ-50", quantity: 1 + (i % 99) },
          { sku: "BAK-TS-01", quantity: 1 + Math.floor(i / 99) },
        ],
      });
    const replies = [];
    const t0 = performance.now();
    for (let i = 0; i < 200; i += 20) {
      replies.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, k) =>
            send("/api/checkout", { body: cartOf(i + k), headers: { ...JSON_TYPE, "user-agent": WECHAT_UA } }),
          ),
        )),
      );
    }
    const ms = performance.now() - t0;
    const created = (await prisma.cartDraft.count()) - drafts0;
    const next = await send("/api/checkout", {
      body: JSON.stringify({ items: [{ sku: "BAK-CK-02", quantity: 1 }] }),
      headers: { ...JSON_TYPE, "user-agent": WECHAT_UA },
      from: OTHER_CLIENT,
    });
    return {
      sent: 200,
      ms: Math.round(ms),
      statuses: statusesOf(replies),
      draftsCreated: created,
      nextWechatShopper: { status: next.status, code: (JSON.parse(next.text) as { code?: string }).code },
    };
  },
};

async function runNamed(names: string[], ctx: AttackContext) {
  for (const name of names) {
    const attack = NAMED_ATTACKS[name];
    if (!attack) throw new Error(`unknown attack "${name}" (named attacks: ${Object.keys(NAMED_ATTACKS).join(", ")})`);
    await ctx.prisma.rateLimitCounter.deleteMany();
    results[name] = await attack(ctx);
  }
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, ".next/BUILD_ID"))) throw new Error("run `npm run build` first");
  const tsx = path.join(ROOT, "node_modules/.bin/tsx");
  await run(process.execPath, ["prisma/migrate.mjs", "reset"], { env, quiet: true });
  await run(tsx, ["--conditions=react-server", "prisma/seed.ts"], { env, quiet: true });
  const fake = startChild("fake", tsx, ["tests/bench/fake-server.ts"], {
    env: { ...env, FAKE_WECHATPAY_PORT: String(port(3131)) },
    quiet: true,
  });
  const app = startChild(
    "app",
    process.execPath,
    [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port(3031)), "-H", "127.0.0.1"],
    { env, quiet: true },
  );
  try {
    await Promise.all([waitForUrl(`${FAKE_URL}/__fake/requests`, fake), waitForUrl(`${APP_URL}/api/products`, app)]);
    process.env.DATABASE_URL = DB_URL;
    const { prisma } = await import("@/lib/db");
    const totalRows = async () =>
      (
        await Promise.all([
          prisma.order.count(),
          prisma.subOrder.count(),
          prisma.orderLine.count(),
          prisma.paymentEvent.count(),
          prisma.billImport.count(),
          prisma.billRow.count(),
          prisma.junkNotificationCounter.count(),
          prisma.rateLimitCounter.count(),
          prisma.revokedAdminSession.count(),
        ])
      ).reduce((a, b) => a + b, 0);
    const selected = process.argv.slice(2);
    if (selected.length) {
      await runNamed(selected, { prisma, totalRows });
      console.log(JSON.stringify(results, null, 2));
      await prisma.$disconnect();
      return;
    }
    const wechatCalls = async (orderNo: string) =>
      (await fakeControl<{ method: string; path: string }[]>(FAKE_URL, "/requests")).filter(
        (r) => r.method === "GET" && r.path.includes(`/out-trade-no/${orderNo}`),
      ).length;
    const checkout = async () => {
      const r = await fetch(`${APP_URL}/api/checkout`, {
        method: "POST",
        headers: { origin: APP_URL, "content-type": "application/json" },
        body: JSON.stringify(
          checkoutBody([
            { sku: "TEA-BC-100", quantity: 1 },
            { sku: "BAK-CK-02", quantity: 1 },
          ]),
        ),
      });
      if (r.status !== 201) throw new Error(`checkout ${r.status}`);
      const { orderNo } = (await r.json()) as { orderNo: string };
      return { orderNo, subs: await prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } }) };
    };

    // 1. 10,000 unsigned notifications
    const o1 = await checkout();
    const body = notificationBody(JSON.stringify(combineTransaction(o1.orderNo, o1.subs)));
    const { "wechatpay-signature": _s, ...unsigned } = signedHeaders(body);
    const rowsBefore = await totalRows();
    const junk = await load({
      url: APP_URL,
      connections: 32,
      amount: 10_000,
      expectStatus: 401,
      next: () => ({ method: "POST", path: "/api/wechatpay/notify", headers: unsigned, body }),
    });
    await new Promise((r) => setTimeout(r, 1500)); // the junk counters flush once a second
    results.unsignedNotifications = { sent: 10_000, statuses: junk.statuses, rps: junk.rps, rowsAdded: (await totalRows()) - rowsBefore };

    // 2. 1,000 check payments of a PAID order
    const o2 = await checkout();
    const paidBody = notificationBody(JSON.stringify(combineTransaction(o2.orderNo, o2.subs)));
    const paid = await fetch(`${APP_URL}/api/wechatpay/notify`, { method: "POST", headers: signedHeaders(paidBody), body: paidBody });
    const q = (orderNo: string) => ({ method: "POST" as const, path: `/api/orders/${orderNo}/query`, headers: { origin: APP_URL } });
    const paidRun = await load({ url: APP_URL, connections: 32, amount: 1000, expectStatus: 200, next: () => q(o2.orderNo) });
    results.queriesOfPaidOrder = {
      notify: paid.status,
      statuses: paidRun.statuses,
      wechatQueries: await wechatCalls(o2.orderNo),
      auditRows: await prisma.paymentEvent.count({ where: { orderNo: o2.orderNo } }),
    };

    // 3. 1,000 check payments of a PENDING order
    const o3 = await checkout();
    const t0 = Date.now();
    const pendingRun = await load({ url: APP_URL, connections: 32, amount: 1000, expectStatus: 200, next: () => q(o3.orderNo) });
    const elapsedS = (Date.now() - t0) / 1000;
    results.queriesOfPendingOrder = {
      statuses: pendingRun.statuses,
      elapsedS: Number(elapsedS.toFixed(2)),
      intervalS: 2,
      wechatQueries: await wechatCalls(o3.orderNo),
      allowedByInterval: Math.floor(elapsedS / 2) + 1,
      auditRows: await prisma.paymentEvent.count({ where: { orderNo: o3.orderNo } }),
    };

    // 4. 1,000 wrong admin tokens from one IP
    const form = new URLSearchParams({ token: "wrong-token-guess-0123456789abcdef", next: "/admin" }).toString();
    const guess = await load({
      url: APP_URL,
      connections: 32,
      amount: 1000,
      expectStatus: 429,
      next: () => ({
        method: "POST",
        path: "/api/admin/session",
        headers: { origin: APP_URL, "content-type": "application/x-www-form-urlencoded" },
        body: form,
      }),
    });
    results.wrongAdminTokens = { sent: 1000, statuses: guess.statuses };

    // 5. 10 MB notification bodies
    const rss0 = appRssMb(app);
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const one = await postRaw("/api/wechatpay/notify", big, { "content-type": "application/json" });
    const ten = await Promise.all(
      Array.from({ length: 10 }, () => postRaw("/api/wechatpay/notify", big, { "content-type": "application/json" })),
    );
    const rss1 = appRssMb(app);
    results.tenMegabyteBodies = {
      single: one,
      concurrent10: ten,
      rssBeforeMb: Math.round(rss0),
      rssAfterMb: Math.round(rss1),
      growthMb: Math.round(rss1 - rss0),
    };
    // 6. A 20,000-row trade bill imported by another process (`npm run bills:reconcile`) while the app
    // takes writes: every verified notification writes an audit row, so each one needs SQLite's write
    // lock. The figure is the latency those writes see while the import runs, next to before it.
    const o6 = await checkout();
    const o6Body = notificationBody(JSON.stringify(combineTransaction(o6.orderNo, o6.subs)));
    const notify = async () => {
      const t = performance.now();
      const status = await postRaw("/api/wechatpay/notify", Buffer.from(o6Body), signedHeaders(o6Body));
      return { status, ms: performance.now() - t };
    };
    const { now } = await fakeControl<{ now: string }>(FAKE_URL, "/clock");
    const billDate = new Date(Date.parse(now) + 8 * 3600_000).toISOString().slice(0, 10);
    const BILL_ROWS = 20_000;
    for (let i = 0; i < BILL_ROWS; i += 2_000) {
      const extraRows = Array.from({ length: 2_000 }, (_, k) => ({
        bill_date: billDate,
        out_trade_no: `BENCHBILL${i + k}`,
        amount_fen: 100,
      }));
      await fakeControl(FAKE_URL, "/bills/overrides", { extraRows });
    }
    // The bill of a day is served from 10:00 Beijing time the next day.
    const availableAt = Date.parse(`${billDate}T10:00:30+08:00`) + 86_400_000;
    await fakeControl(FAKE_URL, "/clock", { advanceSeconds: Math.ceil((availableAt - Date.parse(now)) / 1000) });
    const idle: { status: number; ms: number }[] = [];
    for (let i = 0; i < 200; i++) idle.push(await notify());
    const importStart = performance.now();
    const importer = run(tsx, ["--conditions=react-server", "lib/cli/reconcile.ts", billDate], { env, quiet: true, okCodes: [1] });
    let importing = true;
    // exit 1 = differences found: the 20,000 rows are unknown to us, as intended
    const imported = importer.finally(() => (importing = false));
    const during: { status: number; ms: number }[] = [];
    while (importing) during.push(await notify());
    await imported;
    const importMs = performance.now() - importStart;
    const summarize = (xs: { status: number; ms: number }[]) => {
      const ms = xs.map((x) => x.ms).sort((a, b) => a - b);
      const pick = (p: number) => Math.round(percentile(ms, p) * 10) / 10;
      const statuses: Record<string, number> = {};
      for (const x of xs) statuses[x.status] = (statuses[x.status] ?? 0) + 1;
      return { requests: xs.length, statuses, p50Ms: pick(50), p99Ms: pick(99), maxMs: pick(100) };
    };
    results.writesDuringBillImport = {
      billRows: BILL_ROWS,
      storedRows: await prisma.billRow.count({ where: { billImport: { billDate } } }),
      importProcessMs: Math.round(importMs),
      beforeImport: summarize(idle),
      duringImport: summarize(during),
    };

    // 7. Slow large uploads: 40 clients stall near the end of a 9.5 MB body to checkout, one trickles.
    results.slowLargeUploads = await slowLargeUploads(APP_URL, () => appRssMb(app));

    // 8–11. The checkout attacks (flood, stock hoarding, limiter rows, cart drafts).
    await runNamed(Object.keys(NAMED_ATTACKS), { prisma, totalRows });

    console.log(JSON.stringify(results, null, 2));
    await prisma.$disconnect();
  } finally {
    await Promise.all([app.stop(), fake.stop()]);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
