// Seeds the demo catalogue (prisma/catalogue.json) into whatever DATABASE_URL names, through the same
// import as `npm run catalog:import`. Idempotent: re-running restores the demo names, prices, order
// and active flags and leaves stock as it is (the file names no stock: unlimited when first created).
// The demo stores' sub-merchant numbers match the TEST identities in tests/fixtures/keys/keys.json.
import fs from "node:fs";
import path from "node:path";
import { importCatalogue } from "../lib/catalog/import";
import { prisma } from "../lib/db";

async function main() {
  const file = path.join(import.meta.dirname, "catalogue.json");
  const plan = await importCatalogue(fs.readFileSync(file, "utf8"), "json", { actor: "seed" });
  if (plan.errors.length) throw new Error(`prisma/catalogue.json: ${plan.errors.join("; ")}`);
  console.log(
    `Seeded ${plan.created.stores + plan.updated.stores} stores and ${plan.created.products + plan.updated.products} products (${plan.unchanged} unchanged).`,
  );
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  })
  .finally(() => prisma.$disconnect());
