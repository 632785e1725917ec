import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAUTH_MAX_RESPONSE_BYTES, WechatOauthError, buildOauthAuthorizeUrl, exchangeOauthCode } from "../../../lib/wechatpay";
import { rejection } from "./helpers";

describe("buildOauthAuthorizeUrl (snsapi_base)", () => {
  it("keeps WeChat's parameter order, encodes redirect_uri and ends with #wechat_redirect", () => {
    const url = buildOauthAuthorizeUrl({
      openBaseUrl: "https://open.weixin.qq.com/",
      appId: "wx2421b1c4370ec43b",
      redirectUri: "https://shop.example.com/api/wechat/oauth/callback?next=/cart&x=a b",
      state: "Ab12Cd34",
    });
    expect(url).toBe(
      "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx2421b1c4370ec43b" +
        "&redirect_uri=https%3A%2F%2Fshop.example.com%2Fapi%2Fwechat%2Foauth%2Fcallback%3Fnext%3D%2Fcart%26x%3Da%20b" +
        "&response_type=code&scope=snsapi_base&state=Ab12Cd34#wechat_redirect",
    );
    const u = new URL(url);
    expect([...u.searchParams.keys()]).toEqual(["appid", "redirect_uri", "response_type", "scope", "state"]);
    expect(u.searchParams.get("redirect_uri")).toBe("https://shop.example.com/api/wechat/oauth/callback?next=/cart&x=a b");
    expect(u.hash).toBe("#wechat_redirect");
  });

  it("works under a local base URL with a path (the fake)", () => {
    expect(
      buildOauthAuthorizeUrl({ openBaseUrl: "http://127.0.0.1:3100", appId: "wx1", redirectUri: "http://localhost:3000/cb", state: "s" }),
    ).toBe(
      "http://127.0.0.1:3100/connect/oauth2/authorize?appid=wx1&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=code&scope=snsapi_base&state=s#wechat_redirect",
    );
  });

  it.each([
    ["a state with non-alphanumerics", { state: "a-b" }],
    ["a state over 128 characters", { state: "a".repeat(129) }],
    ["an empty state", { state: "" }],
    ["a relative redirect_uri", { redirectUri: "/cb" }],
    ["a javascript: redirect_uri", { redirectUri: "javascript:alert(1)" }],
    ["an appid with '&'", { appId: "wx1&scope=snsapi_userinfo" }],
    ["a base URL with a query", { openBaseUrl: "https://open.weixin.qq.com/?x=1" }],
  ])("refuses %s", (_n, o) => {
    expect(() =>
      buildOauthAuthorizeUrl({
        openBaseUrl: "https://open.weixin.qq.com",
        appId: "wx1",
        redirectUri: "https://a.example/cb",
        state: "s",
        ...o,
      }),
    ).toThrow(TypeError);
  });
});

type Reply = { status?: number; body: string; delayMs?: number; headers?: Record<string, string> };
let reply: (url: URL) => Reply;
const seen: URL[] = [];
let base = "";
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const url = new URL(req.url ?? "/", "http://x");
  seen.push(url);
  const r = reply(url);
  const go = () => {
    if (res.destroyed) return;
    res.writeHead(r.status ?? 200, { "Content-Type": "text/plain", ...(r.headers ?? {}) });
    res.end(r.body);
  };
  if (r.delayMs) setTimeout(go, r.delayMs);
  else go();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const SECRET = "0123456789abcdef0123456789abcdef";
const exchange = (code = "061AbCdEfGh", extra: { timeoutMs?: number } = {}) =>
  exchangeOauthCode({ apiBaseUrl: base, appId: "wx2421b1c4370ec43b", secret: SECRET, code, ...extra });

