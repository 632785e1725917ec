// THE guard for every place that accepts ADMIN_TOKEN itself (the sign-in form, the scheduler's
// Bearer routes, and any future one): failed attempts are limited in the database per client IP
// and globally (ADMIN_AUTH_* in lib/env.ts), answered 429 with Retry-After once over the limit —
// even for the right token, so guessing cannot continue. A success does not count.
import { env } from "@/lib/env";
import { beginAttempt, type LimitRule } from "@/lib/http/attempt-limiter";
import { clientIp } from "@/lib/http/request-guards";
import { tokenMatches } from "./session";

export function adminTokenRules(request: Request): LimitRule[] {
  const l = env().limits;
  return [
    { key: `admin-token:ip:${clientIp(request)}`, limit: l.adminAuthMaxFailuresPerIp, windowSeconds: l.adminAuthWindowSeconds },
    { key: "admin-token:global", limit: l.adminAuthMaxFailuresGlobal, windowSeconds: l.adminAuthWindowSeconds },
  ];
}

/**
 * true when `submitted` is ADMIN_TOKEN. Throws AppError TOO_MANY_ATTEMPTS (429, retryAfterSeconds)
 * when this client or everybody together failed too often in the current window.
 */
export async function checkAdminToken(request: Request, submitted: string | undefined, adminToken: string): Promise<boolean> {
  const attempt = await beginAttempt(adminTokenRules(request));
  const ok = typeof submitted === "string" && submitted.length <= 1024 && tokenMatches(submitted, adminToken);
  if (ok) await attempt.succeeded();
  return ok;
}

/** `Authorization: Bearer <ADMIN_TOKEN>` for scheduler routes: 401 without a header, limited like sign-in. */
export function bearerToken(request: Request): string | undefined {
  return /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
}
