import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";

/**
 * Unverified traffic to the notify endpoint (anyone can POST there) must not grow the database per
 * request: it is counted per reason per UTC minute — at most one row per (reason, minute), with a
 * bounded set of reasons — and logged once per bucket. Verified deliveries are audited as before.
 */
export type JunkReason = `signature:${string}` | "body-too-large" | "unexpected";

const minuteOf = (now: Date) => new Date(Math.floor(now.getTime() / 60_000) * 60_000);

export async function countJunkNotification(reason: JunkReason, now = new Date()): Promise<void> {
  const minute = minuteOf(now);
  const where = { reason_minute: { reason, minute } };
  let count: number;
  try {
    ({ count } = await prisma.junkNotificationCounter.upsert({
      where,
      create: { reason, minute, count: 1 },
      update: { count: { increment: 1 } },
      select: { count: true },
    }));
  } catch (e) {
    // Two processes created the bucket at once: the row exists now, so increment it.
    if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    ({ count } = await prisma.junkNotificationCounter.update({ where, data: { count: { increment: 1 } }, select: { count: true } }));
  }
  // One log line per reason per minute, not per request (the count is in the table).
  if (count === 1) console.warn(`notify: rejecting unverified deliveries (${reason}); counted per minute in JunkNotificationCounter`);
}

/** For the housekeeping job: drops buckets older than `before`. Returns how many were removed. */
export async function pruneJunkCounters(before: Date): Promise<number> {
  return (await prisma.junkNotificationCounter.deleteMany({ where: { minute: { lt: before } } })).count;
}
