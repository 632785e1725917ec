import { z } from "zod";

// WeChat 网页授权 (OAuth2, scope snsapi_base) for the JSAPI channel: the authorize URL the shopper is sent to, and
// the server-side exchange of the code for the shopper's openid under the 服务号 (docs/wechatpay.md "JSAPI").
// The AppSecret and the web access_token never leave this module: not in messages, not in causes, not in results.

const APPID = /^[0-9A-Za-z_-]{1,32}$/;
/** WeChat: state is at most 128 bytes of [a-zA-Z0-9]. */
const STATE = /^[0-9A-Za-z]{1,128}$/;
/** Codes are short opaque tokens; anything else is refused before a call (never forwarded). */
const CODE = /^[0-9A-Za-z_-]{1,256}$/;

export const OAUTH_DEFAULT_TIMEOUT_MS = 5_000;
/** The answer is a few hundred bytes; more means something is wrong and is not read. */
export const OAUTH_MAX_RESPONSE_BYTES = 16 * 1024;

/** errcodes of the code exchange the app tells apart (the rest are "failed, restart"). */
export const OAUTH_ERRCODES = {
  SYSTEM_BUSY: -1,
  INVALID_CODE: 40029,
  CODE_USED: 40163,
  INVALID_APPID: 40013,
  INVALID_SECRET: 40125,
  RATE_LIMITED: 45011,
} as const;

export type WechatOauthFailure = "errcode" | "network" | "timeout" | "invalid_response";

/**
 * The code exchange failed. `reason: "errcode"` carries WeChat's errcode/errmsg (40029 invalid code, 40163 code
 * already used, …); the other reasons are ours (no answer, or an answer without an openid) and have errcode -1.
 */
export class WechatOauthError extends Error {
  readonly errcode: number;
  readonly errmsg: string;
  readonly reason: WechatOauthFailure;

  constructor(init: { errcode: number; errmsg: string; reason: WechatOauthFailure }) {
    super(`WeChat OAuth code exchange failed (${init.reason}, errcode ${init.errcode}): ${init.errmsg}`);
    this.name = "WechatOauthError";
    this.errcode = init.errcode;
    this.errmsg = init.errmsg;
    this.reason = init.reason;
  }

  /** The code itself is bad (invalid, used or expired): only a new authorization can help. */
  get codeRejected(): boolean {
    return this.reason === "errcode" && (this.errcode === OAUTH_ERRCODES.INVALID_CODE || this.errcode === OAUTH_ERRCODES.CODE_USED);
  }
}

function baseUrl(value: string, field: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`${field} must be an absolute http(s) URL`);
  }
  if ((u.protocol !== "https:" && u.protocol !== "http:") || u.search || u.hash || u.username || u.password) {
    throw new TypeError(`${field} must be an http(s) URL without query, fragment or credentials`);
  }
  return u.href.replace(/\/+$/, "");
}

export interface OauthAuthorizeUrlInput {
  /** e.g. https://open.weixin.qq.com (WECHAT_OPEN_BASE_URL). */
  openBaseUrl: string;
  /** The 服务号 appid: the combine_appid of JSAPI orders. */
  appId: string;
  /** Absolute http(s) URL on the 服务号's 网页授权域名. */
  redirectUri: string;
  /** 1–128 characters of [0-9A-Za-z]. */
  state: string;
}

/**
 * `…/connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope=snsapi_base&state#wechat_redirect`.
 * The parameter order is WeChat's and matters (its page matches the link as written), as does the fragment.
 */
export function buildOauthAuthorizeUrl(input: OauthAuthorizeUrlInput): string {
  const base = baseUrl(input.openBaseUrl, "openBaseUrl");
  if (!APPID.test(input.appId)) throw new TypeError("appId must be 1–32 characters of [0-9A-Za-z_-]");
  if (!STATE.test(input.state)) throw new TypeError("state must be 1–128 characters of [0-9A-Za-z]");
  let redirect: URL;
  try {
    redirect = new URL(input.redirectUri);
  } catch {
    throw new TypeError("redirectUri must be an absolute http(s) URL");
  }
  if (redirect.protocol !== "https:" && redirect.protocol !== "http:") throw new TypeError("redirectUri must be an http(s) URL");
  return (
    `${base}/connect/oauth2/authorize?appid=${input.appId}&redirect_uri=${encodeURIComponent(input.redirectUri)}` +
    `&response_type=code&scope=snsapi_base&state=${input.state}#wechat_redirect`
  );
}

const AccessTokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().optional(),
  refresh_token: z.string().optional(),
  openid: z.string().regex(/^[0-9A-Za-z_-]{1,128}$/),
  scope: z.string().optional(),
  // "only when the user is a snapshot-page virtual account, value 1": a virtual openid cannot pay.
  is_snapshotuser: z.number().optional(),
  unionid: z.string().optional(),
});

