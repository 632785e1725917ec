// Per-day counters for the overview's in-app-browser funnel (DailyCounter: one row per name per Beijing
// day). "Guide shown" is counted on an open page, so it must not cost a database write per request:
// counts gather in memory and are flushed as one upsert increment per (name, day) at most once a second,
// like the junk-notification counters (lib/notify/junk.ts). A crash loses ≤ 1 s of counts.
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { logger } from "@/lib/log";
import { beijingDateOf } from "@/lib/time/beijing";

const log = logger("stats");

export const FUNNEL_COUNTERS = {
  /** the cart page rendered inside an in-app browser, with the open-in-browser guide */
  guideShown: "in-app:guide-shown",
  /** a new resume link (cart draft) was made: the guide's 复制链接 or a checkout from the app */
  resumeLinks: "in-app:resume-link",
  /** a resume link restored its cart in a real browser */
  resumed: "in-app:resumed",
} as const;
export type FunnelCounter = (typeof FUNNEL_COUNTERS)[keyof typeof FUNNEL_COUNTERS];

const FLUSH_DELAY_MS = 1_000;
const pending = new Map<string, { name: FunnelCounter; day: string; count: number }>();
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> = Promise.resolve();

/** Counts one event of `name` on the Beijing day of `now` (written within a second). */
export function countDaily(name: FunnelCounter, now = new Date()): void {
  const day = beijingDateOf(now);
  const key = `${name}\0${day}`;
  const entry = pending.get(key) ?? { name, day, count: 0 };
  entry.count += 1;
  pending.set(key, entry);
  timer ??= setTimeout(
    () => void flushDailyCounters().catch((e: unknown) => log.error({ err: e }, "stats: could not store the daily counters")),
    FLUSH_DELAY_MS,
  ).unref();
}

/** Writes the counts gathered so far (tests and shutdown call it; otherwise a timer does). */
export function flushDailyCounters(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const batch = [...pending.values()];
  pending.clear();
  flushing = flushing.then(async () => {
    for (const b of batch) await increment(b.name, b.day, b.count);
  });
  return flushing;
}

async function increment(name: string, day: string, by: number): Promise<void> {
  const where = { name_day: { name, day } };
  try {
    await prisma.dailyCounter.upsert({
      where,
      create: { name, day, count: by },
      update: { count: { increment: by } },
      select: { count: true },
    });
  } catch (e) {
    // Two processes created the row at once: it exists now, so increment it.
    if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    await prisma.dailyCounter.update({ where, data: { count: { increment: by } } });
  }
}

/** The counters' sums over the Beijing dates from … to (inclusive). */
export async function sumDailyCounters(from: string, to: string): Promise<Record<FunnelCounter, number>> {
  const rows = await prisma.dailyCounter.groupBy({
    by: ["name"],
    where: { name: { in: Object.values(FUNNEL_COUNTERS) }, day: { gte: from, lte: to } },
    _sum: { count: true },
  });
  const out = Object.fromEntries(Object.values(FUNNEL_COUNTERS).map((k) => [k, 0])) as Record<FunnelCounter, number>;
  for (const r of rows) out[r.name as FunnelCounter] = r._sum.count ?? 0;
  return out;
}
