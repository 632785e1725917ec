// Who pays inside WeChat: OAuth 网页授权 with scope snsapi_base (README "Paying inside WeChat (JSAPI)"), started only
// by the shopper's tap on 去支付 — never on page open (WeChat answers forced sign-in with a snapshot page).
//
// - The tap's POST /api/checkout answers 409 WECHAT_AUTH_REQUIRED with the authorize URL; the page navigates there.
// - `state` is 32 random characters, bound to this browser by the httpOnly cookie wx_oauth (10 minutes, path of the
//   callback only) that also names a cart draft (lib/in-app/cart-drafts.ts) saved by the tap.
// - Single use is decided by the database: the callback consumes that draft with one conditional update (unused,
//   created less than 10 minutes ago). No row is written per unauthenticated request beyond the drafts' existing,
//   counted limits (CART_DRAFT_MAX_PER_CLIENT_PER_HOUR, _MAX_PER_MINUTE, _MAX_LIVE): a callback without a cookie
//   naming a live draft is refused with no write and no WeChat call, and each draft buys at most one code exchange.
// - The callback exchanges the code server-side and keeps only the openid, in the HMAC-signed httpOnly cookie
//   wx_openid (bound to the 服务号's appid). The access_token is never kept.
// - The cart itself stays where it was (localStorage; the form in sessionStorage): the page picks up after the
//   round trip and checks out with the same Idempotency-Key.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { buildOauthAuthorizeUrl, exchangeOauthCode, WechatOauthError } from "@/lib/wechatpay";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { json } from "@/lib/http/respond";
import { clientKey } from "@/lib/http/request-guards";
import { readCookie } from "@/lib/admin/session";
import { logger } from "@/lib/log";
import { hashDraftToken, saveCartDraft, DRAFT_TOKEN_PATTERN, type DraftItem } from "./cart-drafts";

const log = logger("wechat-oauth");

export const OAUTH_STATE_COOKIE = "wx_oauth";
export const OPENID_COOKIE = "wx_openid";
export const OAUTH_CALLBACK_PATH = "/api/wechat/oauth/callback";
export const OAUTH_STATE_TTL_SECONDS = 10 * 60;
/** The openid of a browser under one 服务号 never changes: kept a week, then asked again on the next tap. */
export const OPENID_COOKIE_TTL_SECONDS = 7 * 24 * 3600;
const STATE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const STATE_PATTERN = /^[0-9A-Za-z]{32}$/;
const OPENID_PATTERN = /^[0-9A-Za-z_-]{1,128}$/;

function jsapiConfig() {
  const c = env().wechatJsapi;
  if (!c.enabled) throw new Error("WeChat OAuth used while WECHAT_JSAPI_ENABLED is off");
  return c;
}

const secure = () => (env().appBaseUrl.startsWith("https://") ? "; Secure" : "");

/** 32 characters of [0-9A-Za-z] (WeChat allows only those in state), ~190 bits. */
export function newOauthState(): string {
  let s = "";
  // 62 does not divide 256: drop the top bytes so every character is equally likely.
  while (s.length < 32) for (const b of randomBytes(48)) if (b < 248 && s.length < 32) s += STATE_ALPHABET[b % 62];
  return s;
}

/**
 * The tap on 去支付 inside WeChat without an openid yet: saves the cart as a draft (bounded as every draft), sets the
 * state cookie and answers 409 WECHAT_AUTH_REQUIRED with the URL the page navigates to. Creates no order.
 */
export async function startWechatAuth(request: Request, items: readonly DraftItem[], message?: string): Promise<Response> {
  const c = jsapiConfig();
  const draft = await saveCartDraft(items, { client: clientKey(request) });
  const state = newOauthState();
  const authorizeUrl = buildOauthAuthorizeUrl({
    openBaseUrl: c.openBaseUrl,
    appId: c.mpAppid,
    redirectUri: `${env().appBaseUrl}${OAUTH_CALLBACK_PATH}`,
    state,
  });
  const cookies = [
    `${OAUTH_STATE_COOKIE}=${state}.${draft.token}; Path=${OAUTH_CALLBACK_PATH}; Max-Age=${OAUTH_STATE_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure()}`,
  ];
  // A restart after WeChat refused the openid: the old one must not be offered again.
  if (message) cookies.push(clearedOpenidCookie());
  const res = json(
    { code: "WECHAT_AUTH_REQUIRED", message: message ?? "正在确认你的微信身份…", authorizeUrl, ...(message ? { restart: true } : {}) },
    409,
  );
  for (const cookie of cookies) res.headers.append("set-cookie", cookie);
  return res;
}

// --- The signed openid cookie ---

function openidKey(): Buffer {
  return createHash("sha256").update(`wechat-openid-cookie\0${env().wechatpay.apiV3Key}`).digest();
}

function openidMac(appid: string, openid: string, exp: number): string {
  return createHmac("sha256", openidKey()).update(`v1\0${appid}\0${openid}\0${exp}`).digest("base64url");
}

export function openidCookie(openid: string, nowMs = Date.now()): string {
  const { mpAppid } = jsapiConfig();
  const exp = Math.floor(nowMs / 1000) + OPENID_COOKIE_TTL_SECONDS;
  const value = `v1.${openid}.${exp}.${openidMac(mpAppid, openid, exp)}`;
  return `${OPENID_COOKIE}=${value}; Path=/; Max-Age=${OPENID_COOKIE_TTL_SECONDS}; HttpOnly; SameSite=Lax${secure()}`;
}