describe("exchangeOauthCode", () => {
  it("calls /sns/oauth2/access_token with appid, secret, code, grant_type and returns only the openid", async () => {
    seen.length = 0;
    reply = () => ({
      body: JSON.stringify({
        access_token: "ACCESS_TOKEN_VALUE",
        expires_in: 7200,
        refresh_token: "REFRESH",
        openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        scope: "snsapi_base",
      }),
    });
    const r = await exchange();
    expect(r).toEqual({ openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", isSnapshotUser: false, scope: "snsapi_base" });
    expect(JSON.stringify(r)).not.toContain("ACCESS_TOKEN_VALUE");
    const u = seen[0]!;
    expect(u.pathname).toBe("/sns/oauth2/access_token");
    expect([...u.searchParams.entries()]).toEqual([
      ["appid", "wx2421b1c4370ec43b"],
      ["secret", SECRET],
      ["code", "061AbCdEfGh"],
      ["grant_type", "authorization_code"],
    ]);
  });

  it("is_snapshotuser = 1 → isSnapshotUser", async () => {
    reply = () => ({
      body: JSON.stringify({ access_token: "t", expires_in: 7200, openid: "oVirtual", scope: "snsapi_base", is_snapshotuser: 1 }),
    });
    expect(await exchange()).toMatchObject({ openid: "oVirtual", isSnapshotUser: true });
  });

  it.each([
    [40029, "invalid code", true],
    [40163, "code been used", true],
    [40125, "invalid appsecret", false],
  ])("errcode %i → WechatOauthError with errcode and errmsg", async (errcode, errmsg, codeRejected) => {
    reply = () => ({ body: JSON.stringify({ errcode, errmsg: `${errmsg}, rid: 6571c0d1-1f2e` }) });
    const e = await rejection(exchange());
    expect(e).toBeInstanceOf(WechatOauthError);
    expect(e).toMatchObject({ errcode, reason: "errcode", codeRejected });
    expect((e as WechatOauthError).errmsg).toContain(errmsg);
  });

  it("never lets the secret or the code into an error, even when WeChat echoes them", async () => {
    reply = () => ({ body: JSON.stringify({ errcode: 40125, errmsg: `invalid appsecret ${SECRET} for code 061AbCdEfGh` }) });
    const e = (await rejection(exchange())) as WechatOauthError;
    const all = `${e.message} ${e.errmsg} ${String(e.stack)} ${JSON.stringify(e)}`;
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain("061AbCdEfGh");
  });

  it("a refused connection: reason network, no URL (which holds the secret) in the error", async () => {
    const e = (await rejection(
      exchangeOauthCode({ apiBaseUrl: "http://127.0.0.1:1", appId: "wx1", secret: SECRET, code: "c0de" }),
    )) as WechatOauthError;
    expect(e).toMatchObject({ reason: "network", errcode: -1 });
    expect(e.cause).toBeUndefined();
    expect(`${e.message} ${String(e.stack)}`).not.toContain(SECRET);
  });

  it("no answer within timeoutMs → reason timeout", async () => {
    reply = () => ({ body: "{}", delayMs: 1_000 });
    const e = await rejection(exchange("c0de", { timeoutMs: 50 }));
    expect(e).toMatchObject({ reason: "timeout", errcode: -1 });
  });

  it("refuses an answer larger than the bound, declared or streamed", async () => {
    reply = () => ({ body: JSON.stringify({ openid: "o1", access_token: "t", pad: "x".repeat(OAUTH_MAX_RESPONSE_BYTES) }) });
    expect(await rejection(exchange())).toMatchObject({ reason: "invalid_response" });
  });

  it.each([
    ["not JSON", "<html>502</html>"],
    ["no openid", JSON.stringify({ access_token: "t", expires_in: 7200 })],
    ["an openid with a quote", JSON.stringify({ access_token: "t", openid: 'o"1' })],
  ])("an answer that is %s → reason invalid_response", async (_n, body) => {
    reply = () => ({ body });
    expect(await rejection(exchange())).toMatchObject({ reason: "invalid_response", errcode: -1 });
  });

  it("a malformed code is refused without a call (as WeChat's 40029)", async () => {
    seen.length = 0;
    expect(await rejection(exchange("a&secret=x"))).toMatchObject({ errcode: 40029, reason: "errcode" });
    expect(seen).toHaveLength(0);
  });
});
