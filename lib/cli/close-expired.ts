// npm run orders:close-expired — closes pending orders past their time_expire (for cron/systemd timers).
// Exits non-zero when an order could not be closed, so the scheduler notices.
import { closeExpiredOrders } from "../orders/close";
import { prisma } from "../db";
import { logger } from "../log";

const summary = await closeExpiredOrders();
logger("cli").info(summary, "orders:close-expired");
await prisma.$disconnect();
process.exitCode = summary.failed.length ? 1 : 0;
