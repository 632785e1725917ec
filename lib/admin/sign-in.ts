// Sign-in / sign-out as plain HTML form posts (work without JavaScript). Answers are 303 redirects;
// the token only ever travels in the POST body, never in a URL, and is never logged.
import { setTimeout as sleep } from "node:timers/promises";
import { env } from "@/lib/env";
import { adminToken, secureCookies, SIGN_IN_PATH } from "./guard";
import { clearedSessionCookie, createSessionValue, safeAdminPath, sessionCookie, tokenMatches } from "./session";

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
    form = await request.formData();
  } catch {
    return seeOther(signInWith("invalid", "/admin"));
  }
  const next = safeAdminPath(form.get("next"));
  const token = adminToken();
  if (!token) return seeOther(`${SIGN_IN_PATH}?error=disabled`);
  const submitted = form.get("token");
  if (typeof submitted !== "string" || submitted.length > 1024 || !tokenMatches(submitted, token)) {
    // Slow down guessing a little; the real defence is a long random ADMIN_TOKEN (≥ 16 chars enforced).
    await sleep(400);
    return seeOther(signInWith("invalid", next));
  }
  return seeOther(next, sessionCookie(createSessionValue(token), secureCookies()));
}

export function handleSignOut(request: Request): Response {
  if (request.headers.get("origin") !== env().appOrigin) return new Response("forbidden origin", { status: 403 });
  return seeOther(`${SIGN_IN_PATH}?signedOut=1`, clearedSessionCookie(secureCookies()));
}
