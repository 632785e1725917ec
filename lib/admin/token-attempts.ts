// THE guard for every place that accepts ADMIN_TOKEN itself (the sign-in form, the scheduler's
// Bearer routes, and any future one). Failed attempts are counted per client in the database
// (lib/http/attempt-limiter.ts) and answered 429 with Retry-After once over the limit — even for
// the right token, so guessing cannot continue from that client. A success does not count.
//
// No lock is shared between clients: a client's failures delay that client only, so nobody can
// keep the owner out by failing from elsewhere.
//  - Growing delays per client: ADMIN_AUTH_MAX_FAILURES_PER_IP per window, then twice that per 4
//    windows, four times per 16, eight times per 96 (15 min, 1 h, 4 h, 24 h at the defaults) — a
//    client that keeps guessing waits longer and longer.
//  - All clients together: past ADMIN_AUTH_MAX_FAILURES_GLOBAL failures in a window (guessing spread
//    over many addresses), every client is allowed only UNDER_ATTACK_FAILURES_PER_CLIENT failures in
//    that window. A client that has not failed still gets its attempts: the owner signs in.
//  - Buckets: the sign-in form and the scheduler's Bearer token count apart, so an attack on one
//    never refuses the other.
// Clients are keyed by lib/http/request-guards.ts clientKey (the trusted address; an IPv6 /64).
import { env } from "@/lib/env";
import { beginAttempt, unitsUsed, type LimitRule } from "@/lib/http/attempt-limiter";
import { clientKey } from "@/lib/http/request-guards";
import { tokenMatches } from "./session";

export type TokenBucket = "sign-in" | "cron";

/** Failures each client may make per window while the failures of all clients are past the global mark. */
export const UNDER_ATTACK_FAILURES_PER_CLIENT = 3;
/** The ladder of growing delays: [window multiple, limit multiple]. */
const LADDER: [number, number][] = [
  [1, 1],
  [4, 2],
  [16, 4],
  [96, 8],
];
// Counts every evaluated failure of all clients together; never refuses by itself (int4-safe).
const UNCAPPED = 2_000_000_000;

const prefix = (bucket: TokenBucket) => (bucket === "cron" ? "cron-token" : "admin-token");

/** The shared counter of all clients' failures in the current window (read to detect an attack spread over many clients). */
export function allClientsRule(bucket: TokenBucket): LimitRule {
  return { key: `${prefix(bucket)}:all`, limit: UNCAPPED, windowSeconds: env().limits.adminAuthWindowSeconds };
}

export function adminTokenRules(request: Request, bucket: TokenBucket, underAttack = false): LimitRule[] {
  const l = env().limits;
  const client = `${prefix(bucket)}:ip:${clientKey(request)}`;
  return [
    ...LADDER.map(([windows, times], i) => ({
      key: i === 0 ? client : `${client}:${windows}w`,
      limit:
        i === 0 && underAttack
          ? Math.min(UNDER_ATTACK_FAILURES_PER_CLIENT, l.adminAuthMaxFailuresPerIp)
          : l.adminAuthMaxFailuresPerIp * times,
      windowSeconds: l.adminAuthWindowSeconds * windows,
    })),
    allClientsRule(bucket),
  ];
}

/**
 * true when `submitted` is ADMIN_TOKEN. Throws AppError TOO_MANY_ATTEMPTS (429, retryAfterSeconds)
 * when this client failed too often (see the top of this file); nothing is written then.
 */
export async function checkAdminToken(
  request: Request,
  submitted: string | undefined,
  adminToken: string,
  bucket: TokenBucket,
  now = new Date(),
): Promise<boolean> {
  const [allFailures] = await unitsUsed([allClientsRule(bucket)], now);
  const underAttack = allFailures! >= env().limits.adminAuthMaxFailuresGlobal;
  const attempt = await beginAttempt(adminTokenRules(request, bucket, underAttack), now);
  const ok = typeof submitted === "string" && submitted.length <= 1024 && tokenMatches(submitted, adminToken);
  if (ok) await attempt.succeeded();
  return ok;
}

/** `Authorization: Bearer <ADMIN_TOKEN>` for scheduler routes: 401 without a header, limited like sign-in (own bucket). */
export function bearerToken(request: Request): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
}
