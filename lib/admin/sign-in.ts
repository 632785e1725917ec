// Sign-in / sign-out. The form posts work without JavaScript (303 redirects); a JSON body gets JSON
// answers. Two ways in:
//  - {username, password, totp?}: a person's account session (the normal way);
//  - {token}: ADMIN_TOKEN, the break-glass owner session (audited as `break-glass:<session>`, shown
//    with a warning banner on every page).
// Secrets only ever travel in the POST body, never in a URL, and are never logged.
//
// Failed attempts are limited per client (lib/admin/token-attempts.ts, the same ladder as before) and,
// for an existing account, per account: ADMIN_AUTH_MAX_FAILURES_PER_ACCOUNT failures per
// ADMIN_AUTH_WINDOW_SECONDS from anywhere → 429 with Retry-After, even for the right password. Unknown
// usernames count only against the client (no row per guessed name) and cost what a real check costs.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { hashPassword, needsRehash, verifyNoAccount, verifyPassword } from "@/lib/accounts/password";
import { beginAttempt, unitsUsed, type LimitRule } from "@/lib/http/attempt-limiter";
import { readBodyCapped } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { errorResponse, json } from "@/lib/http/respond";
import { actorOf } from "./account-store";
import { meOf } from "./accounts";
import { adminToken, secureCookies, SIGN_IN_PATH } from "./guard";
import { revokeSession } from "./revocation";
import { clearedSessionCookie, createSessionValue, readCookie, safeAdminPath, sessionCookie } from "./session";
import { adminTokenRules, allClientsRule, checkAdminToken } from "./token-attempts";
import { checkSecondFactor } from "./two-factor";

