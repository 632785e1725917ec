import { dialect, prisma, sqliteRead, sqliteTime, type Prisma, type SqliteDirect } from "@/lib/db";
import { AppError } from "../errors";

/** The client, or a transaction of it: a unit taken in a transaction is given back by its rollback. */
type Db = typeof prisma | Prisma.TransactionClient;

/**
 * Fixed-window counters in the database (RateLimitCounter: one row per key per window), so a limit
 * holds across every app process. Generic: a rule is a key, a limit and a window; callers decide
 * what the key names (a client, a browser, an account) and what a refusal says.
 *
 * - A unit is TAKEN before the work it pays for is done, by a conditional update (`count < limit`),
 *   so 256 concurrent requests cannot all slip under the limit, and a count never passes its limit.
 * - A request refused because a key is at its limit writes nothing: with several rules the counts are
 *   read first; a single rule's conditional upsert matches nothing when full. A key over its limit costs
 *   one statement. Rows are bounded per key and window, never per request.
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
  if (dialect === "sqlite") {
    // The checkout's hot path on SQLite: hand-written SQL, no Prisma (lib/db.ts sqliteRead). One lookup per rule
    // by the primary key, in one call.
    return sqliteRead((c) =>
      rules.map((r) =>
        Number(c.all<{ count: number | bigint }>(USED_SQLITE, [r.key, sqliteTime(windowOf(r, now).windowStart)])[0]?.count ?? 0),
      ),
    );
  }
  const rows = await prisma.rateLimitCounter.findMany({
    where: { OR: rules.map((r) => ({ key: r.key, windowStart: windowOf(r, now).windowStart })) },
    select: { key: true, windowStart: true, count: true },
  });
  return rules.map((r) => {
    const start = windowOf(r, now).windowStart.getTime();
    return rows.find((row) => row.key === r.key && row.windowStart.getTime() === start)?.count ?? 0;
  });
}

const USED_SQLITE = `SELECT "count" FROM "RateLimitCounter" WHERE "key" = ? AND "windowStart" = ?`;

/**
 * One unit of one rule's window: false when the window is full. One statement, whatever the contention:
 * an upsert that creates the window's row with 1, or adds 1 while the count is under the limit. A full
 * window matches neither, so a refusal writes nothing. (SQLite 3.35+ and PostgreSQL share this syntax.)
 */
async function takeOne(rule: LimitRule, now: Date, db: Db = prisma): Promise<boolean> {
  const { windowStart, expiresAt } = windowOf(rule, now);
  const changed = await db.$executeRaw`
    INSERT INTO "RateLimitCounter" ("key", "windowStart", "expiresAt", "count")
    VALUES (${rule.key}, ${windowStart}, ${expiresAt}, 1)
    ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitCounter"."count" + 1
     WHERE "RateLimitCounter"."count" < ${rule.limit}`;
  return changed === 1;
}

// takeOne's statement with positional parameters, for SqliteDirect (dates as Prisma writes them: sqliteTime).
const TAKE_ONE_SQLITE = `
  INSERT INTO "RateLimitCounter" ("key", "windowStart", "expiresAt", "count") VALUES (?, ?, ?, 1)
  ON CONFLICT ("key", "windowStart") DO UPDATE SET "count" = "RateLimitCounter"."count" + 1
   WHERE "RateLimitCounter"."count" < ?`;

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
  // With several rules the counts are read first, so a refusal by any rule writes nothing; a single
  // rule's take is its own check (a full window refuses the upsert without writing).
  const used = rules.length > 1 ? await unitsUsed(rules, now) : rules.map(() => 0);
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

/**
 * takeUnits inside the caller's transaction, for work that commits with it (one commit instead of two):
 * true when every rule gave its unit. On false the caller must roll back, which returns the units taken
 * so far. Reads nothing first: a caller that wants a refusal to cost no write checks `unitsUsed` before.
 */
export async function takeUnitsIn(db: Prisma.TransactionClient, rules: LimitRule[], now = new Date()): Promise<boolean> {
  for (const rule of rules) if (!(await takeOne(rule, now, db))) return false;
  return true;
}

/**
 * takeUnitsIn for a SQLite write that is already running (lib/db.ts sqliteWrite): the same conditional upsert per
 * rule, synchronously. On false the caller must throw, which rolls back the units taken so far with its write.
 */
export function takeUnitsSqlite(c: SqliteDirect, rules: LimitRule[], now = new Date()): boolean {
  for (const rule of rules) {
    const { windowStart, expiresAt } = windowOf(rule, now);
    if (c.run(TAKE_ONE_SQLITE, [rule.key, sqliteTime(windowStart), sqliteTime(expiresAt), rule.limit]).changes !== 1) return false;
  }
  return true;
}

/** When the rule's window that holds `now` ends: a unit taken at `now` counts until then. */
export function windowEnd(rule: LimitRule, now = new Date()): Date {
  return windowOf(rule, now).expiresAt;
}

/** The seconds until every one of `rules`' current windows has ended (a refusal's Retry-After). */
export function retryAfterSeconds(rules: LimitRule[], now = new Date()): number {
  return Math.max(1, ...rules.map((r) => secondsUntil(windowOf(r, now).expiresAt, now)));
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
