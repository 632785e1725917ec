// Sign-in / sign-out as plain HTML form posts (work without JavaScript). Answers are 303 redirects;
// the token only ever travels in the POST body, never in a URL, and is never logged.
import { setTimeout as sleep } from "node:timers/promises";
import { env } from "@/lib/env";
import { adminToken, secureCookies, SIGN_IN_PATH } from "./guard";
import { readFormCapped } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/respond";
import { revokeSession } from "./revocation";
import { clearedSessionCookie, createSessionValue, readCookie, safeAdminPath, sessionCookie } from "./session";
import { checkAdminToken } from "./token-attempts";

function seeOther(location: string, cookie?: string): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  if (cookie) headers.set("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

const signInWith = (error: string, next: string) => `${SIGN_IN_PATH}?error=${error}&next=${encodeURIComponent(next)}`;

export async function handleSignIn(request: Request): Promise<Response> {
  if (request.headers.get("origin") !== env().appOrigin) return new Response("forbidden origin", { status: 403 });
  let form: FormData;
  try {
    form = await readFormCapped(request, env().limits.apiMaxBodyBytes);
  } catch (e) {
    if (e instanceof AppError && e.code === "PAYLOAD_TOO_LARGE") return errorResponse(e);
    return seeOther(signInWith("invalid", "/admin"));
  }
  const next = safeAdminPath(form.get("next"));
  const token = adminToken();
  if (!token) return seeOther(`${SIGN_IN_PATH}?error=disabled`);
  const submitted = form.get("token");
  let ok: boolean;
  try {
    ok = await checkAdminToken(request, typeof submitted === "string" ? submitted : undefined, token, "sign-in");
  } catch (e) {
    // Over this client's failed-attempt limit: 429 with Retry-After, token not even compared.
    if (e instanceof AppError && e.code === "TOO_MANY_ATTEMPTS") {
      const seconds = Number(e.extra?.retryAfterSeconds ?? 60);
      return new Response(`${e.message}\n`, {
        status: 429,
        headers: { "content-type": "text/plain; charset=utf-8", "retry-after": String(seconds), "cache-control": "no-store" },
      });
    }
    throw e;
  }
  if (!ok) {
    // A small delay on top of the database limit (ADMIN_AUTH_*), which is the real defence.
    await sleep(400);
    return seeOther(signInWith("invalid", next));
  }
  return seeOther(next, sessionCookie(createSessionValue(token), secureCookies()));
}

/** Clears the cookie and revokes the session server-side, so a copy of the cookie stops working too. */
export async function handleSignOut(request: Request): Promise<Response> {
  if (request.headers.get("origin") !== env().appOrigin) return new Response("forbidden origin", { status: 403 });
  const token = adminToken();
  if (token) await revokeSession(readCookie(request.headers.get("cookie")), token);
  return seeOther(`${SIGN_IN_PATH}?signedOut=1`, clearedSessionCookie(secureCookies()));
}