const ErrcodeSchema = z.looseObject({ errcode: z.number(), errmsg: z.string().optional() });

export interface ExchangeOauthCodeInput {
  /** e.g. https://api.weixin.qq.com (WECHAT_API_BASE_URL). */
  apiBaseUrl: string;
  appId: string;
  /** The 服务号's AppSecret: sent to WeChat only, never echoed. */
  secret: string;
  code: string;
  fetchImpl?: typeof fetch;
  /** Default 5000 ms, for the whole call including the body. */
  timeoutMs?: number;
}

export interface OauthIdentity {
  openid: string;
  /** A snapshot-page virtual account (is_snapshotuser = 1): treat as "no openid". */
  isSnapshotUser: boolean;
  scope?: string;
}

/** Reads at most `limit` bytes; a longer answer is refused unread. */
async function readLimited(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new WechatOauthError({ errcode: -1, errmsg: `response larger than ${limit} bytes`, reason: "invalid_response" });
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new WechatOauthError({ errcode: -1, errmsg: `response larger than ${limit} bytes`, reason: "invalid_response" });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** errmsg is WeChat's free text: cut short, and never let it carry the secret or the code back into our logs. */
function cleanErrmsg(errmsg: string | undefined, secrets: string[]): string {
  let s = (errmsg ?? "").slice(0, 200);
  for (const secret of secrets) if (secret.length >= 4) s = s.split(secret).join("***");
  return s;
}

/**
 * GET …/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code, server-side only. Returns the
 * openid; the web access_token is dropped (payment does not need it). Throws WechatOauthError on an errcode, no
 * answer within the time-out, or an answer without a usable openid.
 */
export async function exchangeOauthCode(input: ExchangeOauthCodeInput): Promise<OauthIdentity> {
  const base = baseUrl(input.apiBaseUrl, "apiBaseUrl");
  if (!APPID.test(input.appId)) throw new TypeError("appId must be 1–32 characters of [0-9A-Za-z_-]");
  if (typeof input.secret !== "string" || input.secret === "") throw new TypeError("secret must be a non-empty string");
  if (!CODE.test(input.code)) {
    // WeChat's own answer for a malformed code, without spending a call on it.
    throw new WechatOauthError({ errcode: OAUTH_ERRCODES.INVALID_CODE, errmsg: "invalid code", reason: "errcode" });
  }
  const timeoutMs = input.timeoutMs ?? OAUTH_DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1) throw new TypeError("timeoutMs must be ≥ 1");
  const fetchImpl = input.fetchImpl ?? globalThis.fetch;
  const url =
    `${base}/sns/oauth2/access_token?appid=${encodeURIComponent(input.appId)}&secret=${encodeURIComponent(input.secret)}` +
    `&code=${encodeURIComponent(input.code)}&grant_type=authorization_code`;

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let text: string;
  try {
    const res = await fetchImpl(url, {
      method: "GET",
      signal: controller.signal,
      redirect: "error",
      headers: { accept: "application/json" },
    });
    text = await readLimited(res, OAUTH_MAX_RESPONSE_BYTES);
    if (!res.ok && text === "") {
      throw new WechatOauthError({ errcode: -1, errmsg: `HTTP ${res.status}`, reason: "invalid_response" });
    }
  } catch (e) {
    if (e instanceof WechatOauthError) throw e;
    // The transport error is reduced to its code: its message or cause could hold the URL, and the URL holds the secret.
    const code = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
    throw new WechatOauthError(
      timedOut
        ? { errcode: -1, errmsg: `no answer within ${timeoutMs} ms`, reason: "timeout" }
        : { errcode: -1, errmsg: `network error${typeof code === "string" ? ` (${code})` : ""}`, reason: "network" },
    );
  } finally {
    clearTimeout(timer);
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WechatOauthError({ errcode: -1, errmsg: "response is not JSON", reason: "invalid_response" });
  }
  const err = ErrcodeSchema.safeParse(json);
  if (err.success && err.data.errcode !== 0) {
    throw new WechatOauthError({
      errcode: err.data.errcode,
      errmsg: cleanErrmsg(err.data.errmsg, [input.secret, input.code]),
      reason: "errcode",
    });
  }
  const ok = AccessTokenResponseSchema.safeParse(json);
  if (!ok.success) {
    const field = ok.error.issues[0]?.path.join(".") || "body";
    throw new WechatOauthError({ errcode: -1, errmsg: `response field ${field} missing or malformed`, reason: "invalid_response" });
  }
  return {
    openid: ok.data.openid,
    isSnapshotUser: ok.data.is_snapshotuser === 1,
    ...(ok.data.scope !== undefined ? { scope: ok.data.scope } : {}),
  };
}
