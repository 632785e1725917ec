// npm run refunds:sync — settles refunds still open (docs/wechatpay.md §14.2), for cron/systemd timers.
// Exits non-zero when WeChat could not be asked about a refund, so the scheduler notices.
import { syncProcessingRefunds } from "../refunds/sync";
import { prisma } from "../db";
import { logger } from "../log";

const summary = await syncProcessingRefunds();
logger("cli").info(summary, "refunds:sync");
await prisma.$disconnect();
process.exitCode = summary.problems.length ? 1 : 0;
