// The prepay budget shared by every app process: WeChat limits the order API per merchant number (in
// service-provider mode every store shares the provider's), and answers FREQUENCY_LIMITED beyond it. A
// flash sale must meet our own 429 instead, before any WeChat call.
//
// WECHATPAY_PREPAY_MAX_PER_SECOND units a second, counted in a 1-second RateLimitCounter window
// (lib/http/attempt-limiter.ts), so the budget holds across processes: one row per second with
// prepays, none per refused request. A unit is taken immediately before the call and never given
// back (the call went out, whatever it answered). The windows follow each process's clock, so
// instances whose clocks disagree by a fraction of a second may together exceed a second's budget at
// a window edge; NTP keeps that small.
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { retryAfterSeconds, takeUnits, takeUnitsSqlite, windowEnd, type LimitRule } from "@/lib/http/attempt-limiter";
import type { SqliteDirect } from "@/lib/db";

const WINDOW_SECONDS = 1;

/**
 * What the checkout's 429 says besides RATE_LIMITED and retryAfterSeconds: the shop as a whole is busy, the
 * order (when there is one) is kept, and the same request with the same Idempotency-Key resumes it. The cart
 * queues (排队中) and retries by itself only on this reason; the per-client limits have none.
 */
export const PREPAY_BUDGET_REASON = "PREPAY_BUDGET";

const budgetRule = (): LimitRule => {
  const { limits, wechatpay } = env();
  return { key: `wechat-prepay:${wechatpay.combineMchid}`, limit: limits.prepayMaxPerSecond, windowSeconds: WINDOW_SECONDS };
};

/** The 429 of a spent budget: the shopper's cart queues (排队中) and retries with the same Idempotency-Key. */
export function budgetSpent(now = new Date()): AppError {
  return new AppError("RATE_LIMITED", "当前下单人数较多，正在排队，请稍候", {
    retryAfterSeconds: retryAfterSeconds([budgetRule()], now),
    reason: PREPAY_BUDGET_REASON,
  });
}

/**
 * Takes one unit of this second's prepay budget and answers when that second ends (the unit is good until
 * then: see prepayWithinBudget), or throws 429 RATE_LIMITED (retryAfterSeconds) and writes nothing.
 */
export async function takePrepayBudget(now = new Date()): Promise<Date> {
  const taken = await takeUnits([budgetRule()], now);
  if (!taken.taken) throw budgetSpent(now);
  return windowEnd(budgetRule(), now);
}

/**
 * The same unit taken inside the checkout's SQLite write (lib/db.ts sqliteWrite, one commit for both), now: the end
 * of its second, or undefined when the budget is spent (nothing taken). For a prepay made right after that write
 * commits; a rollback returns the unit.
 */
export function takePrepayBudgetSqlite(c: SqliteDirect): Date | undefined {
  const now = new Date();
  return takeUnitsSqlite(c, [budgetRule()], now) ? windowEnd(budgetRule(), now) : undefined;
}