function seeOther(location: string, cookie?: string): Response {
  const headers = new Headers({ location, "cache-control": "no-store" });
  if (cookie) headers.set("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

const signInWith = (error: string, next: string, username?: string) =>
  `${SIGN_IN_PATH}?error=${error}&next=${encodeURIComponent(next)}${username ? `&username=${encodeURIComponent(username)}` : ""}`;

const SignInSchema = z.object({
  token: z.string().max(1024).optional(),
  username: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
  totp: z.string().max(64).optional(),
  next: z.string().max(2048).optional(),
});
type SignInBody = z.infer<typeof SignInSchema>;

/** The per-account rule: bounded by the number of accounts (unknown usernames never get one). */
export function accountRule(accountId: string): LimitRule {
  const l = env().limits;
  return { key: `admin-account:${accountId}`, limit: l.adminAuthMaxFailuresPerAccount, windowSeconds: l.adminAuthWindowSeconds };
}

type Outcome =
  { ok: true; cookie: string; me?: ReturnType<typeof meOf> } | { ok: false; error: "invalid" | "totp" | "disabled"; username?: string };

async function signInWithPassword(request: Request, body: SignInBody, token: string): Promise<Outcome> {
  const username = (body.username ?? "").trim().toLowerCase();
  const password = body.password ?? "";
  const account = /^[a-z0-9_.-]{3,32}$/.test(username) ? await prisma.adminAccount.findUnique({ where: { username } }) : null;
  const [allFailures] = await unitsUsed([allClientsRule("sign-in")], new Date());
  const underAttack = allFailures! >= env().limits.adminAuthMaxFailuresGlobal;
  // Throws TOO_MANY_ATTEMPTS before any password is compared.
  const attempt = await beginAttempt([...adminTokenRules(request, "sign-in", underAttack), ...(account ? [accountRule(account.id)] : [])]);
  if (!account || account.passwordHash === null || account.status !== "ACTIVE") {
    await verifyNoAccount(password);
    return { ok: false, error: "invalid" };
  }
  if (!(await verifyPassword(account.passwordHash, password))) return { ok: false, error: "invalid" };
  if (account.totpEnabledAt !== null) {
    const second = await checkSecondFactor(account, body.totp);
    if (!second) return { ok: false, error: "totp", username };
  }
  await attempt.succeeded();
  if (needsRehash(account.passwordHash)) {
    // Only if nobody changed it meanwhile (a reset or a new invite wins).
    await prisma.adminAccount.updateMany({
      where: { id: account.id, passwordHash: account.passwordHash },
      data: { passwordHash: await hashPassword(password) },
    });
  }
  const value = createSessionValue(token, Date.now(), undefined, { accountId: account.id, sessionVersion: account.sessionVersion });
  return { ok: true, cookie: sessionCookie(value, secureCookies()), me: meOf(actorOf(account, "")) };
}

async function signInWithToken(request: Request, body: SignInBody, token: string): Promise<Outcome> {
  const ok = await checkAdminToken(request, body.token, token, "sign-in");
  if (!ok) return { ok: false, error: "invalid" };
  return { ok: true, cookie: sessionCookie(createSessionValue(token), secureCookies()) };
}

async function readBody(request: Request): Promise<{ body: SignInBody; isJson: boolean }> {
  const type = request.headers.get("content-type") ?? "";
  const isJson = /^application\/json\b/i.test(type);
  const bytes = await readBodyCapped(request, env().limits.apiMaxBodyBytes);
  let raw: unknown;
  if (isJson) {
    try {
      raw = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new AppError("INVALID_JSON", "请求内容不是有效的 JSON");
    }
  } else {
    const form = await new Response(new Uint8Array(bytes), { headers: { "content-type": type } }).formData().catch(() => new FormData());
    raw = Object.fromEntries([...form.entries()].filter(([, v]) => typeof v === "string"));
  }
  const parsed = SignInSchema.safeParse(raw);
  return { body: parsed.success ? parsed.data : {}, isJson };
}

const MESSAGES = { invalid: "用户名或密码不正确", totp: "请输入正确的两步验证码", disabled: "商户后台未启用" } as const;

export async function handleSignIn(request: Request): Promise<Response> {
  if (request.headers.get("origin") !== env().appOrigin) return new Response("forbidden origin", { status: 403 });
  let body: SignInBody, isJson: boolean;
  try {
    ({ body, isJson } = await readBody(request));
  } catch (e) {
    if (e instanceof AppError) return errorResponse(e);
    return seeOther(signInWith("invalid", "/admin"));
  }
  const next = safeAdminPath(body.next);
  const token = adminToken();
  if (!token) return isJson ? errorResponse(new AppError("ADMIN_DISABLED", MESSAGES.disabled)) : seeOther(`${SIGN_IN_PATH}?error=disabled`);
  let outcome: Outcome;
  try {
    outcome = body.username !== undefined ? await signInWithPassword(request, body, token) : await signInWithToken(request, body, token);
  } catch (e) {
    // Over a limit: 429 with Retry-After, nothing compared.
    if (e instanceof AppError && e.code === "TOO_MANY_ATTEMPTS") {
      if (isJson) return errorResponse(e);
      const seconds = Number(e.extra?.retryAfterSeconds ?? 60);
      return new Response(`${e.message}\n`, {
        status: 429,
        headers: { "content-type": "text/plain; charset=utf-8", "retry-after": String(seconds), "cache-control": "no-store" },
      });
    }
    throw e;
  }
  if (!outcome.ok) {
    // A small delay on top of the database limits, which are the real defence.
    await sleep(400);
    if (isJson) {
      return json(
        { code: "UNAUTHORIZED", message: MESSAGES[outcome.error], ...(outcome.error === "totp" ? { totpRequired: true } : {}) },
        401,
      );
    }
    return seeOther(signInWith(outcome.error, next, outcome.username));
  }
  if (isJson) return json({ me: outcome.me ?? null, next }, 200, { "set-cookie": outcome.cookie });
  return seeOther(next, outcome.cookie);
}

/** Clears the cookie and revokes the session server-side, so a copy of the cookie stops working too. */
export async function handleSignOut(request: Request): Promise<Response> {
  if (request.headers.get("origin") !== env().appOrigin) return new Response("forbidden origin", { status: 403 });
  const token = adminToken();
  if (token) await revokeSession(readCookie(request.headers.get("cookie")), token);
  return seeOther(`${SIGN_IN_PATH}?signedOut=1`, clearedSessionCookie(secureCookies()));
}
