// The JSAPI channel: OAuth snsapi_base (authorize + code exchange, with its faults) and POST
// /v3/combine-transactions/jsapi (the H5 rules plus the payer), query, notification, close and bill with trade_type JSAPI.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, closeBody, control, decrypt, ids, partnerBody, startReceiver, verifySigned, waitFor } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let fake: Fake;
const JSAPI = "/v3/combine-transactions/jsapi";
const QUERY = (no: string) => `/v3/combine-transactions/out-trade-no/${no}`;
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";
const REDIRECT = "http://localhost:3000/api/wechat/oauth/callback?next=%2Fcart";

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, notifyTimeoutMs: 300 });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

function authorizeUrl(o: { appid?: string; redirect?: string; scope?: string; state?: string; query?: string } = {}) {
  const q =
    o.query ??
    `appid=${o.appid ?? ids.mpAppid}&redirect_uri=${encodeURIComponent(o.redirect ?? REDIRECT)}&response_type=code` +
      `&scope=${o.scope ?? "snsapi_base"}&state=${o.state ?? "St4te"}`;
  return `${fake.url}/connect/oauth2/authorize?${q}#wechat_redirect`;
}
const authorize = (url: string, o: { ua?: string; user?: string } = {}) =>
  fetch(url, {
    redirect: "manual",
    headers: { "User-Agent": o.ua ?? WECHAT_UA, ...(o.user ? { Cookie: `fake_wechat_user=${o.user}` } : {}) },
  });
async function codeFor(o: { user?: string } = {}): Promise<string> {
  const r = await authorize(authorizeUrl(), o);
  expect(r.status).toBe(302);
  return new URL(r.headers.get("location")!).searchParams.get("code")!;
}
async function exchange(code: string, o: { appid?: string; secret?: string; grant?: string } = {}): Promise<Body> {
  const q = new URLSearchParams({
    appid: o.appid ?? ids.mpAppid,
    secret: o.secret ?? ids.mpAppSecret,
    code,
    grant_type: o.grant ?? "authorization_code",
  });
  const r = await fetch(`${fake.url}/sns/oauth2/access_token?${q.toString()}`);
  expect(r.status).toBe(200);
  return (await r.json()) as Body;
}
async function openidOf(user?: string): Promise<string> {
  const t = await exchange(await codeFor({ user }));
  expect(t.openid, JSON.stringify(t)).toBeTruthy();
  return t.openid as string;
}

