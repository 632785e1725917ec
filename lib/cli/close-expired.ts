// npm run orders:close-expired — closes pending orders past their time_expire (for cron/systemd timers).
// Exits non-zero when an order could not be closed, so the scheduler notices.
import { closeExpiredOrders } from "../orders/close";
import { prisma } from "../db";

const summary = await closeExpiredOrders();
console.log(JSON.stringify(summary));
await prisma.$disconnect();
process.exitCode = summary.failed.length ? 1 : 0;
