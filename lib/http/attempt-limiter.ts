import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "../errors";

/**
 * Fixed-window counters in the database (RateLimitCounter: one row per key per window), so a limit
 * holds across every app process. Generic: a rule is a key, a limit and a window; callers decide
 * what the key names (a client, a browser, an account) and what a refusal says.
 *
 * - A unit is TAKEN before the work it pays for is done, by a conditional update (`count < limit`),
 *   so 256 concurrent requests cannot all slip under the limit, and a count never passes its limit.
 * - A request refused because a key is at its limit writes nothing: the counts are read first, and
 *   a key over its limit costs one read. Rows are bounded per key and window, never per request.
 * - A unit can be handed back (a successful sign-in is not a failure).
 */
export interface LimitRule {
  /** e.g. `admin-token:ip:203.0.113.7` — keep the set of keys bounded by what the limit admits. */
  key: string;
  limit: number;
  windowSeconds: number;
}

export interface Refusal {
  /** The rule(s) at their limit; the key is free again when the last of their windows ends. */
  rules: LimitRule[];
  retryAfterSeconds: number;
}

export type TakeResult = { taken: true; giveBack(): Promise<void> } | ({ taken: false } & Refusal);

function windowOf(rule: LimitRule, now: Date) {
  const ms = rule.windowSeconds * 1000;
  const start = Math.floor(now.getTime() / ms) * ms;
  return { windowStart: new Date(start), expiresAt: new Date(start + ms) };
}

const secondsUntil = (t: Date, now: Date) => Math.max(1, Math.ceil((t.getTime() - now.getTime()) / 1000));

/** Units used in each rule's current window (0 for a window nobody touched). */
export async function unitsUsed(rules: LimitRule[], now = new Date()): Promise<number[]> {
  if (rules.length === 0) return [];
  const rows = await prisma.rateLimitCounter.findMany({
    where: { OR: rules.map((r) => ({ key: r.key, windowStart: windowOf(r, now).windowStart })) },
    select: { key: true, windowStart: true, count: true },
  });
  return rules.map((r) => {
    const start = windowOf(r, now).windowStart.getTime();
    return rows.find((row) => row.key === r.key && row.windowStart.getTime() === start)?.count ?? 0;
  });
}

/** One unit of one rule's window: false when the window is full. At most a handful of statements, whatever the contention. */
async function takeOne(rule: LimitRule, now: Date): Promise<boolean> {
  const { windowStart, expiresAt } = windowOf(rule, now);
  for (let attempt = 0; attempt < 5; attempt++) {
    const { count } = await prisma.rateLimitCounter.updateMany({
      where: { key: rule.key, windowStart, count: { lt: rule.limit } },
      data: { count: { increment: 1 } },
    });
    if (count === 1) return true;
    const row = await prisma.rateLimitCounter.findUnique({
      where: { key_windowStart: { key: rule.key, windowStart } },
      select: { count: true },
    });
    if (row && row.count >= rule.limit) return false;
    if (row) continue; // a unit was handed back in between
    try {
      await prisma.rateLimitCounter.create({ data: { key: rule.key, windowStart, expiresAt, count: 1 } });
      return true;
    } catch (e) {
      // another request created the window first: take from it
      if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    }
  }
  return false;
}

async function giveBackOne(rule: LimitRule, now: Date): Promise<void> {
  await prisma.rateLimitCounter.updateMany({
    where: { key: rule.key, windowStart: windowOf(rule, now).windowStart, count: { gt: 0 } },
    data: { count: { decrement: 1 } },
  });
}

/**
 * Takes one unit from every rule's current window, or none: when any rule is at its limit the
 * request is refused with the seconds until it may try again, and nothing is written.
 */
export async function takeUnits(rules: LimitRule[], now = new Date()): Promise<TakeResult> {
  const used = await unitsUsed(rules, now);
  const full = rules.filter((r, i) => used[i]! >= r.limit);
  const refuse = (rs: LimitRule[]): TakeResult => ({
    taken: false,
    rules: rs,
    retryAfterSeconds: Math.max(...rs.map((r) => secondsUntil(windowOf(r, now).expiresAt, now))),
  });
  if (full.length) return refuse(full);
  const taken: LimitRule[] = [];
  const giveBack = async () => {
    for (const r of taken) await giveBackOne(r, now);
  };
  for (const rule of rules) {
    if (await takeOne(rule, now)) {
      taken.push(rule);
      continue;
    }
    // A concurrent request took the last unit since the read: undo ours, refuse like the read would have.
    await giveBack();
    return refuse([rule]);
  }
  return { taken: true, giveBack };
}

export interface Attempt {
  /** Call when the attempt succeeded: it no longer counts against the limits. */
  succeeded(): Promise<void>;
}

/**
 * takeUnits for callers that refuse with 429 TOO_MANY_ATTEMPTS (retryAfterSeconds) — the token and
 * password checks, where each unit is one attempt to be evaluated and a success hands it back.
 */
export async function beginAttempt(rules: LimitRule[], now = new Date()): Promise<Attempt> {
  const r = await takeUnits(rules, now);
  if (!r.taken) {
    const minutes = Math.ceil(r.retryAfterSeconds / 60);
    throw new AppError("TOO_MANY_ATTEMPTS", `尝试次数过多，请 ${minutes} 分钟后再试`, { retryAfterSeconds: r.retryAfterSeconds });
  }
  return { succeeded: r.giveBack };
}

/** For the housekeeping job: drops windows that ended before `before`. Returns how many were removed. */
export async function pruneRateLimitCounters(before = new Date()): Promise<number> {
  return (await prisma.rateLimitCounter.deleteMany({ where: { expiresAt: { lt: before } } })).count;
}
