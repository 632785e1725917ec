// npm run bench:stock-rows — how many reservations a second one hot product takes on PostgreSQL when its
// units are kept in 1, 4 or 16 stock rows (lib/catalog/stock.ts), with the checkout's own reservation code.
//
// A checkout holds its stock row's lock from the reservation to COMMIT. On this machine's throw-away server
// (fsync off) that is a fraction of a millisecond; on a production disk a durable COMMIT takes 1–3 ms, and
// the row then takes at most one checkout per COMMIT. Each transaction here reserves 1 unit with
// reserveStock and then holds for --hold-ms (default 2) before COMMIT, standing in for that durable commit,
// with --concurrency transactions (default 10: one process's connection pool) in flight for --seconds.
//
// Flags: --rows=1,4,16 --hold-ms=2 --concurrency=10 --seconds=5. PostgreSQL: tests/support/postgres.sh on
// PG_TEST_PORT (default 55432), database wcp_stock_rows, reset every run.
import { percentile, run, startBenchPostgres } from "./support";

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const ROWS = opt("rows", "1,4,16").split(",").map(Number);
const HOLD_MS = Number(opt("hold-ms", "2"));
const CONCURRENCY = Number(opt("concurrency", "10"));
const SECONDS = Number(opt("seconds", "5"));
const SKU = "BENCH-HOT";
const log = (s: string) => console.error(`bench:stock-rows: ${s}`);

async function main() {
  const { url: pgUrl, port: pgPort } = startBenchPostgres("wcp_stock_rows");
  log(`fresh PostgreSQL database wcp_stock_rows on port ${pgPort} …`);
  await run(process.execPath, ["prisma/migrate.mjs", "reset"], { env: { ...process.env, DATABASE_URL: pgUrl }, quiet: true });
  process.env.DATABASE_URL = pgUrl;
  const { prisma } = await import("@/lib/db");
  const { reserveStock, setStock } = await import("@/lib/catalog/stock");
  await prisma.store.create({ data: { id: "bench", name: "bench", subMchid: "1900009999" } });
  await prisma.product.create({ data: { sku: SKU, name: "hot", priceFen: 100, storeId: "bench" } });

  const results: { rows: number; reservations: number; perSecond: number; p50Ms: number; p99Ms: number; left: number }[] = [];
  for (const rows of ROWS) {
    const units = 10_000_000;
    await prisma.$transaction((db) => setStock(db, SKU, units, rows));
    const latencies: number[] = [];
    const end = performance.now() + SECONDS * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await prisma.$transaction(
          async (db) => {
            await reserveStock(db, new Map([[SKU, 1]]), [SKU]);
            await db.$executeRaw`SELECT pg_sleep(${HOLD_MS / 1000})`;
          },
          { maxWait: 30_000, timeout: 30_000 },
        );
        latencies.push(performance.now() - t);
      }
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - start) / 1000;
    const own = (await prisma.product.findUniqueOrThrow({ where: { sku: SKU } })).stock!;
    const inRows = (await prisma.stockShard.findMany({ where: { sku: SKU } })).reduce((a, r) => a + r.units, 0);
    latencies.sort((a, b) => a - b);
    const r = {
      rows,
      reservations: latencies.length,
      perSecond: latencies.length / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      left: own + inRows,
    };
    if (r.left !== units - r.reservations) throw new Error(`units lost or invented: ${units} − ${r.reservations} ≠ ${r.left}`);
    results.push(r);
    log(`${rows} row(s): ${r.perSecond.toFixed(0)} reservations/s`);
  }
  await prisma.$disconnect();

  console.log(
    `One hot product on PostgreSQL, ${CONCURRENCY} transactions in flight for ${SECONDS} s each, every one reserving 1 unit ` +
      `(lib/catalog/stock.ts reserveStock) and holding ${HOLD_MS} ms before COMMIT (a durable commit on a production disk):\n`,
  );
  console.log("| stock rows | reservations | per second | p50 ms | p99 ms | units exact |");
  console.log("|---:|---:|---:|---:|---:|---|");
  for (const r of results)
    console.log(`| ${r.rows} | ${r.reservations} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | yes |`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