describe("OAuth snsapi_base", () => {
  it("authorize: 302 to redirect_uri with code and state appended, nothing asked", async () => {
    const r = await authorize(authorizeUrl());
    expect(r.status).toBe(302);
    const loc = new URL(r.headers.get("location")!);
    expect(loc.origin + loc.pathname).toBe("http://localhost:3000/api/wechat/oauth/callback");
    expect(loc.searchParams.get("next")).toBe("/cart");
    expect(loc.searchParams.get("state")).toBe("St4te");
    expect(loc.searchParams.get("code")).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it("exchange: access_token, expires_in 7200, refresh_token, openid, scope; the openid is stable per user and differs between users", async () => {
    const t = await exchange(await codeFor());
    expect(t).toMatchObject({ expires_in: 7200, scope: "snsapi_base" });
    expect(typeof t.access_token).toBe("string");
    expect(typeof t.refresh_token).toBe("string");
    expect(t.openid).toMatch(/^o[0-9A-Za-z_-]{27}$/);
    expect(t).not.toHaveProperty("is_snapshotuser");
    expect(await openidOf()).toBe(t.openid);
    const other = await openidOf("alice");
    expect(other).not.toBe(t.openid);
    expect(await openidOf("alice")).toBe(other);
    const info = await control(fake.url, "/oauth?user=alice");
    expect(info.openid).toBe(other);
    expect(JSON.stringify(info.exchanges)).not.toContain(ids.mpAppSecret);
  });

  it("the code is single-use: the second exchange → 40163", async () => {
    const code = await codeFor();
    expect((await exchange(code)).openid).toBeTruthy();
    expect(await exchange(code)).toMatchObject({ errcode: 40163, errmsg: expect.stringContaining("code been used") });
  });

  it("the code lives 5 minutes (business clock): then 40029", async () => {
    const code = await codeFor();
    await control(fake.url, "/clock", { advanceSeconds: 301 });
    expect(await exchange(code)).toMatchObject({ errcode: 40029 });
  });

  it.each([
    ["an unknown code", {}, "nope", 40029],
    ["a wrong secret", { secret: "0".repeat(32) }, undefined, 40125],
    ["an unknown appid", { appid: "wx0000000000000000" }, undefined, 40013],
    ["another grant_type", { grant: "client_credential" }, undefined, 40002],
  ])("exchange with %s → errcode", async (_n, o, code, errcode) => {
    const t = await exchange(code ?? (await codeFor()), o);
    expect(t).toMatchObject({ errcode });
    expect(JSON.stringify(t)).not.toContain(ids.mpAppSecret);
  });

  it.each([
    ["invalid_code", { errcode: 40029 }, true],
    ["code_used", { errcode: 40163 }, false],
    ["system_busy", { errcode: -1 }, true],
  ])("fault %s → that errcode (code still usable afterwards: %s)", async (kind, expected, stillUsable) => {
    await control(fake.url, "/faults", { target: "oauth", kind });
    const code = await codeFor();
    expect(await exchange(code)).toMatchObject(expected);
    const again = await exchange(code);
    if (stillUsable) expect(again.openid).toBeTruthy();
    else expect(again).toMatchObject({ errcode: 40163 });
  });

  it("fault snapshot_user → is_snapshotuser 1 and a virtual openid that prepay refuses", async () => {
    await control(fake.url, "/faults", { target: "oauth", kind: "snapshot_user" });
    const t = await exchange(await codeFor());
    expect(t).toMatchObject({ is_snapshotuser: 1, scope: "snsapi_base" });
    const r = await call(fake.url, "POST", JSAPI, jsapiBody({ openid: t.openid }));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "PARAM_ERROR", message: "appid与openid不匹配" });
  });

  it.each([
    ["outside WeChat", { ua: "Mozilla/5.0 (iPhone) Safari/604.1" }, {}, 10001],
    ["the H5 appid (not an official account)", {}, { appid: ids.combineAppid }, 10016],
    ["an unknown appid", {}, { appid: "wx0000000000000000" }, 10002],
    ["scope snsapi_userinfo", {}, { scope: "snsapi_userinfo" }, 10005],
    ["a redirect_uri outside the configured domains", {}, { redirect: "https://evil.example/cb" }, 10003],
    ["a state with other characters", {}, { state: "a-b" }, 10006],
    [
      "parameters in another order",
      {},
      { query: `redirect_uri=${encodeURIComponent(REDIRECT)}&appid=${"wx5f3a9c1e7b2d4068"}&response_type=code&scope=snsapi_base&state=s` },
      10003,
    ],
  ])("authorize %s → an error page, no redirect", async (_n, fetchOpts, urlOpts, errcode) => {
    const r = await authorize(authorizeUrl(urlOpts), fetchOpts);
    expect(r.status).toBe(200);
    expect(r.headers.get("x-fake-oauth-error")).toBe(String(errcode));
    expect(r.headers.get("location")).toBeNull();
  });
});

function jsapiBody(o: { openid: string; combineNo?: string; notifyUrl?: string; appid?: string }) {
  const { scene_info, ...h5 } = partnerBody({ combineNo: o.combineNo, notifyUrl: o.notifyUrl });
  return {
    ...h5,
    combine_appid: o.appid ?? ids.mpAppid,
    scene_info: { payer_client_ip: scene_info.payer_client_ip },
    combine_payer_info: { openid: o.openid },
    time_expire: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "+00:00"),
  };
}

