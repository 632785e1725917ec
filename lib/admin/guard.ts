// The one gate of the back office. Every /api/admin/** handler is wrapped in adminRoute() and every
// /admin/** page calls requireAdminPage() first; tests/unit/admin/auth-walk.test.ts discovers all of
// them on disk and proves that none answers without a valid session. Both hand the handler the
// caller as an AdminActor (lib/admin/scope.ts), which every back-office query and mutation takes:
// tests/integration/admin-scope.ts walks every route and page as a store's staff.
import { cookies } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/respond";
import { runAsActor } from "@/lib/payment-events/actor-context";
import { loadAccountActor } from "./account-store";
import { isSessionRevoked, sessionNonce } from "./revocation";
import { actorLabel, breakGlassActor, type AdminActor } from "./scope";
import { SESSION_COOKIE, readCookie, verifySessionValue } from "./session";

export const SIGN_IN_PATH = "/admin/sign-in";

/** ADMIN_TOKEN, or undefined when the back office is disabled (never open without a token). */
export function adminToken(): string | undefined {
  return env().adminToken;
}

export function secureCookies(): boolean {
  return env().appBaseUrl.startsWith("https://");
}

type Resolved = { ok: true; actor: AdminActor } | { ok: false; message: string };

/**
 * The caller behind a session cookie value: signed and unexpired, not signed out, and — for an
 * account session — the account still active at the version the session was issued under (decided by
 * the database on every request, so disabling, a role/store/password change or "sign out everywhere"
 * refuse the very next request).
 */
export async function resolveSession(value: string | undefined, token: string): Promise<Resolved> {
  const check = verifySessionValue(value, token);
  if (!check.ok) return { ok: false, message: check.reason === "EXPIRED" ? "登录已过期，请重新登录" : "请先登录商户后台" };
  if (await isSessionRevoked(value!)) return { ok: false, message: "已退出登录，请重新登录" };
  const tag = sessionNonce(value!).slice(0, 8);
  if (!check.account) return { ok: true, actor: breakGlassActor(tag) };
  const actor = await loadAccountActor(check.account, tag);
  return actor ? { ok: true, actor } : { ok: false, message: "账号已停用或权限已变更，请重新登录" };
}

export async function assertAdminRequest(request: Request): Promise<AdminActor> {
  const token = adminToken();
  if (!token) throw new AppError("ADMIN_DISABLED", "商户后台未启用：服务器未配置 ADMIN_TOKEN");
  const resolved = await resolveSession(readCookie(request.headers.get("cookie")), token);
  if (!resolved.ok) throw new AppError("UNAUTHORIZED", resolved.message);
  // State-changing admin calls must come from our own pages (SameSite=Strict already keeps the
  // cookie off cross-site requests; this is the second lock).
  if (request.method !== "GET" && request.method !== "HEAD") {
    if (request.headers.get("origin") !== env().appOrigin) throw new AppError("ORIGIN_NOT_ALLOWED", "请求来源不被允许");
  }
  return resolved.actor;
}

/**
 * Wraps an admin route handler: session check first, then route()'s error mapping and request id.
 * The handler gets the caller as its third argument and passes it to every lib call.
 */
export function adminRoute<C = unknown>(fn: (request: Request, ctx: C, actor: AdminActor) => Promise<Response>) {
  return route(async (request: Request, ctx?: C): Promise<Response> => {
    const actor = await assertAdminRequest(request);
    // The person behind any payment event the handler writes (a close, a query, a refund).
    return runAsActor(actorLabel(actor), () => fn(request, ctx as C, actor));
  });
}

/** The caller of the current page request, or null (no redirect; for the navigation bar). */
export async function currentAdmin(): Promise<AdminActor | null> {
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  const token = adminToken();
  if (!token) return null;
  const r = await resolveSession(value, token);
  return r.ok ? r.actor : null;
}

/** For server pages: redirects to the sign-in page unless the request carries a valid session; returns the caller. */
export async function requireAdminPage(returnTo: string): Promise<AdminActor> {
  // cookies() first: it marks the page dynamic, so nothing is prerendered at build time without a request.
  const actor = await currentAdmin();
  if (!actor) redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(returnTo)}`);
  return actor;
}

/**
 * For pages: what the lib answers NOT FOUND (another store's object) or FORBIDDEN (an area the role
 * never enters) renders the 404 page, the same for both so a page reveals nothing either.
 */
export function orNotFound<T>(p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    if (e instanceof AppError && (e.status === 404 || e.status === 403)) notFound();
    throw e;
  });
}
