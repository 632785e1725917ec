// npm run doctor on the WECHAT_JSAPI_* settings: off says so; on names each missing or wrong piece with its fix,
// and never prints the AppSecret.
import { describe, expect, it } from "vitest";
import { checkJsapi, jsapiStoreChecks } from "@/lib/ops/doctor-checks";

const SECRET = "0123456789abcdef0123456789abcdef";
const readFile = (p: string): string => {
  if (p === "/run/secrets/mp") return `${SECRET}\n`;
  throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
};
const on = { WECHAT_JSAPI_ENABLED: "true", WECHAT_MP_APPID: "wx0123456789abcdef", WECHAT_MP_APPSECRET: SECRET };
const levels = (raw: Record<string, string | undefined>, production = false) =>
  Object.fromEntries(checkJsapi(raw, readFile, production).map((f) => [f.setting, f.level]));

describe("doctor: JSAPI settings", () => {
  it("off (the default) is one ok line", () => {
    expect(levels({})).toEqual({ WECHAT_JSAPI_ENABLED: "ok" });
  });

  it("on with the 服务号 and its secret (inline or from a file) is fine, and the secret is never printed", () => {
    expect(levels(on)).toEqual({ WECHAT_MP_APPID: "ok", WECHAT_MP_APPSECRET: "ok" });
    expect(levels({ ...on, WECHAT_MP_APPSECRET: undefined, WECHAT_MP_APPSECRET_FILE: "/run/secrets/mp" })).toEqual({
      WECHAT_MP_APPID: "ok",
      WECHAT_MP_APPSECRET_FILE: "ok",
    });
    expect(JSON.stringify(checkJsapi(on, readFile, true))).not.toContain(SECRET);
  });

  it("names a missing appid, a missing or unreadable secret", () => {
    expect(levels({ ...on, WECHAT_MP_APPID: undefined }).WECHAT_MP_APPID).toBe("error");
    expect(levels({ ...on, WECHAT_MP_APPID: "gh_0123" }).WECHAT_MP_APPID).toBe("error");
    expect(levels({ ...on, WECHAT_MP_APPSECRET: undefined }).WECHAT_MP_APPSECRET).toBe("error");
    expect(levels({ ...on, WECHAT_MP_APPSECRET: undefined, WECHAT_MP_APPSECRET_FILE: "/nope" }).WECHAT_MP_APPSECRET_FILE).toBe("error");
  });

  it("the fake's URLs and the bridge shim: a warning in development, an error in production", () => {
    const fake = { ...on, WECHAT_OPEN_BASE_URL: "http://127.0.0.1:3100", WECHAT_JSBRIDGE_SHIM_URL: "http://127.0.0.1:3100/shim.js" };
    expect(levels(fake)).toMatchObject({ WECHAT_OPEN_BASE_URL: "warn", WECHAT_JSBRIDGE_SHIM_URL: "warn" });
    expect(levels(fake, true)).toMatchObject({ WECHAT_OPEN_BASE_URL: "error", WECHAT_JSBRIDGE_SHIM_URL: "error" });
  });
});

describe("doctor: stores ready for JSAPI", () => {
  const store = (id: string, jsapiEnabled: boolean, active = true) => ({
    id,
    name: id,
    subMchid: "1900000201",
    mchid: null,
    active,
    jsapiEnabled,
  });

  it("says nothing with JSAPI off", () => {
    expect(jsapiStoreChecks([store("a", false)], false)).toEqual([]);
  });

  it("warns when JSAPI is on and no active store is ready (every WeChat cart still gets the guide)", () => {
    const [f] = jsapiStoreChecks([store("a", false), store("b", true, false)], true);
    expect(f).toMatchObject({ level: "warn", setting: "stores (JSAPI)" });
  });

  it("counts the ready stores and names what the others mean", () => {
    const [f] = jsapiStoreChecks([store("a", true), store("b", false)], true);
    expect(f).toMatchObject({ level: "ok" });
    expect(f!.message).toMatch(/^1 of 2 active store\(s\) pay inside WeChat; a cart with any of the other 1 gets the guide/);
  });
});