describe("POST /v3/combine-transactions/jsapi", () => {
  it("answers a signed {prepay_id} valid 2 hours; re-entry with the identical body gives the same prepay_id", async () => {
    const b = jsapiBody({ openid: await openidOf() });
    const r = await call(fake.url, "POST", JSAPI, b);
    expect(r.status, r.text).toBe(200);
    verifySigned(r.headers, r.raw);
    expect(Object.keys(r.json)).toEqual(["prepay_id"]);
    expect(r.json.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{16}\d{4}$/);
    const again = await call(fake.url, "POST", JSAPI, b);
    expect(again.json.prepay_id).toBe(r.json.prepay_id);
    const view = await control(fake.url, `/orders/${b.combine_out_trade_no}`);
    expect(view.order).toMatchObject({ channel: "JSAPI", prepay_openid: b.combine_payer_info.openid });
    expect(view.order.links).toHaveLength(1);
    expect(view.order.links[0]).toMatchObject({ channel: "JSAPI", h5_url: null, package: `prepay_id=${r.json.prepay_id}` });
    await control(fake.url, "/clock", { advanceSeconds: 7201 });
    const later = await call(fake.url, "POST", JSAPI, { ...b, time_expire: b.time_expire });
    expect(later.status).toBe(200);
    expect(later.json.prepay_id).not.toBe(r.json.prepay_id);
  });

  it("no combine_payer_info → PARAM_ERROR naming it", async () => {
    const { combine_payer_info: _p, ...b } = jsapiBody({ openid: await openidOf() });
    const r = await call(fake.url, "POST", JSAPI, b);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "PARAM_ERROR", detail: { field: "/combine_payer_info", location: "body" } });
  });

  it("h5_info is not part of the JSAPI body → PARAM_ERROR", async () => {
    const b = jsapiBody({ openid: await openidOf() });
    const r = await call(fake.url, "POST", JSAPI, { ...b, scene_info: { ...b.scene_info, h5_info: { type: "Wap" } } });
    expect(r.json).toMatchObject({ code: "PARAM_ERROR", detail: { field: "/scene_info/h5_info" } });
  });

  it("an openid from another appid → 400 PARAM_ERROR appid与openid不匹配", async () => {
    const r = await call(fake.url, "POST", JSAPI, jsapiBody({ openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" }));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "PARAM_ERROR", message: "appid与openid不匹配", detail: { field: "/combine_payer_info/openid" } });
  });

  it("combine_appid = the H5 appid (not an official account) → 400 APPID_MCHID_NOT_MATCH", async () => {
    const r = await call(fake.url, "POST", JSAPI, jsapiBody({ openid: await openidOf(), appid: ids.combineAppid }));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: "APPID_MCHID_NOT_MATCH", detail: { field: "/combine_appid" } });
  });

  it("the same number with another body → INVALID_REQUEST; a sub out_trade_no of another order → OUT_TRADE_NO_USED", async () => {
    const openid = await openidOf();
    const b = jsapiBody({ openid });
    expect((await call(fake.url, "POST", JSAPI, b)).status).toBe(200);
    const changed = await call(fake.url, "POST", JSAPI, { ...b, combine_payer_info: { openid: await openidOf("bob") } });
    expect(changed.status).toBe(400);
    expect(changed.json).toMatchObject({ code: "INVALID_REQUEST", message: "请求重入时，参数与首次请求时不一致" });
    const other = jsapiBody({ openid });
    other.sub_orders[0]!.out_trade_no = b.sub_orders[0]!.out_trade_no;
    const dup = await call(fake.url, "POST", JSAPI, other);
    expect(dup.status).toBe(403);
    expect(dup.json).toMatchObject({ code: "OUT_TRADE_NO_USED" });
  });

  it("a number first prepaid through /h5 cannot be prepaid through /jsapi", async () => {
    const h5 = partnerBody();
    expect((await call(fake.url, "POST", "/v3/combine-transactions/h5", h5)).status).toBe(200);
    const r = await call(fake.url, "POST", JSAPI, jsapiBody({ openid: await openidOf(), combineNo: h5.combine_out_trade_no }));
    expect(r.json).toMatchObject({ code: "INVALID_REQUEST" });
  });

  it("an unauthorised sub_mchid → 403 NO_AUTH, like H5", async () => {
    const b = jsapiBody({ openid: await openidOf() });
    b.sub_orders[0]!.sub_mchid = "1900009999";
    const r = await call(fake.url, "POST", JSAPI, b);
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ code: "NO_AUTH" });
  });

  it("refuse fault with WeChat's wording: 下单账号与支付账号不一致", async () => {
    await control(fake.url, "/faults", {
      target: "api",
      kind: "refuse",
      code: "PARAM_ERROR",
      message: "下单账号与支付账号不一致",
      path: JSAPI,
    });
    const r = await call(fake.url, "POST", JSAPI, jsapiBody({ openid: await openidOf() }));
    expect(r.json).toEqual({ code: "PARAM_ERROR", message: "下单账号与支付账号不一致" });
  });

  it("paid: query says trade_type JSAPI with the payer's openid, and so does the notification", async () => {
    const rx = await startReceiver();
    try {
      const openid = await openidOf();
      const b = jsapiBody({ openid, notifyUrl: rx.url });
      expect((await call(fake.url, "POST", JSAPI, b)).status).toBe(200);
      await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      const q = await call(fake.url, "GET", QUERY(b.combine_out_trade_no));
      expect(q.json.combine_appid).toBe(ids.mpAppid);
      expect(q.json.combine_payer_info).toEqual({ openid });
      expect(q.json).not.toHaveProperty("scene_info"); // no device_id was sent
      for (const s of q.json.sub_orders as Body[]) expect(s).toMatchObject({ trade_state: "SUCCESS", trade_type: "JSAPI" });
      const got = await waitFor(() => rx.received[0]);
      const plain = JSON.parse(decrypt(JSON.parse(got.body.toString("utf8")).resource));
      expect(plain.combine_payer_info).toEqual({ openid });
      expect(plain.sub_orders.map((s: Body) => s.trade_type)).toEqual(["JSAPI", "JSAPI"]);
    } finally {
      await rx.close();
    }
  });

  it("close with the JSAPI appid → 204; with the H5 appid → INVALID_REQUEST", async () => {
    const b = jsapiBody({ openid: await openidOf() });
    expect((await call(fake.url, "POST", JSAPI, b)).status).toBe(200);
    const wrong = await call(fake.url, "POST", `${QUERY(b.combine_out_trade_no)}/close`, {
      ...closeBody(b),
      combine_appid: ids.combineAppid,
    });
    expect(wrong.json).toMatchObject({ code: "INVALID_REQUEST" });
    const ok = await call(fake.url, "POST", `${QUERY(b.combine_out_trade_no)}/close`, closeBody(b));
    expect(ok.status).toBe(204);
  });

  it("the bill shows 交易类型 JSAPI and the payer's openid", async () => {
    const openid = await openidOf();
    const b = jsapiBody({ openid });
    expect((await call(fake.url, "POST", JSAPI, b)).status).toBe(200);
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    const CST = 8 * 3600_000;
    const DAY = 24 * 3600_000;
    const payDay = new Date(Date.now() + CST).toISOString().slice(0, 10);
    const nextMorning = Math.floor((Date.now() + CST) / DAY) * DAY - CST + DAY + 10 * 3600_000;
    await control(fake.url, "/clock", { advanceSeconds: Math.ceil((nextMorning - Date.now()) / 1000) + 60 });
    const apply = await call(fake.url, "GET", `/v3/bill/tradebill?bill_date=${payDay}&bill_type=ALL`);
    expect(apply.status, apply.text).toBe(200);
    const u = new URL(apply.json.download_url);
    const file = (await call(fake.url, "GET", u.pathname + u.search)).raw.subarray(3).toString("utf8").split("\r\n");
    const cols = file[0]!.split(",");
    const rows = file
      .slice(1, -3)
      .map((l) => l.split(",").map((c) => c.slice(1)))
      .filter((r) => r[cols.indexOf("商户订单号")]!.startsWith(b.combine_out_trade_no));
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r[cols.indexOf("交易类型")]).toBe("JSAPI");
      expect(r[cols.indexOf("用户标识")]).toBe(openid);
      expect(r[cols.indexOf("公众账号ID")]).toBe(ids.mpAppid);
    }
  });

  it("the H5 cashier refuses a JSAPI prepay_id", async () => {
    const b = jsapiBody({ openid: await openidOf() });
    const r = await call(fake.url, "POST", JSAPI, b);
    const page = await fetch(`${fake.url}/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${r.json.prepay_id}&package=`, {
      headers: { Referer: "http://localhost:3000/cart", "User-Agent": "Mozilla/5.0 Safari" },
    });
    expect(page.headers.get("x-fake-cashier-error")).toBe("BAD_PARAMS");
  });
});
