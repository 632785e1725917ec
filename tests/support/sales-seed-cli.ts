// Seeds sales into the database named by DATABASE_URL (the Playwright app's, say):
//   tsx --conditions=react-server tests/support/sales-seed-cli.ts <endDate yyyy-mm-dd> <days> <orders> <order-number prefix>
// Orders never lie after the moment it runs (sales-seed.ts).
import { prisma } from "../../lib/db";
import { ensureSeedStores, seedSales } from "./sales-seed";

const [endDate, days, count, prefix] = process.argv.slice(2);
await ensureSeedStores();
await seedSales({ endDate: endDate!, days: Number(days), first: 0, count: Number(count), total: Number(count), prefix: prefix! });
await prisma.$disconnect();
