import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";

const log = logger("notify");

/**
 * Unverified traffic to the notify endpoint (anyone can POST there) must not grow the database per
 * request: it is counted per reason per UTC minute — at most one row per (reason, minute), with a
 * bounded set of reasons — and logged once per bucket. Verified deliveries are audited as before.
 *
 * Counting happens in memory and is flushed (an upsert increment per bucket) at most once a second,
 * so a flood of junk costs no database write per request either. A crash loses ≤ 1 s of counts.
 */
export type JunkReason = `signature:${string}` | "body-too-large" | "unexpected";

const FLUSH_DELAY_MS = 1_000;
const pending = new Map<string, { reason: string; minute: Date; count: number }>();
const logged = new Set<string>();
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> = Promise.resolve();

const minuteOf = (now: Date) => new Date(Math.floor(now.getTime() / 60_000) * 60_000);

export function countJunkNotification(reason: JunkReason, now = new Date()): void {
  const minute = minuteOf(now);
  const key = `${reason}\0${minute.getTime()}`;
  const entry = pending.get(key) ?? { reason, minute, count: 0 };
  entry.count += 1;
  pending.set(key, entry);
  if (!logged.has(key)) {
    // One log line per reason per minute (per process), not per request: the count is in the table.
    if (logged.size > 1000) logged.clear();
    logged.add(key);
    log.warn({ reason }, "notify: rejecting unverified deliveries; counted per minute in JunkNotificationCounter");
  }
  timer ??= setTimeout(
    () => void flushJunkCounters().catch((e: unknown) => log.error({ err: e }, "notify: could not store junk counters")),
    FLUSH_DELAY_MS,
  ).unref();
}

/** Writes the counts gathered so far (tests and shutdown call it; otherwise a timer does). */
export function flushJunkCounters(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const batch = [...pending.values()];
  pending.clear();
  flushing = flushing.then(async () => {
    for (const b of batch) await increment(b.reason, b.minute, b.count);
  });
  return flushing;
}

async function increment(reason: string, minute: Date, by: number): Promise<void> {
  const where = { reason_minute: { reason, minute } };
  try {
    await prisma.junkNotificationCounter.upsert({
      where,
      create: { reason, minute, count: by },
      update: { count: { increment: by } },
      select: { count: true },
    });
  } catch (e) {
    // Two processes created the bucket at once: the row exists now, so increment it.
    if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    await prisma.junkNotificationCounter.update({ where, data: { count: { increment: by } } });
  }
}

/** For the housekeeping job: drops buckets older than `before`. Returns how many were removed. */
export async function pruneJunkCounters(before: Date): Promise<number> {
  return (await prisma.junkNotificationCounter.deleteMany({ where: { minute: { lt: before } } })).count;
}
