// npm run bench:peak — a flash sale against two app processes on PostgreSQL and the fake WeChat Pay,
// all on this machine's cores. Two scenarios, each with its correctness check:
//
//  hot   A product with 100 units and 1,000 checkouts of it sent at once, half to each process:
//        exactly 100 orders, 900 × 409 OUT_OF_STOCK, 0 × 5xx, stock 0; p50/p99 printed, and how many
//        PostgreSQL backends were seen waiting on a lock (the stock row) while it ran.
//  peak  The prepay budget (WECHATPAY_PREPAY_MAX_PER_SECOND = --budget) below the fake's own cap
//        (FAKE_WECHATPAY_MAX_QPS = 1.5 × budget), checkouts OFFERED at 2 × the budget for --seconds,
//        open loop (each request sent on its schedule, timed from it): admitted/s, 429s, p50/p99 of the
//        admitted, FREQUENCY_LIMITED seen by the fake (target 0), oversold (target 0), 5xx (target 0).
//
// Flags: --no-build (reuse .next), --only=hot,peak, --budget=25, --seconds=30, --stock-rows=N (default 1):
// the hot product's 100 units kept in N stock rows (lib/catalog/stock.ts; 1 = the product's own row), for
// the before and after of sharding. PostgreSQL: tests/support/postgres.sh on
// PG_TEST_PORT (default 55432), database wcp_bench, reset on every run.
// Always run through `npm run bench:peak` (it takes .data/bench.lock, like npm run bench).
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Pool } from "undici";
import { port } from "../support/ports";
import { checkoutBody } from "../support/checkout-body";
import { fakeRequests, isPrepay } from "./checkout";
import { benchAppEnv, percentile, ROOT, run, sleep, startBenchPostgres, startChild, waitForUrl, type Started } from "./support";

const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
const opt = (name: string, dflt: number) => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt);
const only = new Set((argv.find((a) => a.startsWith("--only="))?.slice(7) ?? "hot,peak").split(","));
const BUDGET = opt("budget", 25);
const SECONDS = opt("seconds", 30);
const FAKE_CAP = Math.ceil(BUDGET * 1.5);
const HOT_UNITS = 100;
const HOT_CHECKOUTS = 1000;
const STOCK_ROWS = opt("stock-rows", 1);
if (!Number.isInteger(STOCK_ROWS) || STOCK_ROWS < 1 || STOCK_ROWS > 32) throw new Error("--stock-rows must be 1–32");

const APP_PORTS = [port(3031), port(3032)];
const FAKE_PORT = port(3131);
const APP_URLS = APP_PORTS.map((p) => `http://127.0.0.1:${p}`);
const FAKE_URL = `http://127.0.0.1:${FAKE_PORT}`;
const HOT_SKU = "TEA-LJ-50";
const PEAK_CART = [
  { sku: "TEA-LJ-50", quantity: 1 },
  { sku: "BAK-TS-01", quantity: 2 },
];
const nextBin = path.join(ROOT, "node_modules/next/dist/bin/next");
const tsxBin = path.join(ROOT, "node_modules/.bin/tsx");
const log = (s: string) => console.error(`bench:peak: ${s}`);
const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : "-");

const servers: Started[] = [];

interface Sample {
  status: number | string;
  code?: string;
  reason?: string;
  ms: number;
}

/** Sends one checkout of `items` to `pool` and reads the answer's code (and reason). `t0`: the time it was due. */
async function send(pool: Pool, origin: string, items: { sku: string; quantity: number }[], t0: number): Promise<Sample> {
  try {
    const res = await pool.request({
      method: "POST",
      path: "/api/checkout",
      headers: {
        "content-type": "application/json",
        origin,
        "idempotency-key": randomBytes(16).toString("base64url"),
        // a shopper of their own (TRUST_PROXY_HOPS=1 below): one client's per-minute row is not what is measured
        "x-forwarded-for": `10.${randomBytes(3).join(".")}`,
      },
      body: JSON.stringify(checkoutBody(items)),
    });
    const text = await res.body.text();
    let body: { code?: string; reason?: string } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, code: body.code, reason: body.reason, ms: performance.now() - t0 };
  } catch (e) {
    return { status: e instanceof Error && "code" in e ? String((e as { code: unknown }).code) : "error", ms: performance.now() - t0 };
  }
}

