// npm run catalog:export [-- --format csv] > catalogue.json — the whole catalogue in the import format.
import { exportCatalogue } from "../catalog/import";
import { prisma } from "../db";

const args = process.argv.slice(2);
const i = args.indexOf("--format");
const format = i >= 0 ? args[i + 1] : "json";
if (format !== "json" && format !== "csv") {
  console.error("usage: npm run catalog:export [-- --format json|csv]");
  process.exit(2);
}
process.stdout.write(await exportCatalogue(format));
await prisma.$disconnect();
