import { setTimeout as sleep } from "node:timers/promises";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

/**
 * Shoppers (anyone holding an order number) can trigger calls to WeChat, which rate-limits the
 * merchant as a whole: one abuser must not block every shopper. Each kind of call gets a lease
 * column on the order, claimed by a conditional UPDATE — so across every app process at most one
 * call of that kind per order starts per WECHAT_CALL_INTERVAL_SECONDS. Losers do not call WeChat.
 */
export type LeaseKind = "queryLeaseAt" | "prepayLeaseAt" | "closeLeaseAt";

export type Claim = { claimed: boolean; retryAfterSeconds: number };

export const callIntervalSeconds = () => env().limits.wechatCallIntervalSeconds;

export async function claimWechatCall(orderNo: string, kind: LeaseKind, now = new Date()): Promise<Claim> {
  const intervalMs = callIntervalSeconds() * 1000;
  const { count } = await prisma.order.updateMany({
    where: { orderNo, OR: [{ [kind]: null }, { [kind]: { lte: new Date(now.getTime() - intervalMs) } }] },
    data: { [kind]: now },
  });
  if (count === 1) return { claimed: true, retryAfterSeconds: intervalMs / 1000 };
  const row = (await prisma.order.findUnique({ where: { orderNo }, select: { [kind]: true } })) as Record<LeaseKind, Date | null> | null;
  const leaseAt = row?.[kind]?.getTime() ?? now.getTime();
  return { claimed: false, retryAfterSeconds: Math.max(1, Math.ceil((leaseAt + intervalMs - now.getTime()) / 1000)) };
}

/**
 * Frees a lease this process claimed at `claimedAt` and did not use, so the next request may call at once. Only
 * that claim: a lease another request took since is left alone.
 */
export async function releaseWechatCall(orderNo: string, kind: LeaseKind, claimedAt: Date): Promise<void> {
  await prisma.order.updateMany({ where: { orderNo, [kind]: claimedAt }, data: { [kind]: null } });
}

/**
 * Runs `call` (one WeChat call) only under a won lease. A loser — a double tap, a retry right after
 * a failure, a flood — polls our database for the winner's result (`settled`, undefined while
 * there is none) and claims again once the interval has passed; after `maxWaitMs` it gives up with
 * 429 RETRY_LATER. So however many requests arrive, at most one call per order per interval.
 */
export async function leasedCall<T>(
  orderNo: string,
  kind: LeaseKind,
  opts: {
    /** The call; `release()` frees the lease when the call did not go out after all (the prepay budget was spent). */
    call: (lease: { release(): Promise<void> }) => Promise<T>;
    settled: () => Promise<T | undefined>;
    message: string;
    maxWaitMs?: number;
    pollMs?: number;
  },
): Promise<T> {
  const deadline = Date.now() + (opts.maxWaitMs ?? 5_000);
  for (;;) {
    const claimedAt = new Date();
    const claim = await claimWechatCall(orderNo, kind, claimedAt);
    if (claim.claimed) return opts.call({ release: () => releaseWechatCall(orderNo, kind, claimedAt) });
    const claimAgainAt = Date.now() + claim.retryAfterSeconds * 1000;
    while (Date.now() < Math.min(claimAgainAt, deadline)) {
      await sleep(opts.pollMs ?? 100);
      const v = await opts.settled();
      if (v !== undefined) return v;
    }
    if (Date.now() >= deadline) throw new AppError("RETRY_LATER", opts.message, { retryAfterSeconds: claim.retryAfterSeconds });
  }
}
