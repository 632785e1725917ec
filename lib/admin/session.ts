// Admin session: the cookie holds an HMAC-signed, expiring claim — never ADMIN_TOKEN itself — so a
// leaked cookie dies with its expiry and changing ADMIN_TOKEN signs everybody out. Pure and clock-
// injectable: no Next.js, no env, so the rules are unit-tested directly.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SESSION_COOKIE = "admin_session";
export const SESSION_TTL_SECONDS = 8 * 3600;
const VERSION = "v1";

/** The signing key is derived from ADMIN_TOKEN (domain-separated), so it is never the token itself. */
function signingKey(adminToken: string): Buffer {
  return createHash("sha256").update(`admin-session-key\0${adminToken}`).digest();
}

/** Constant-time comparison of a submitted token with ADMIN_TOKEN (hashing first equalises lengths). */
export function tokenMatches(submitted: string, adminToken: string): boolean {
  const a = createHash("sha256").update(submitted).digest();
  const b = createHash("sha256").update(adminToken).digest();
  return timingSafeEqual(a, b) && submitted.length > 0;
}

function mac(adminToken: string, payload: string): string {
  return createHmac("sha256", signingKey(adminToken)).update(payload).digest("base64url");
}

/**
 * Break-glass (ADMIN_TOKEN) sessions: `v1.<issuedAt>.<expiresAt>.<nonce>.<mac>`.
 * Account sessions: `v2.<issuedAt>.<expiresAt>.<nonce>.<accountId>.<sessionVersion>.<mac>` — the account
 * and the version it was issued under; the guard compares the version with the account's current one
 * in the database on every request, so raising it revokes every open session of that account at once.
 * Times in unix seconds.
 */
export function createSessionValue(
  adminToken: string,
  nowMs = Date.now(),
  ttlSeconds = SESSION_TTL_SECONDS,
  account?: SessionAccount,
): string {
  const iat = Math.floor(nowMs / 1000);
  const nonce = randomBytes(12).toString("base64url");
  const payload = account
    ? `v2.${iat}.${iat + ttlSeconds}.${nonce}.${account.accountId}.${account.sessionVersion}`
    : `${VERSION}.${iat}.${iat + ttlSeconds}.${nonce}`;
  return `${payload}.${mac(adminToken, payload)}`;
}

/** The account an account session belongs to (ids are [A-Za-z0-9_-]: no dots). */
export interface SessionAccount {
  accountId: string;
  sessionVersion: number;
}

export type SessionCheck =
  { ok: true; expiresAt: Date; account?: SessionAccount } | { ok: false; reason: "MISSING" | "MALFORMED" | "BAD_SIGNATURE" | "EXPIRED" };

export function verifySessionValue(value: string | undefined, adminToken: string, nowMs = Date.now()): SessionCheck {
  if (!value) return { ok: false, reason: "MISSING" };
  const parts = value.split(".");
  const isAccount = parts[0] === "v2";
  if (!((parts.length === 5 && parts[0] === VERSION) || (parts.length === 7 && isAccount))) return { ok: false, reason: "MALFORMED" };
  const [, iatText, expText] = parts as [string, string, string];
  const sig = parts[parts.length - 1]!;
  const payload = parts.slice(0, -1).join(".");
  const expected = Buffer.from(mac(adminToken, payload));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "BAD_SIGNATURE" };
  const iat = Number(iatText),
    exp = Number(expText);
  const now = nowMs / 1000;
  // A signed but future-dated or over-long session can only come from a changed TTL or a skewed clock: refuse it.
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || exp - iat > SESSION_TTL_SECONDS || iat > now + 60) {
    return { ok: false, reason: "MALFORMED" };
  }
  if (exp <= now) return { ok: false, reason: "EXPIRED" };
  if (!isAccount) return { ok: true, expiresAt: new Date(exp * 1000) };
  const sessionVersion = Number(parts[5]);
  if (!parts[4] || !Number.isSafeInteger(sessionVersion)) return { ok: false, reason: "MALFORMED" };
  return { ok: true, expiresAt: new Date(exp * 1000), account: { accountId: parts[4], sessionVersion } };
}

/** Set-Cookie attributes. Path=/ covers both /admin and /api/admin; Secure whenever the app is served over https. */
export function sessionCookie(value: string, secure: boolean, maxAgeSeconds = SESSION_TTL_SECONDS): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    "Path=/",
    `Max-Age=${maxAgeSeconds}`,
    "HttpOnly",
    "SameSite=Strict",
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie("", secure, 0);
}

/** Reads one cookie from a Cookie header (no dependency on Next's cookie helpers). */
export function readCookie(header: string | null, name = SESSION_COOKIE): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/**
 * Where to go after signing in: only a path inside the back office, so the `next` parameter cannot be
 * used as an open redirect (`//evil.example`, `/\evil`, absolute URLs are all refused).
 */
export function safeAdminPath(next: unknown): string {
  if (typeof next !== "string") return "/admin";
  if (!/^\/admin(\/[A-Za-z0-9\-_/.~%]*)?(\?[^\\\s]*)?$/.test(next) || next.includes("//") || next.includes("/..")) return "/admin";
  return next;
}
