// A second (and third) process applying one payment, for the SQLite cross-process test
// (tests/integration/sqlite-two-processes.test.ts): it waits for the shared start time, then applies the same
// TRANSACTION.SUCCESS `times` times at once through the app's own path, and prints the outcomes as one JSON line.
//   tsx --conditions=react-server tests/support/apply-payment-child.ts <transaction.json> <times> <startAtEpochMs>
import fs from "node:fs";
import { randomUUID } from "node:crypto";

async function main() {
  const [file, times, startAt] = process.argv.slice(2);
  const tx = JSON.parse(fs.readFileSync(file!, "utf8"));
  const { applyCombineResult } = await import("@/lib/orders/apply-result");
  const { prisma } = await import("@/lib/db");
  await prisma.order.count(); // connected before the start
  await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
  const outcomes = await Promise.all(
    Array.from({ length: Number(times) }, () =>
      applyCombineResult(tx, { source: "NOTIFY", notificationId: randomUUID() }).catch((e: unknown) => `error: ${String(e)}`),
    ),
  );
  process.stdout.write(JSON.stringify(outcomes) + "\n");
  await prisma.$disconnect();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
