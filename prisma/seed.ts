// Seeds the demo catalogue into whatever DATABASE_URL names. Idempotent: re-running updates names and prices.
import { prisma } from "../lib/db";
import { demoProducts, demoStores } from "../lib/catalog/demo-catalogue";

async function main() {
  for (const s of demoStores) {
    await prisma.store.upsert({ where: { id: s.id }, create: { ...s }, update: { name: s.name, subMchid: s.subMchid, mchid: s.mchid, logoUrl: s.logoUrl } });
  }
  let sortOrder = 0;
  for (const p of demoProducts) {
    sortOrder += 1;
    await prisma.product.upsert({
      where: { sku: p.sku },
      create: { ...p, sortOrder },
      update: { name: p.name, priceFen: p.priceFen, storeId: p.storeId, sortOrder, active: true },
    });
  }
  console.log(`Seeded ${demoStores.length} stores and ${demoProducts.length} products.`);
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  })
  .finally(() => prisma.$disconnect());
