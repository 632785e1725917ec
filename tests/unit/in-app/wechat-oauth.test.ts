// The OAuth state and the openid cookie (lib/in-app/wechat-oauth.ts), without a database: the state's format, the
// checks that refuse a callback before anything is read or written, and the signed openid cookie.
import { beforeAll, describe, expect, it, vi } from "vitest";

let oauth: typeof import("@/lib/in-app/wechat-oauth");
beforeAll(async () => {
  // Zero-config development with JSAPI on: the fake's test 服务号 (lib/env.ts).
  vi.stubEnv("WECHAT_JSAPI_ENABLED", "true");
  oauth = await import("@/lib/in-app/wechat-oauth");
});

const request = (cookie?: string) => new Request("http://localhost:3000/", { headers: cookie ? { cookie } : {} });
const TOKEN = "A".repeat(43);

describe("OAuth state", () => {
  it("is 32 characters of [0-9A-Za-z] (WeChat allows only those), different every time", () => {
    const states = new Set(Array.from({ length: 200 }, () => oauth.newOauthState()));
    expect(states.size).toBe(200);
    for (const s of states) expect(s).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it.each([
    ["no cookie", undefined, "S".repeat(32), "STATE_MISSING"],
    ["a malformed cookie", "wx_oauth=abc", "abc", "STATE_MISSING"],
    ["a cookie without its draft token", `wx_oauth=${"S".repeat(32)}`, "S".repeat(32), "STATE_MISSING"],
    ["another state than the cookie's", `wx_oauth=${"S".repeat(32)}.${TOKEN}`, "T".repeat(32), "STATE_MISMATCH"],
    ["no state at all", `wx_oauth=${"S".repeat(32)}.${TOKEN}`, null, "STATE_MISMATCH"],
    ["a longer state with the cookie's as prefix", `wx_oauth=${"S".repeat(32)}.${TOKEN}`, "S".repeat(33), "STATE_MISMATCH"],
  ])("%s is refused before the database is asked", async (_, cookie, state, failure) => {
    const e = await oauth.consumeOauthState(cookie ? cookie : null, state).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(oauth.OauthCallbackError);
    expect(e).toMatchObject({ failure, status: 400 });
  });
});

describe("the openid cookie", () => {
  const value = (setCookie: string) => /^wx_openid=([^;]+)/.exec(setCookie)![1]!;
  const OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz0";

  it("is httpOnly, a week long, and reads back only unaltered", () => {
    const set = oauth.openidCookie(OPENID);
    expect(set).toMatch(/; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
    const v = value(set);
    expect(oauth.openidFrom(request(`wx_openid=${v}`))).toBe(OPENID);
    const [ver, id, exp, mac] = v.split(".");
    expect(oauth.openidFrom(request(`wx_openid=${ver}.oSomebodyElse000000000000000.${exp}.${mac}`))).toBeUndefined();
    expect(oauth.openidFrom(request(`wx_openid=${ver}.${id}.${Number(exp) + 1}.${mac}`))).toBeUndefined();
    expect(oauth.openidFrom(request(`wx_openid=${ver}.${id}.${exp}.${mac!.slice(1)}x`))).toBeUndefined();
    expect(oauth.openidFrom(request())).toBeUndefined();
  });

  it("expires with its claim, whatever the browser keeps", () => {
    const weekAgo = Date.now() - 7 * 24 * 3600_000 - 1000;
    expect(oauth.openidFrom(request(`wx_openid=${value(oauth.openidCookie(OPENID, weekAgo))}`))).toBeUndefined();
  });
});
