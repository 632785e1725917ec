// The one gate of the back office. Every /api/admin/** handler is wrapped in adminRoute() and every
// /admin/** page calls requireAdminPage() first; tests/unit/admin/auth-walk.test.ts discovers all of
// them on disk and proves that none answers without a valid session.
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/respond";
import { isSessionRevoked } from "./revocation";
import { SESSION_COOKIE, readCookie, verifySessionValue } from "./session";

export const SIGN_IN_PATH = "/admin/sign-in";

/** ADMIN_TOKEN, or undefined when the back office is disabled (never open without a token). */
export function adminToken(): string | undefined {
  return env().adminToken;
}

export function secureCookies(): boolean {
  return env().appBaseUrl.startsWith("https://");
}

/** A signed, unexpired session that was not signed out (revocations live in the database). */
async function sessionValid(value: string | undefined, token: string): Promise<boolean> {
  return verifySessionValue(value, token).ok && !(await isSessionRevoked(value!));
}

export async function assertAdminRequest(request: Request): Promise<void> {
  const token = adminToken();
  if (!token) throw new AppError("ADMIN_DISABLED", "商户后台未启用：服务器未配置 ADMIN_TOKEN");
  const value = readCookie(request.headers.get("cookie"));
  const check = verifySessionValue(value, token);
  if (!check.ok) throw new AppError("UNAUTHORIZED", check.reason === "EXPIRED" ? "登录已过期，请重新登录" : "请先登录商户后台");
  if (await isSessionRevoked(value!)) throw new AppError("UNAUTHORIZED", "已退出登录，请重新登录");
  // State-changing admin calls must come from our own pages (SameSite=Strict already keeps the
  // cookie off cross-site requests; this is the second lock).
  if (request.method !== "GET" && request.method !== "HEAD") {
    if (request.headers.get("origin") !== env().appOrigin) throw new AppError("ORIGIN_NOT_ALLOWED", "请求来源不被允许");
  }
}

/** Wraps an admin route handler: session check first, then route()'s error mapping and request id. */
export function adminRoute<A extends unknown[]>(fn: (request: Request, ...rest: A) => Promise<Response>) {
  return route(async (request: Request, ...rest: A): Promise<Response> => {
    await assertAdminRequest(request);
    return fn(request, ...rest);
  });
}

/** Whether the current page request carries a valid session (no redirect; for the navigation bar). */
export async function hasAdminSession(): Promise<boolean> {
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  const token = adminToken();
  return !!token && (await sessionValid(value, token));
}

/** For server pages: redirects to the sign-in page unless the request carries a valid session. */
export async function requireAdminPage(returnTo: string): Promise<void> {
  // cookies() first: it marks the page dynamic, so nothing is prerendered at build time without a request.
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  const token = adminToken();
  if (!token || !(await sessionValid(value, token))) {
    redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(returnTo)}`);
  }
}

/**
 * Who made a back-office change, for audit rows. There is one ADMIN_TOKEN (no user accounts), so the
 * best available identity is the sign-in session: `admin#<first 8 characters of its random nonce>`.
 */
export function adminActor(request: Request): string {
  const nonce = readCookie(request.headers.get("cookie"))?.split(".")[3] ?? "";
  return `admin#${nonce.slice(0, 8) || "unknown"}`;
}
