// npm run bench:stats — the sales overview (GET /api/admin/stats) over 100,000 orders spread over a year, in a
// fresh, migrated SQLite database, and in PostgreSQL too when TEST_DATABASE_URL_PG is set. The orders are
// bulk-inserted by the generator (stats-seed.ts). Each measurement runs in a fresh process that does nothing
// else: the route's own work after the session check (parse the query, salesStats, JSON.stringify), 30 days
// and 366 days, every store and one store, 7 runs each after one warm-up; median and slowest are printed.
// Targets (README "Back office" → "Overview"): 30 days < 300 ms, 366 days < 1 s. The machine's load average
// is printed alongside: on a shared machine the wall clock also counts the time others had the cores.
import { execFileSync } from "node:child_process";
import os from "node:os";
import { testAppEnv } from "../support/test-identity";
import { onEveryDatabase, ROOT } from "./support";

const ORDERS = Number(process.env.BENCH_STATS_ORDERS ?? 100_000);
const END_DATE = "2026-11-30";
const RUNS = 7;
const TARGETS_MS = { 30: 300, 366: 1000 } as const;

function appEnvFor(databaseUrl: string) {
  Object.assign(process.env, testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "http://127.0.0.1", databaseUrl }), {
    NODE_ENV: "production",
    JOBS_ENABLED: "false",
  });
}

async function seed() {
  const { ensureSeedStores, seedSales } = await import("../support/sales-seed");
  await ensureSeedStores();
  await seedSales({
    endDate: END_DATE,
    days: 366,
    first: 0,
    count: ORDERS,
    total: ORDERS,
    prefix: "CB",
    now: new Date(`${END_DATE}T23:59:59+08:00`),
  });
  const { prisma, isPostgresUrl } = await import("../../lib/db");
  // What autovacuum does to a table that just grew: planner statistics and the visibility map (which lets
  // PostgreSQL answer from the covering indexes alone). SQLite plans without statistics (lib/stats/sql.ts).
  if (isPostgresUrl(process.env.DATABASE_URL!)) await prisma.$executeRawUnsafe("VACUUM ANALYZE");
  const counts = { orders: await prisma.order.count(), subOrders: await prisma.subOrder.count(), refunds: await prisma.refund.count() };
  await prisma.$disconnect();
  return counts;
}

async function measure(label: string) {
  const { StatsQuerySchema, salesStats, shiftDate } = await import("../../lib/stats/overview");
  const { prisma } = await import("../../lib/db");
  const once = async (days: number, storeId?: string) => {
    const t0 = performance.now();
    const q = StatsQuerySchema.parse({ from: shiftDate(END_DATE, days - 1), to: END_DATE, storeId });
    const body = JSON.stringify(await salesStats(q, q.storeId ? [q.storeId] : "all", new Date(`${END_DATE}T23:59:59+08:00`)));
    return { ms: performance.now() - t0, bytes: body.length };
  };
  let failed = false;
  for (const days of [30, 366] as const) {
    for (const storeId of [undefined, "mumu"]) {
      await once(days, storeId); // warm-up: the first read loads pages from disk, not what a morning visit costs twice
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < RUNS; i++) {
        const r = await once(days, storeId);
        times.push(r.ms);
        bytes = r.bytes;
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(RUNS / 2)]!;
      const ok = median < TARGETS_MS[days];
      if (!ok) failed = true;
      console.log(
        `${label.padEnd(10)} ${String(days).padStart(3)} days ${(storeId ?? "all stores").padEnd(10)} median ${median.toFixed(0).padStart(5)} ms  slowest ${times[RUNS - 1]!.toFixed(0).padStart(5)} ms  ` +
          `(${(bytes / 1024).toFixed(0)} KB JSON; target < ${TARGETS_MS[days]} ms: ${ok ? "ok" : "MISSED"})  load ${os
            .loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`,
      );
    }
  }
  await prisma.$disconnect();
  if (failed) process.exitCode = 1;
}

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
  const t0 = performance.now();
  child("--seed", databaseUrl, label);
  console.log(`${label.padEnd(10)} seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  child("--measure", databaseUrl, label);
}

const [mode, url, label] = process.argv.slice(2);
if (mode === "--seed") {
  appEnvFor(url!);
  const c = await seed();
  console.log(`${label!.padEnd(10)} ${c.orders} orders, ${c.subOrders} sub-orders, ${c.refunds} refunds over 366 days to ${END_DATE}`);
} else if (mode === "--measure") {
  appEnvFor(url!);
  await measure(label!);
} else {
  console.log(
    `sales overview benchmark: ${ORDERS} orders, node ${process.version}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  if (await onEveryDatabase("bench-stats", run)) process.exitCode = 1;
}
