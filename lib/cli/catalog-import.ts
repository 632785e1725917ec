// npm run catalog:import -- <file.json|file.csv> [--dry-run]
// Upserts stores (by sub_mchid) and products (by SKU) from a catalogue file in one transaction.
// Prints every change (or what would change with --dry-run) and every bad row with its line number;
// exits 1 and writes nothing when any row is bad. Needs only DATABASE_URL.
import fs from "node:fs";
import { importCatalogue } from "../catalog/import";
import { prisma } from "../db";

const args = process.argv.slice(2);
const dryRun = args.includes("--dry-run");
const files = args.filter((a) => !a.startsWith("--"));
const unknownFlags = args.filter((a) => a.startsWith("--") && a !== "--dry-run");
if (files.length !== 1 || unknownFlags.length || !/\.(json|csv)$/i.test(files[0]!)) {
  console.error("usage: npm run catalog:import -- <catalogue.json|catalogue.csv> [--dry-run]");
  process.exit(2);
}
const file = files[0]!;
const text = fs.readFileSync(file, "utf8");
const plan = await importCatalogue(text, /\.csv$/i.test(file) ? "csv" : "json", { dryRun });
await prisma.$disconnect();

for (const c of plan.changes) console.log(c);
const summary = `stores: ${plan.created.stores} new, ${plan.updated.stores} changed; products: ${plan.created.products} new, ${plan.updated.products} changed; ${plan.unchanged} unchanged`;
if (plan.errors.length) {
  for (const e of plan.errors) console.error(`error: ${e}`);
  console.error(`${plan.errors.length} error(s) in ${file}: nothing was imported.`);
  process.exitCode = 1;
} else {
  console.log(dryRun ? `dry run, nothing written — would apply: ${summary}` : `imported ${file}: ${summary}`);
}
