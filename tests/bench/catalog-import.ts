// npm run bench:catalog-import — imports a generated 1,000-product catalogue (20 stores) into a fresh,
// migrated SQLite database (and PostgreSQL too when TEST_DATABASE_URL_PG is set), three times: the
// first import (all new), the same file again (nothing to change) and a file where every price
// changed. Also a file with one bad row (must write nothing). Target: < 10 s for the first import.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const PRODUCTS = 1000;
const STORES = 20;

function catalogue(priceOffsetFen: number, badRow = false): string {
  const stores = Array.from({ length: STORES }, (_, i) => ({ subMchid: String(1_800_000_000 + i), name: `基准店铺 ${i + 1}` }));
  const products = Array.from({ length: PRODUCTS }, (_, i) => {
    const fen = 100 + ((i * 37) % 50_000) + priceOffsetFen;
    return {
      sku: `BENCH-${String(i).padStart(5, "0")}`,
      name: `基准商品 ${i + 1}（测试用）`,
      price: `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`,
      store: stores[i % STORES]!.subMchid,
      stock: i % 3 === 0 ? null : i % 100,
    };
  });
  if (badRow) products[PRODUCTS - 1]!.price = "12.345";
  return `{\n"stores": [\n${stores.map((s) => JSON.stringify(s)).join(",\n")}\n],\n"products": [\n${products.map((p) => JSON.stringify(p)).join(",\n")}\n]\n}\n`;
}

async function run(label: string, databaseUrl: string) {
  execFileSync(process.execPath, ["prisma/migrate.mjs", "deploy"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: "pipe",
  });
  process.env.DATABASE_URL = databaseUrl;
  const { importCatalogue } = await import("../../lib/catalog/import");
  const { prisma } = await import("../../lib/db");
  const time = async (name: string, text: string) => {
    const t0 = performance.now();
    const plan = await importCatalogue(text, "json", { actor: "bench" });
    const ms = performance.now() - t0;
    console.log(
      `${label.padEnd(10)} ${name.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(6)} s   new ${plan.created.products}, changed ${plan.updated.products}, unchanged ${plan.unchanged}, errors ${plan.errors.length}`,
    );
    return plan;
  };
  await time("first import (1,000 new products)", catalogue(0));
  await time("same file again (no change)", catalogue(0));
  await time("every price changed", catalogue(1));
  const before = await prisma.product.count({ where: { priceFen: { gt: 0 } } });
  const bad = await time("one bad row (writes nothing)", catalogue(2, true));
  const changed = await prisma.product.count({ where: { sku: "BENCH-00000", priceFen: 100 + 2 } });
  if (bad.errors.length !== 1 || changed !== 0 || (await prisma.product.count()) !== before)
    throw new Error("a bad file changed the catalogue");
  await prisma.$disconnect();
}

const pgIndex = process.argv.indexOf("--pg");
if (pgIndex >= 0) {
  // Child run (below): lib/db builds one client per process, so each database gets its own process.
  await run("PostgreSQL", process.argv[pgIndex + 1]!);
} else {
  console.log(`catalogue import benchmark: ${PRODUCTS} products, ${STORES} stores, node ${process.version}`);
  const file = path.join(ROOT, `.data/bench-catalog-${randomBytes(4).toString("hex")}.db`);
  try {
    await run("SQLite", `file:${file}`);
  } finally {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }
  if (process.env.TEST_DATABASE_URL_PG) {
    const { createEmptyPgDatabase, dropPgDatabase } = await import("../support/pg");
    const url = await createEmptyPgDatabase("bench_catalog");
    try {
      execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", import.meta.filename, "--pg", url], {
        cwd: ROOT,
        stdio: "inherit",
      });
    } finally {
      await dropPgDatabase(url);
    }
  }
}
