// npm run bench:export — the order export (GET /api/admin/orders/export) over 100,000 paid sub-orders
// (50,000 orders × 2 stores) in a fresh, migrated SQLite database, and in PostgreSQL too when
// TEST_DATABASE_URL_PG is set. The rows are bulk-inserted directly (multi-row INSERTs, no checkout).
// Each export runs in a fresh process that does nothing else, so its peak RSS is the export's own: it
// reads the export's stream (what the route answers with) to the end and prints rows, seconds, bytes,
// its peak RSS, and the live heap (after full collections) the export held at most. Run at 20,000 and
// then 100,000 rows: memory is bounded when the figures do not grow with the rows.
// Target (README "Delivery and fulfilment" → "Export"): 100,000 rows in < 10 s. The CPU time is printed
// too: on a shared machine the wall clock also counts the time other processes had the cores.
import { execFileSync } from "node:child_process";
import { testAppEnv } from "../support/test-identity";
import { collectGarbage as gc, onEveryDatabase, ROOT } from "./support";

const ORDERS = 50_000;
const SUBS_PER_ORDER = 2;
const DAY = "2026-03-15";
const MB = 1024 * 1024;

/**
 * Multi-row INSERTs (500 rows a statement) through the app's Prisma client, with the values as bound
 * parameters, so dates are stored exactly as the app stores them on either database. Far faster than
 * createMany through the driver adapter (which took minutes for 100,000 rows here).
 */
async function insertRows(table: string, rows: Record<string, unknown>[]) {
  const { prisma, isPostgresUrl } = await import("../../lib/db");
  const pg = isPostgresUrl(process.env.DATABASE_URL!);
  const cols = Object.keys(rows[0]!);
  for (let at = 0; at < rows.length; at += 500) {
    const batch = rows.slice(at, at + 500);
    let n = 0;
    const values = batch.map(() => `(${cols.map(() => (pg ? `$${++n}` : "?")).join(",")})`).join(",");
    const sql = `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(",")}) VALUES ${values}`;
    await prisma.$executeRawUnsafe(sql, ...batch.flatMap((r) => cols.map((c) => r[c])));
  }
}

async function seed(ordersWanted: number) {
  const { prisma } = await import("../../lib/db");
  const stores = ["bench-a", "bench-b"];
  if ((await prisma.store.count({ where: { id: { in: stores } } })) === 0) {
    await prisma.store.createMany({
      data: stores.map((id, i) => ({
        id,
        name: `基准店铺${i + 1}`,
        subMchid: String(1_870_000_000 + i),
        deliveryMethods: "SHIPPING,PICKUP",
      })),
    });
  }
  const have = await prisma.order.count();
  const paidBase = new Date(`${DAY}T00:00:00+08:00`).getTime();
  const CHUNK = 5_000;
  for (let start = have; start < ordersWanted; start += CHUNK) {
    const n = Math.min(CHUNK, ordersWanted - start);
    const orders: Record<string, unknown>[] = [];
    const subs: Record<string, unknown>[] = [];
    for (let i = start; i < start + n; i++) {
      const orderNo = `C260315${String(i).padStart(10, "0")}BN`;
      const paidAt = new Date(paidBase + ((i * 1_711) % 86_000) * 1000);
      orders.push({
        orderNo,
        status: "PAID",
        mode: "partner",
        combineMchid: "1900000109",
        combineAppid: "wxd930ea5d5a258f4f",
        totalFen: 12_345 * SUBS_PER_ORDER,
        payerIp: "127.0.0.1",
        expiresAt: paidAt,
        prepayState: "SENT",
        paidAt,
        createdAt: paidAt,
        updatedAt: paidAt,
        contactName: i % 97 === 0 ? "=HYPERLINK(1)" : `顾客${i % 1000}`,
        contactPhone: `138${String(i % 1e8).padStart(8, "0")}`,
        addressProvince: "浙江省",
        addressCity: "杭州市",
        addressDistrict: "西湖区",
        addressDetail: `文三路 ${i % 500} 号, "${i % 7}" 幢 ${i % 30} 室`,
        addressPostalCode: "310012",
      });
      for (let p = 1; p <= SUBS_PER_ORDER; p++) {
        const shipped = p === 1 && i % 3 === 0;
        subs.push({
          outTradeNo: `${orderNo}-${p}`,
          orderNo,
          storeId: stores[p - 1]!,
          position: p,
          mchid: "1900000109",
          subMchid: String(1_870_000_000 + p - 1),
          amountFen: 12_345,
          description: "基准商品",
          attach: "bench",
          tradeState: "SUCCESS",
          transactionId: `42000${String(i).padStart(12, "0")}${p}`,
          successTime: paidAt,
          refundedFen: i % 50 === 0 ? 1_000 : 0,
          deliveryMethod: p === 1 ? "SHIPPING" : "PICKUP",
          fulfilmentStatus: shipped ? "SHIPPED" : "UNFULFILLED",
          carrier: shipped ? "顺丰" : null,
          trackingNo: shipped ? `SF${String(i).padStart(12, "0")}` : null,
          pickupCode: p === 1 ? null : String(100_000 + (i % 900_000)),
        });
      }
    }
    await insertRows("Order", orders);
    await insertRows("SubOrder", subs);
  }
}

