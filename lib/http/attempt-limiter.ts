import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "../errors";

/**
 * Fixed-window attempt counters in the database, so a limit holds across every app process. Each
 * attempt is counted BEFORE it is evaluated (an atomic increment that returns the new count): 256
 * concurrent guesses cannot all slip under the limit. A successful attempt hands its unit back.
 *
 * Rules are checked in order; the first one over its limit refuses with 429 TOO_MANY_ATTEMPTS and
 * the seconds until its window ends (later rules are not charged, so one noisy client cannot use up
 * a shared global budget once it is refused by its own limit).
 */
export interface LimitRule {
  /** e.g. `admin-token:ip:203.0.113.7` — keep the set of keys bounded by what the limit admits. */
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface Attempt {
  /** Call when the attempt succeeded: it no longer counts against the limits. */
  succeeded(): Promise<void>;
}

function windowOf(rule: LimitRule, now: Date) {
  const ms = rule.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / ms) * ms;
  return { windowStart: new Date(start), expiresAt: new Date(start + ms) };
}

async function increment(rule: LimitRule, now: Date): Promise<number> {
  const { windowStart, expiresAt } = windowOf(rule, now);
  const where = { key_windowStart: { key: rule.key, windowStart } };
  try {
    const r = await prisma.rateLimitCounter.upsert({
      where,
      create: { key: rule.key, windowStart, expiresAt, count: 1 },
      update: { count: { increment: 1 } },
      select: { count: true },
    });
    return r.count;
  } catch (e) {
    if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    return (await prisma.rateLimitCounter.update({ where, data: { count: { increment: 1 } }, select: { count: true } })).count;
  }
}

export async function beginAttempt(rules: LimitRule[], now = new Date()): Promise<Attempt> {
  const charged: LimitRule[] = [];
  for (const rule of rules) {
    const count = await increment(rule, now);
    charged.push(rule);
    if (count > rule.limit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((windowOf(rule, now).expiresAt.getTime() - now.getTime()) / 1000));
      throw new AppError("TOO_MANY_ATTEMPTS", `尝试次数过多，请 ${Math.ceil(retryAfterSeconds / 60)} 分钟后再试`, { retryAfterSeconds });
    }
  }
  return {
    async succeeded() {
      for (const rule of charged) {
        const { windowStart } = windowOf(rule, now);
        await prisma.rateLimitCounter.updateMany({
          where: { key: rule.key, windowStart, count: { gt: 0 } },
          data: { count: { decrement: 1 } },
        });
      }
    },
  };
}

/** For the housekeeping job: drops windows that ended before `before`. Returns how many were removed. */
export async function pruneRateLimitCounters(before = new Date()): Promise<number> {
  return (await prisma.rateLimitCounter.deleteMany({ where: { expiresAt: { lt: before } } })).count;
}
