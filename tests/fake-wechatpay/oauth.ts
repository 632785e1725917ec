// WeChat 网页授权 (OAuth2 snsapi_base) as the JSAPI channel needs it: the authorize page (a consent-less 302 back to
// redirect_uri with code and state) and the server-side code exchange (/sns/oauth2/access_token). Not APIv3: no
// signatures, answers are plain JSON with errcode/errmsg, like api.weixin.qq.com.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeContext } from "./context";
import { escapeHtml, headerValue, send, sendJson, splitTarget } from "./http-util";
import { fakeOpenid, OAUTH_CODE_TTL_MS, snapshotOpenid, USER_RE, WECHAT_USER_COOKIE } from "./oauth-codes";
import { randomAlnum } from "./signing";

export const OAUTH_AUTHORIZE_PATH = "/connect/oauth2/authorize";
export const OAUTH_ACCESS_TOKEN_PATH = "/sns/oauth2/access_token";
function cookieUser(req: IncomingMessage): string | undefined {
  const header = headerValue(req, "cookie") ?? "";
  for (const part of header.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === WECHAT_USER_COOKIE) {
      const value = decodeURIComponent(v.join("="));
      return USER_RE.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/** WeChat's OAuth errors are pages inside WeChat; X-Fake-Oauth-Error carries the errcode for tests. */
function errorPage(res: ServerResponse, errcode: number, message: string): void {
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>微信网页授权</title></head><body style="font-family:sans-serif;text-align:center;padding:48px 16px">
<p role="alert" data-errcode="${errcode}">${escapeHtml(message)}</p><p style="color:#888">errcode ${errcode}</p>
<p style="color:#b00;font-size:12px">TEST ONLY：本地模拟的微信网页授权</p></body></html>`;
  send(res, 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Fake-Oauth-Error": String(errcode) }, html);
}

/** WeChat matches the link as written: these parameters, in this order (a missing state is tolerated). */
const AUTHORIZE_ORDER = ["appid", "redirect_uri", "response_type", "scope", "state"];

function handleAuthorize(ctx: FakeContext, req: IncomingMessage, res: ServerResponse, rawQuery: string): void {
  const q = new URLSearchParams(rawQuery);
  const keys = [...q.keys()];
  const expected = AUTHORIZE_ORDER.slice(0, keys.length);
  if (keys.length < 4 || keys.some((k, i) => k !== expected[i])) {
    return errorPage(res, 10003, `链接参数顺序不对或缺少参数：应为 ${AUTHORIZE_ORDER.join("&")}`);
  }
  // Outside WeChat the real page only says to open the link in WeChat.
  if (!/MicroMessenger/i.test(headerValue(req, "user-agent") ?? "")) return errorPage(res, 10001, "请在微信客户端打开链接");
  const appid = q.get("appid") ?? "";
  if (appid === ctx.keys.combineAppid && appid !== ctx.keys.mpAppid) {
    // The H5 appid of the test identity plays a non-公众号 app (mobile app / mini program).
    return errorPage(res, 10016, "不支持微信开放平台的Appid，请使用公众号Appid");
  }
  if (appid !== ctx.keys.mpAppid) return errorPage(res, 10002, "appid参数错误");
  if (q.get("response_type") !== "code") return errorPage(res, 10004, "response_type参数错误");
  if (q.get("scope") !== "snsapi_base") return errorPage(res, 10005, "此公众号并没有这些scope的权限（本模拟仅支持 snsapi_base）");
  const state = q.get("state") ?? "";
  if (Buffer.byteLength(state, "utf8") > 128 || !/^[0-9A-Za-z]*$/.test(state)) return errorPage(res, 10006, "state参数错误");
  let redirect: URL;
  try {
    redirect = new URL(q.get("redirect_uri") ?? "");
  } catch {
    return errorPage(res, 10003, "redirect_uri参数错误");
  }
  if ((redirect.protocol !== "http:" && redirect.protocol !== "https:") || !ctx.h5Domains.includes(redirect.hostname)) {
    return errorPage(res, 10003, "redirect_uri域名与后台配置不一致");
  }
  const user = cookieUser(req) ?? ctx.oauth.defaultUser;
  const code = ctx.oauth.issue(appid, user, ctx.clock.now());
  redirect.searchParams.append("code", code);
  redirect.searchParams.append("state", state);
  ctx.log(`oauth authorize ${appid} → code for user ${user}`);
  send(res, 302, { Location: redirect.href, "Cache-Control": "no-store" });
}

function oauthError(res: ServerResponse, errcode: number, errmsg: string): void {
  sendJson(res, 200, { errcode, errmsg: `${errmsg}, rid: ${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}` });
}

function handleAccessToken(ctx: FakeContext, res: ServerResponse, rawQuery: string): void {
  const q = new URLSearchParams(rawQuery);
  const appid = q.get("appid") ?? "";
  const record = (errcode: number, extra: { openid?: string; fault?: string } = {}) =>
    ctx.oauth.exchanges.push({ at: new Date().toISOString(), appid, errcode, ...extra });
  const fail = (errcode: number, errmsg: string, fault?: string) => {
    record(errcode, fault ? { fault } : {});
    ctx.log(`oauth access_token ${appid || "-"} → errcode ${errcode}${fault ? ` [fault ${fault}]` : ""}`);
    oauthError(res, errcode, errmsg);
  };
  if (appid !== ctx.keys.mpAppid) return fail(40013, "invalid appid");
  if (q.get("secret") !== ctx.keys.mpAppSecret) return fail(40125, "invalid appsecret");
  if (q.get("grant_type") !== "authorization_code") return fail(40002, "invalid grant_type");
  const code = q.get("code");
  if (!code) return fail(41008, "missing code");
  const fault = ctx.faults.takeOauth();
  // Faults answer before the code is looked at, except code_used / snapshot_user which spend it like a real exchange.
  if (fault?.kind === "invalid_code") return fail(40029, "invalid code", fault.kind);
  if (fault?.kind === "system_busy") return fail(-1, "system error", fault.kind);
  const entry = ctx.oauth.codes.get(code);
  if (!entry || entry.appid !== appid || ctx.clock.now() - entry.createdAtMs > OAUTH_CODE_TTL_MS) return fail(40029, "invalid code");
  if (entry.used) return fail(40163, "code been used");
  entry.used = true;
  if (fault?.kind === "code_used") return fail(40163, "code been used", fault.kind);
  const snapshot = fault?.kind === "snapshot_user";
  const openid = snapshot ? snapshotOpenid() : fakeOpenid(appid, entry.user);
  record(0, { openid, ...(fault ? { fault: fault.kind } : {}) });
  ctx.log(`oauth access_token ${appid} → openid for user ${entry.user}${snapshot ? " (snapshot user)" : ""}`);
  sendJson(res, 200, {
    access_token: randomAlnum(64),
    expires_in: 7200,
    refresh_token: randomAlnum(64),
    openid,
    scope: "snsapi_base",
    ...(snapshot ? { is_snapshotuser: 1 } : {}),
  });
}

export function isOauthPath(rawPath: string): boolean {
  return rawPath === OAUTH_AUTHORIZE_PATH || rawPath === OAUTH_ACCESS_TOKEN_PATH;
}

export function handleOauth(ctx: FakeContext, req: IncomingMessage, res: ServerResponse): void {
  const { rawPath, rawQuery } = splitTarget(req.url ?? "/");
  if (req.method !== "GET") return sendJson(res, 405, { errcode: 43001, errmsg: "require GET method" });
  if (rawPath === OAUTH_AUTHORIZE_PATH) return handleAuthorize(ctx, req, res, rawQuery);
  return handleAccessToken(ctx, res, rawQuery);
}