function pools(connections: number): Pool[] {
  return APP_URLS.map(
    (u) => new Pool(u, { connections, pipelining: 1, keepAliveTimeout: 120_000, headersTimeout: 60_000, bodyTimeout: 60_000 }),
  );
}

/** Opens `n` connections per pool before anything is measured (a loaded server accepts new ones slowly). */
async function warmConnections(ps: Pool[], n: number) {
  await Promise.all(
    ps.flatMap((p) => Array.from({ length: n }, async () => (await p.request({ method: "GET", path: "/api/health" })).body.dump())),
  );
}

const count = (samples: Sample[], f: (s: Sample) => boolean) => samples.filter(f).length;
const is5xx = (s: Sample) => typeof s.status !== "number" || s.status >= 500;

async function main() {
  const t0 = Date.now();
  const { url: pgUrl, port: pgPort } = startBenchPostgres("wcp_bench");
  const env = { ...benchAppEnv({ fakeUrl: FAKE_URL, appUrl: APP_URLS[0]!, databaseUrl: pgUrl }), LOG_LEVEL: "warn", TRUST_PROXY_HOPS: "1" };
  if (!flag("--no-build")) {
    log("next build …");
    await run("npm", ["run", "build"], { env, quiet: true });
  }
  if (!fs.existsSync(path.join(ROOT, ".next/BUILD_ID"))) throw new Error(".next/BUILD_ID missing: build first");
  log(`fresh PostgreSQL database wcp_bench on port ${pgPort} …`);
  await run(process.execPath, ["prisma/migrate.mjs", "reset"], { env, quiet: true });
  await run(tsxBin, ["--conditions=react-server", "prisma/seed.ts"], { env, quiet: true });

  const fake = startChild("fake", tsxBin, ["tests/bench/fake-server.ts"], {
    env: { ...env, FAKE_WECHATPAY_PORT: String(FAKE_PORT) },
    quiet: true,
  });
  servers.push(fake);
  await waitForUrl(`${FAKE_URL}/__fake/requests`, fake);
  process.env.DATABASE_URL = pgUrl;
  const { prisma } = await import("@/lib/db");
  const origin = APP_URLS[0]!;

  /** The fake's per-API cap (FAKE_WECHATPAY_MAX_QPS), null for none. */
  const capFake = async (maxQps: number | null) => {
    const r = await fetch(`${FAKE_URL}/__fake/settings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ maxQps }),
    });
    if (!r.ok) throw new Error(`fake settings: ${r.status}`);
  };
  /** Both app processes with this prepay budget, warmed up (JIT, route modules, each process's pool) on an unlimited product. */
  const startApps = async (budget: number): Promise<Started[]> => {
    const apps = APP_PORTS.map((p) =>
      startChild(`app:${p}`, process.execPath, [nextBin, "start", "-p", String(p), "-H", "127.0.0.1"], {
        env: { ...env, WECHATPAY_PREPAY_MAX_PER_SECOND: String(budget) },
        // Request log lines to a file, not through this process (the load generator's): support.ts startChild.
        quiet: true,
        logFile: path.join(ROOT, `.data/bench-peak-app-${p}.log`),
      }),
    );
    servers.push(...apps);
    await Promise.all(APP_URLS.map((u, i) => waitForUrl(`${u}/api/products`, apps[i])));
    const ps = pools(8);
    await warmConnections(ps, 8);
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        ps.flatMap((p) => Array.from({ length: 8 }, () => send(p, origin, [{ sku: "BAK-TS-01", quantity: 1 }], performance.now()))),
      );
    }
    await Promise.all(ps.map((p) => p.close()));
    await prisma.rateLimitCounter.deleteMany({});
    await sleep(1000);
    return apps;
  };
  const stopApps = async (apps: Started[]) => {
    await Promise.all(apps.map((a) => a.stop()));
    for (const a of apps) servers.splice(servers.indexOf(a), 1);
  };
  const lines: string[] = [];
  const targets: { target: string; value: string; met: boolean }[] = [];
  const results: Record<string, unknown> = { budget: BUDGET, fakeCap: FAKE_CAP, seconds: SECONDS };

  if (only.has("hot")) {
    // The shop's default budget (500 a second) and WeChat's ~600 at the fake: 100 prepays never meet either.
    await capFake(600);
    const apps = await startApps(500);
    log(`hot stock: ${HOT_UNITS} units in ${STOCK_ROWS} stock row(s), ${HOT_CHECKOUTS} checkouts at once over both processes …`);
    const { setStock } = await import("@/lib/catalog/stock");
    await prisma.$transaction((db) => setStock(db, HOT_SKU, HOT_UNITS, STOCK_ROWS));
    const since = new Date();
    const prepaysBefore = (await fakeRequests(FAKE_URL)).filter((e) => isPrepay(e) && e.status === 200).length;
    const ps = pools(HOT_CHECKOUTS / 2);
    await warmConnections(ps, HOT_CHECKOUTS / 2);
    // Lock waits in PostgreSQL while the burst runs: sampled every 20 ms from this process's own connection.
    let sampling = true;
    const lockWaits: number[] = [];
    const sampler = (async () => {
      while (sampling) {
        const [row] = await prisma.$queryRaw<{ waiting: bigint | number }[]>`
          SELECT count(*) AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`;
        lockWaits.push(Number(row?.waiting ?? 0));
        await sleep(20);
      }
    })();
    const start = performance.now();
    const samples = await Promise.all(
      Array.from({ length: HOT_CHECKOUTS }, (_, i) => send(ps[i % 2]!, origin, [{ sku: HOT_SKU, quantity: 1 }], start)),
    );
    const wallMs = performance.now() - start;
    sampling = false;
    await sampler;
    await Promise.all(ps.map((p) => p.close()));

    const created = samples.filter((s) => s.status === 201);
    const outOfStock = count(samples, (s) => s.status === 409 && s.code === "OUT_OF_STOCK");
    const errors5xx = count(samples, is5xx);
    const other = samples.length - created.length - outOfStock - errors5xx;
    const orders = await prisma.orderLine.count({ where: { sku: HOT_SKU, subOrder: { order: { createdAt: { gte: since } } } } });
    // The units left: the product's own column plus its rows (every row checked for ≥ 0 below).
    const rows = await prisma.stockShard.findMany({ where: { sku: HOT_SKU } });
    const stock = (await prisma.product.findUniqueOrThrow({ where: { sku: HOT_SKU } })).stock! + rows.reduce((a, r) => a + r.units, 0);
    const negativeRows = rows.filter((r) => r.units < 0).length;
    const prepays = (await fakeRequests(FAKE_URL)).filter((e) => isPrepay(e) && e.status === 200).length - prepaysBefore;
    const all = samples.map((s) => s.ms).sort((a, b) => a - b);
    const ok = created.map((s) => s.ms).sort((a, b) => a - b);
    const nonZero = lockWaits.filter((n) => n > 0);
    const hot = {
      checkouts: samples.length,
      stockRows: STOCK_ROWS,
      created: created.length,
      outOfStock,
      errors5xx,
      other,
      ordersInDatabase: orders,
      stockLeft: stock,
      prepays,
      wallMs: Math.round(wallMs),
      p50Ms: percentile(all, 50),
      p99Ms: percentile(all, 99),
      createdP50Ms: percentile(ok, 50),
      createdP99Ms: percentile(ok, 99),
      lockWaitSamples: lockWaits.length,
      lockWaitSamplesNonZero: nonZero.length,
      lockWaitMax: Math.max(0, ...lockWaits),
      lockWaitMean: lockWaits.reduce((a, b) => a + b, 0) / Math.max(1, lockWaits.length),
      statuses: Object.fromEntries(
        [...new Set(samples.map((s) => `${s.status}${s.code ? ` ${s.code}` : ""}`))].map((k) => [
          k,
          samples.filter((s) => `${s.status}${s.code ? ` ${s.code}` : ""}` === k).length,
        ]),
      ),
    };
    results.hot = hot;
    lines.push(
      `Hot stock: ${HOT_UNITS} units of ${HOT_SKU} in ${STOCK_ROWS === 1 ? "its own row" : `${STOCK_ROWS} stock rows (--stock-rows)`}, ${HOT_CHECKOUTS} checkouts sent at once, half to each app process (PostgreSQL).`,
    );
    lines.push("");
    lines.push(
      "| 201 | 409 OUT_OF_STOCK | 5xx/errors | other | orders | stock left | prepays | all in | p50 ms | p99 ms | 201 p50 / p99 ms | backends waiting on a lock (samples > 0, max, mean) |",
    );
    lines.push("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    lines.push(
      `| ${hot.created} | ${outOfStock} | ${errors5xx} | ${other} | ${orders} | ${stock} | ${prepays} | ${fmt(wallMs / 1000, 2)} s | ${fmt(hot.p50Ms)} | ${fmt(hot.p99Ms)} | ${fmt(hot.createdP50Ms)} / ${fmt(hot.createdP99Ms)} | ${nonZero.length} of ${lockWaits.length}, ${hot.lockWaitMax}, ${fmt(hot.lockWaitMean, 2)} |`,
    );
    lines.push("");
    targets.push({
      target: `Hot stock: exactly ${HOT_UNITS} orders, ${HOT_CHECKOUTS - HOT_UNITS} × 409 OUT_OF_STOCK, 0 × 5xx, stock 0`,
      value: `${hot.created} × 201 (${orders} orders, ${prepays} prepays), ${outOfStock} × 409, ${errors5xx} × 5xx, stock ${stock}; p99 ${fmt(hot.p99Ms)} ms`,
      met:
        hot.created === HOT_UNITS &&
        orders === HOT_UNITS &&
        prepays === HOT_UNITS &&
        outOfStock === HOT_CHECKOUTS - HOT_UNITS &&
        errors5xx === 0 &&
        stock === 0 &&
        negativeRows === 0,
    });
    await prisma.$transaction((db) => setStock(db, HOT_SKU, null, 1));
    await stopApps(apps);
  }

  if (only.has("peak")) {
    const rate = 2 * BUDGET;
    const amount = rate * SECONDS;
    const STOCK = 1_000_000;
    await capFake(FAKE_CAP);
    const apps = await startApps(BUDGET);
    log(`peak: ${rate}/s offered for ${SECONDS} s (budget ${BUDGET}/s, the fake's cap ${FAKE_CAP}/s) …`);
    await prisma.product.update({ where: { sku: HOT_SKU }, data: { stock: STOCK } });
    await prisma.rateLimitCounter.deleteMany({});
    const since = new Date();
    const fakeBefore = (await fakeRequests(FAKE_URL)).length;
    const ps = pools(64);
    await warmConnections(ps, 16);
    const start = performance.now();
    const inflight: Promise<Sample>[] = [];
    for (let i = 0; i < amount; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inflight.push(send(ps[i % 2]!, origin, PEAK_CART, due));
    }
    const samples = await Promise.all(inflight);
    const wallS = (performance.now() - start) / 1000;
    await Promise.all(ps.map((p) => p.close()));

    const admitted = samples.filter((s) => s.status === 201);
    const budget429 = count(samples, (s) => s.status === 429 && s.reason === "PREPAY_BUDGET");
    const other429 = count(samples, (s) => s.status === 429 && s.reason !== "PREPAY_BUDGET");
    const errors5xx = count(samples, is5xx);
    const fake = (await fakeRequests(FAKE_URL)).slice(fakeBefore);
    const frequencyLimited = fake.filter((e) => e.code === "FREQUENCY_LIMITED").length;
    // Prepays WeChat accepted (a FREQUENCY_LIMITED one is counted apart, and retried by the client).
    const prepays = fake.filter((e) => isPrepay(e) && e.status === 200);
    const perSecond = new Map<number, number>();
    for (const e of prepays) {
      const s = Math.floor(Date.parse((e as { at?: string }).at ?? "") / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    const windows = await prisma.rateLimitCounter.findMany({ where: { key: { startsWith: "wechat-prepay:" } }, select: { count: true } });
    const lines_ = await prisma.orderLine.findMany({
      where: { sku: HOT_SKU, subOrder: { order: { createdAt: { gte: since } } } },
      select: { quantity: true, stockReserved: true },
    });
    const stock = (await prisma.product.findUniqueOrThrow({ where: { sku: HOT_SKU } })).stock!;
    const unitsInOrders = lines_.reduce((n, l) => n + l.quantity, 0);
    const oversold = Math.max(0, unitsInOrders - (STOCK - stock)) + Math.max(0, -stock);
    const sent = await prisma.order.count({ where: { createdAt: { gte: since }, prepayState: "OK" } });
    const ok = admitted.map((s) => s.ms).sort((a, b) => a - b);
    const peak = {
      offeredPerSecond: rate,
      offered: amount,
      admitted: admitted.length,
      admittedPerSecond: admitted.length / wallS,
      budget429,
      other429,
      errors5xx,
      other: samples.length - admitted.length - budget429 - other429 - errors5xx,
      admittedP50Ms: percentile(ok, 50),
      admittedP99Ms: percentile(ok, 99),
      frequencyLimited,
      prepaysAtFake: prepays.length,
      prepaysMaxInOneSecondAtFake: Math.max(0, ...perSecond.values()),
      budgetWindowMax: Math.max(0, ...windows.map((w) => w.count)),
      ordersSent: sent,
      unitsInOrders,
      stockTaken: STOCK - stock,
      oversold,
    };
    results.peak = peak;
    lines.push(
      `Peak: checkouts offered at ${rate}/s (2 × the budget of ${BUDGET}/s) for ${SECONDS} s, open loop over both app processes (PostgreSQL); the fake answers FREQUENCY_LIMITED past ${FAKE_CAP} prepays a second.`,
    );
    lines.push("");
    lines.push(
      "| offered | admitted (201) | admitted/s | 429 PREPAY_BUDGET | other 429 | 5xx/errors | admitted p50 / p99 ms | prepays at the fake (max in a second) | FREQUENCY_LIMITED at the fake | busiest budget window | oversold |",
    );
    lines.push("|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|");
    lines.push(
      `| ${amount} | ${admitted.length} | ${fmt(peak.admittedPerSecond)} | ${budget429} | ${other429} | ${errors5xx} | ${fmt(peak.admittedP50Ms)} / ${fmt(peak.admittedP99Ms)} | ${prepays.length} (${peak.prepaysMaxInOneSecondAtFake}) | ${frequencyLimited} | ${peak.budgetWindowMax} / ${BUDGET} | ${oversold} |`,
    );
    lines.push("");
    targets.push(
      { target: "Peak: FREQUENCY_LIMITED seen by the fake", value: String(frequencyLimited), met: frequencyLimited === 0 },
      {
        target: "Peak: no budget window past the budget",
        value: `${peak.budgetWindowMax} of ${BUDGET}`,
        met: peak.budgetWindowMax <= BUDGET,
      },
      {
        target: "Peak: oversold (units in orders beyond the stock taken)",
        value: `${oversold} (${unitsInOrders} units in orders, stock −${STOCK - stock})`,
        met: oversold === 0 && unitsInOrders === STOCK - stock,
      },
      { target: "Peak: 5xx", value: String(errors5xx), met: errors5xx === 0 },
      {
        target: "Peak: every admitted checkout prepaid once",
        value: `${admitted.length} × 201, ${sent} orders sent, ${prepays.length} prepays at the fake`,
        met: admitted.length === sent && prepays.length === sent,
      },
    );
    await stopApps(apps);
  }

  await prisma.$disconnect();
  await Promise.all(servers.map((s) => s.stop()));

  lines.push("| Target | Measured | Met |");
  lines.push("|---|---|---|");
  for (const t of targets) lines.push(`| ${t.target} | ${t.value} | ${t.met ? "yes" : "**NO**"} |`);
  lines.push("");
  const load = os.loadavg().map((l) => l.toFixed(2));
  lines.push(
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}; load generator, both app processes, the fake and PostgreSQL share these cores. Load average at the end ${load.join(", ")}. Run at ${new Date().toISOString()} in ${((Date.now() - t0) / 1000).toFixed(0)} s.`,
  );
  const table = lines.join("\n");
  console.log(table);
  const outDir = path.join(ROOT, "tests/bench/results");
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(
    path.join(outDir, "peak.json"),
    JSON.stringify({ ranAt: new Date().toISOString(), loadAverage: os.loadavg(), ...results, targets }, null, 2) + "\n",
  );
  fs.writeFileSync(path.join(outDir, "peak.md"), table + "\n");
  if (targets.some((t) => !t.met)) process.exitCode = 3;
}

main().catch(async (e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  await Promise.all(servers.map((s) => s.stop(2000).catch(() => undefined)));
  process.exit(1);
});