export function clearedOpenidCookie(): string {
  return `${OPENID_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure()}`;
}

/** The openid this browser proved under the current 服务号 (signature, appid and expiry checked), or undefined. */
export function openidFrom(request: Request, nowMs = Date.now()): string | undefined {
  return openidFromCookies(request.headers.get("cookie"), nowMs);
}

/** The same, from a Cookie header (server components read it with next/headers). */
export function openidFromCookies(cookieHeader: string | null, nowMs = Date.now()): string | undefined {
  const c = env().wechatJsapi;
  if (!c.enabled) return undefined;
  const value = readCookie(cookieHeader, OPENID_COOKIE);
  const parts = value?.split(".");
  if (!parts || parts.length !== 4 || parts[0] !== "v1") return undefined;
  const [, openid, expText, mac] = parts as [string, string, string, string];
  const exp = Number(expText);
  if (!OPENID_PATTERN.test(openid) || !Number.isSafeInteger(exp) || exp <= nowMs / 1000) return undefined;
  const expected = Buffer.from(openidMac(c.mpAppid, openid, exp));
  const given = Buffer.from(mac);
  return given.length === expected.length && timingSafeEqual(given, expected) ? openid : undefined;
}

// --- The callback ---

export type OauthFailure = "STATE_MISSING" | "STATE_MISMATCH" | "STATE_USED_OR_EXPIRED" | "NO_CODE" | "EXCHANGE_FAILED" | "SNAPSHOT_USER";

export class OauthCallbackError extends Error {
  constructor(
    readonly failure: OauthFailure,
    readonly status: 400 | 502,
    message: string,
  ) {
    super(message);
    this.name = "OauthCallbackError";
  }
}

/** Checks the state against this browser's cookie and consumes it (one conditional update): once, within 10 minutes. */
export async function consumeOauthState(cookieHeader: string | null, state: string | null, now = new Date()): Promise<void> {
  const cookie = readCookie(cookieHeader, OAUTH_STATE_COOKIE);
  const [cookieState, token] = cookie?.split(".") ?? [];
  if (!cookieState || !token || !STATE_PATTERN.test(cookieState) || !DRAFT_TOKEN_PATTERN.test(token)) {
    throw new OauthCallbackError("STATE_MISSING", 400, "授权已失效：请回到购物车重新点击「去支付」。");
  }
  const given = Buffer.from(state ?? "");
  const expected = Buffer.from(cookieState);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new OauthCallbackError("STATE_MISMATCH", 400, "授权校验未通过（不是从本页面发起的）：请回到购物车重新点击「去支付」。");
  }
  const { count } = await prisma.cartDraft.updateMany({
    where: {
      tokenHash: hashDraftToken(token),
      usedAt: null,
      createdAt: { gt: new Date(now.getTime() - OAUTH_STATE_TTL_SECONDS * 1000) },
    },
    data: { usedAt: now },
  });
  if (count !== 1) throw new OauthCallbackError("STATE_USED_OR_EXPIRED", 400, "授权链接已使用或已过期：请回到购物车重新点击「去支付」。");
}

/**
 * GET /api/wechat/oauth/callback?code&state: the state (above), then the code exchanged on the server for the openid.
 * Returns the openid; every failure is an OauthCallbackError the route shows as a page with a retry button.
 */
export async function completeWechatAuth(request: Request, now = new Date()): Promise<string> {
  const c = jsapiConfig();
  const url = new URL(request.url);
  await consumeOauthState(request.headers.get("cookie"), url.searchParams.get("state"), now);
  const code = url.searchParams.get("code");
  if (!code) throw new OauthCallbackError("NO_CODE", 400, "微信没有返回授权结果：请重新点击「去支付」。");
  let identity;
  try {
    identity = await exchangeOauthCode({ apiBaseUrl: c.apiBaseUrl, appId: c.mpAppid, secret: c.mpAppSecret.reveal(), code });
  } catch (e) {
    if (!(e instanceof WechatOauthError)) throw e;
    log.warn({ errcode: e.errcode, reason: e.reason }, "wechat oauth: code exchange failed");
    if (e.reason === "errcode") {
      throw new OauthCallbackError("EXCHANGE_FAILED", 400, `微信身份确认失败（错误码 ${e.errcode}）：请重新点击「去支付」。`);
    }
    throw new OauthCallbackError("EXCHANGE_FAILED", 502, "暂时无法连接微信确认身份：请稍后重新点击「去支付」。");
  }
  if (identity.isSnapshotUser) {
    throw new OauthCallbackError(
      "SNAPSHOT_USER",
      400,
      "当前是微信的快照页，无法确认你的身份：请点击页面底部的「使用完整服务」后，再点击「去支付」。",
    );
  }
  return identity.openid;
}

/** The cookie that ends the state's life in the browser too (the database already did). */
export function clearedStateCookie(): string {
  return `${OAUTH_STATE_COOKIE}=; Path=${OAUTH_CALLBACK_PATH}; Max-Age=0; HttpOnly; SameSite=Lax${secure()}`;
}

/** WECHAT_REAUTH_REQUIRED from the JSAPI prepay (the openid was refused): the route restarts the OAuth once. */
export function isReauthRequired(e: unknown): e is AppError {
  return e instanceof AppError && e.code === "WECHAT_REAUTH_REQUIRED";
}