/** Reads the export to the end; `onChunk` sees every chunk. Returns rows (CRLF-terminated lines − header) and bytes. */
async function readExport(onChunk: () => void = () => {}) {
  // The route's own code after the session check (next/navigation, which the guard imports, does not load
  // outside Next.js): the same query parsing, the same stream, wrapped in a Response as the route does.
  const { ExportQuerySchema, exportCsvStream } = await import("../../lib/fulfilment/export");
  const { breakGlassActor } = await import("../../lib/admin/scope");
  const res = new Response(exportCsvStream(breakGlassActor("bench"), ExportQuerySchema.parse({ from: DAY, to: DAY })));
  let bytes = 0;
  let lines = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const b of value) if (b === 0x0a) lines++; // the quoted addresses hold no line break
    onChunk();
  }
  return { rows: lines - 1, bytes };
}

async function exportOnce(label: string) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { rows, bytes } = await readExport();
  const seconds = (performance.now() - t0) / 1000;
  // CPU time too: on a shared, loaded machine the wall clock also counts the time others had the cores
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRss = process.resourceUsage().maxRSS * 1024; // the process's peak, in bytes

  // the same export again, with a full collection before every 10th chunk's sample: what the export
  // really holds at once (one page), however lazily V8 collects garbage
  gc();
  const liveBefore = process.memoryUsage().heapUsed;
  let livePeak = liveBefore;
  let chunk = 0;
  await readExport(() => {
    if (++chunk % 10 === 0) {
      gc();
      livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
    }
  });
  console.log(
    `${label.padEnd(10)} rows ${String(rows).padStart(7)}  ${seconds.toFixed(2).padStart(6)} s (CPU ${cpuSeconds.toFixed(2)} s)  ${(bytes / MB).toFixed(1).padStart(5)} MB of CSV  ` +
      `peak RSS ${(peakRss / MB).toFixed(0)} MB  live heap during the export +${((livePeak - liveBefore) / MB).toFixed(1)} MB`,
  );
  const { prisma } = await import("../../lib/db");
  await prisma.$disconnect();
  if (seconds >= 10) process.exitCode = 1;
}

/** The app's environment (lib/env.ts) with the test identity; nothing here talks to WeChat Pay. */
function appEnvFor(databaseUrl: string) {
  Object.assign(process.env, testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "http://127.0.0.1", databaseUrl }), {
    NODE_ENV: "production",
    JOBS_ENABLED: "false",
  });
}

/** Runs this file again in a fresh process (lib/db binds one database per process; a clean RSS). */
function child(...args: string[]) {
  execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", import.meta.filename, ...args], {
    cwd: ROOT,
    stdio: "inherit",
  });
}

function run(label: string, databaseUrl: string) {
  execFileSync(process.execPath, ["prisma/migrate.mjs", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
  for (const orders of [ORDERS / 5, ORDERS]) {
    const t0 = performance.now();
    child("--seed", databaseUrl, String(orders));
    console.log(`${label.padEnd(10)} seeded ${orders * SUBS_PER_ORDER} sub-orders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    child("--export", databaseUrl, label);
  }
}

const [mode, url, arg] = process.argv.slice(2);
if (mode === "--seed") {
  appEnvFor(url!);
  await seed(Number(arg));
  const { prisma } = await import("../../lib/db");
  await prisma.$disconnect();
} else if (mode === "--export") {
  appEnvFor(url!);
  await exportOnce(arg!);
} else {
  console.log(
    `order export benchmark: up to ${ORDERS * SUBS_PER_ORDER} paid sub-orders (${ORDERS} orders × ${SUBS_PER_ORDER}), node ${process.version}`,
  );
  if (await onEveryDatabase("bench-export", run)) process.exitCode = 1;
}
