// The bridge shim's server side: /jsapi/verify and /jsapi/confirm check the six fields like WeChat (paySign with the
// merchant's public key, prepay_id, appId, page domain, user agent); 确认支付 pays exactly like the H5 cashier.
import { createSign } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, control, decrypt, ids, merchantKey, partnerBody, startReceiver, waitFor } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let fake: Fake;
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, notifyTimeoutMs: 300 });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

/** A JSAPI order for the default fake user, prepaid; returns its body and prepay_id. */
async function prepaid(notifyUrl?: string): Promise<{ body: Body; prepayId: string; openid: string }> {
  const { openid } = await control(fake.url, "/oauth");
  const { scene_info, ...h5 } = partnerBody({ notifyUrl });
  const body = {
    ...h5,
    combine_appid: ids.mpAppid,
    scene_info: { payer_client_ip: scene_info.payer_client_ip },
    combine_payer_info: { openid },
  };
  const r = await call(fake.url, "POST", "/v3/combine-transactions/jsapi", body);
  expect(r.status, r.text).toBe(200);
  return { body, prepayId: r.json.prepay_id, openid };
}

/** The six fields as the app's server builds them (written out here with node:crypto, independent of lib/wechatpay). */
function payParams(prepayId: string, o: { appId?: string; timeStamp?: string; nonceStr?: string; signType?: string } = {}) {
  const appId = o.appId ?? ids.mpAppid;
  const timeStamp = o.timeStamp ?? String(Math.floor(Date.now() / 1000));
  const nonceStr = o.nonceStr ?? "5K8264ILTKCH16CQ2502SI8ZNMTM67VS";
  const pkg = `prepay_id=${prepayId}`;
  const s = createSign("RSA-SHA256");
  s.update(`${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`);
  return { appId, timeStamp, nonceStr, package: pkg, signType: o.signType ?? "RSA", paySign: s.sign(merchantKey, "base64") };
}

function bridgePost(path: string, body: unknown, o: { ua?: string; origin?: string | null } = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": o.ua ?? WECHAT_UA };
  if (o.origin !== null) headers.Origin = o.origin ?? "http://localhost:3000";
  return fetch(`${fake.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    cors: r.headers.get("access-control-allow-origin"),
    json: (await r.json()) as Body,
  }));
}
const verify = (params: unknown, o?: { ua?: string; origin?: string | null }) => bridgePost("/jsapi/verify", params, o);
const confirm = (params: unknown, action: "pay" | "cancel", o?: { ua?: string; origin?: string | null }) =>
  bridgePost("/jsapi/confirm", { params, action }, o);

describe("GET /jsapi/bridge.js", () => {
  it("serves the shim as JavaScript, readable cross-origin, defining WeixinJSBridge once", async () => {
    const r = await fetch(`${fake.url}/jsapi/bridge.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    const js = await r.text();
    expect(js).toContain('if (typeof window === "undefined" || window.WeixinJSBridge) return;');
    expect(js).toContain("WeixinJSBridgeReady");
    expect(js).not.toContain("innerHTML");
  });

  it("answers the CORS preflight of the shim's POSTs", async () => {
    const r = await fetch(`${fake.url}/jsapi/verify`, {
      method: "OPTIONS",
      headers: {
        Origin: "http://localhost:3000",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-methods")).toContain("POST");
    expect(r.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
  });
});

describe("POST /jsapi/verify", () => {
  it("good fields → the cashier's content (initiator, total, sub-orders)", async () => {
    const { prepayId } = await prepaid();
    const r = await verify(payParams(prepayId));
    expect(r.cors).toBe("*");
    expect(r.json).toEqual({
      ok: true,
      merchant: "测试商户（仅供测试）",
      total: "¥12.30",
      items: [
        { description: "测试商品1", amount: "¥10.00" },
        { description: "测试商品2", amount: "¥2.30" },
      ],
    });
  });

  it.each<[string, (p: Body) => void, string]>([
    [
      "a paySign by another key (one character changed)",
      (p) => (p.paySign = (p.paySign[0] === "A" ? "B" : "A") + p.paySign.slice(1)),
      "支付验证签名失败",
    ],
    ["a nonceStr other than the signed one", (p) => (p.nonceStr = "X".repeat(32)), "支付验证签名失败"],
    ["signType MD5", (p) => (p.signType = "MD5"), "支付验证签名失败"],
    ["timeStamp in milliseconds", (p) => (p.timeStamp = `${p.timeStamp}000`), "timeStamp须为10位秒级时间戳（fake）"],
    ["appId other than the prepay's combine_appid", (p) => (p.appId = ids.combineAppid), "JSAPI缺少参数total_fee"],
    ["a package without prepay_id=", (p) => (p.package = p.package.replace("prepay_id=", "")), "JSAPI缺少参数total_fee"],
    ["an unknown prepay_id", (p) => (p.package = "prepay_id=wx20261207000000000000000000000000"), "prepay_id无效（fake）"],
    ["no paySign", (p) => delete p.paySign, "调用支付JSAPI缺少参数：paySign"],
    ["appid (lower case) instead of appId", (p) => ((p.appid = p.appId), delete p.appId), "调用支付JSAPI缺少参数：appId"],
  ])("%s → :fail with WeChat's reason, nothing paid", async (_n, mut, reason) => {
    const { prepayId, body } = await prepaid();
    const p = payParams(prepayId);
    mut(p);
    expect((await verify(p)).json).toEqual({ ok: false, err_msg: "get_brand_wcpay_request:fail", reason });
    expect((await confirm(p, "pay")).json).toMatchObject({ ok: false, reason });
    expect((await control(fake.url, `/orders/${body.combine_out_trade_no}`)).order.status).toBe("NOTPAY");
  });

  it("a prepay_id older than 2 hours → :fail 支付请求已失效", async () => {
    const { prepayId } = await prepaid();
    await control(fake.url, "/clock", { advanceSeconds: 7201 });
    expect((await verify(payParams(prepayId))).json).toMatchObject({ ok: false, reason: "支付请求已失效，请重新发起支付" });
  });

  it("an H5 prepay_id is not a JSAPI one", async () => {
    const h5 = await call(fake.url, "POST", "/v3/combine-transactions/h5", partnerBody());
    const prepayId = new URL(h5.json.h5_url).searchParams.get("prepay_id")!;
    expect((await verify(payParams(prepayId, { appId: ids.combineAppid }))).json).toMatchObject({
      ok: false,
      reason: "prepay_id无效（fake）",
    });
  });

  it.each([
    [
      "outside WeChat",
      { ua: "Mozilla/5.0 (iPhone) Safari/604.1" },
      "get_brand_wcpay_request:fail",
      "该商户暂不支持通过外部拉起微信完成支付",
    ],
    ["in a mini-program web-view", { ua: `${WECHAT_UA} miniProgram` }, "system:access_denied", "小程序 web-view 内不能通过 JSAPI 调起支付"],
    ["from a page on an unregistered domain", { origin: "https://evil.example" }, "get_brand_wcpay_request:fail", "当前页面的URL未注册"],
    ["with no Origin or Referer", { origin: null }, "get_brand_wcpay_request:fail", "当前页面的URL未注册"],
  ])("called %s → refused", async (_n, o, errMsg, reason) => {
    const { prepayId } = await prepaid();
    expect((await verify(payParams(prepayId), o)).json).toEqual({ ok: false, err_msg: errMsg, reason });
  });

  it("a paid or closed order → :fail with the cashier's wording", async () => {
    const a = await prepaid();
    await control(fake.url, `/orders/${a.body.combine_out_trade_no}/pay`, {});
    expect((await verify(payParams(a.prepayId))).json).toMatchObject({ ok: false, reason: "该订单已支付，请勿重复支付" });
    const b = await prepaid();
    const close = {
      combine_appid: ids.mpAppid,
      sub_orders: b.body.sub_orders.map((s: Body) => ({ mchid: s.mchid, sub_mchid: s.sub_mchid, out_trade_no: s.out_trade_no })),
    };
    expect((await call(fake.url, "POST", `/v3/combine-transactions/out-trade-no/${b.body.combine_out_trade_no}/close`, close)).status).toBe(
      204,
    );
    expect((await verify(payParams(b.prepayId))).json).toMatchObject({ ok: false, reason: "订单已关闭，请重新下单" });
  });
});

describe("POST /jsapi/confirm", () => {
  it("pay → :ok, the order paid and notified exactly like the H5 cashier, with the payer's openid", async () => {
    const rx = await startReceiver();
    try {
      const { prepayId, body, openid } = await prepaid(rx.url);
      expect((await confirm(payParams(prepayId), "pay")).json).toEqual({ ok: true, err_msg: "get_brand_wcpay_request:ok" });
      const view = (await control(fake.url, `/orders/${body.combine_out_trade_no}`)).order;
      expect(view.status).toBe("SUCCESS");
      const got = await waitFor(() => rx.received[0]);
      const plain = JSON.parse(decrypt(JSON.parse(got.body.toString("utf8")).resource));
      expect(plain.combine_payer_info).toEqual({ openid });
      expect(plain.sub_orders.every((s: Body) => s.trade_state === "SUCCESS" && s.trade_type === "JSAPI")).toBe(true);
      // a second tap on the same prepay_id: already paid
      expect((await confirm(payParams(prepayId), "pay")).json).toMatchObject({ ok: false, reason: "该订单已支付，请勿重复支付" });
      const events = await control(fake.url, "/bridge");
      expect(events.map((e: Body) => [e.step, e.errMsg])).toEqual([
        ["pay", "get_brand_wcpay_request:ok"],
        ["pay", "get_brand_wcpay_request:fail"],
      ]);
    } finally {
      await rx.close();
    }
  });

  it("cancel → :cancel, the order stays NOTPAY and can be paid with the same prepay_id (继续支付)", async () => {
    const { prepayId, body } = await prepaid();
    expect((await confirm(payParams(prepayId), "cancel")).json).toEqual({ ok: true, err_msg: "get_brand_wcpay_request:cancel" });
    const view = (await control(fake.url, `/orders/${body.combine_out_trade_no}`)).order;
    expect(view).toMatchObject({ status: "NOTPAY", cancel_count: 1 });
    // re-signed with a new timeStamp and nonceStr, same prepay_id
    const again = payParams(prepayId, {
      nonceStr: "ANOTHERNONCE0000000000000000000X",
      timeStamp: String(Math.floor(Date.now() / 1000) + 1),
    });
    expect((await confirm(again, "pay")).json).toMatchObject({ ok: true, err_msg: "get_brand_wcpay_request:ok" });
  });

  it.each([
    ["no_callback", { ok: true, err_msg: null, close_page: true }, "SUCCESS"],
    ["fail_after_pay", { ok: true, err_msg: "get_brand_wcpay_request:fail" }, "SUCCESS"],
    ["payer_mismatch", { ok: false, err_msg: "get_brand_wcpay_request:fail", reason: "下单账号与支付账号不一致" }, "NOTPAY"],
  ])("bridge fault %s", async (kind, answer, status) => {
    await control(fake.url, "/faults", { target: "bridge", kind });
    const { prepayId, body } = await prepaid();
    expect((await confirm(payParams(prepayId), "pay")).json).toEqual(answer);
    expect((await control(fake.url, `/orders/${body.combine_out_trade_no}`)).order.status).toBe(status);
  });

  it("refuses a body that is not {params, action}", async () => {
    expect((await bridgePost("/jsapi/confirm", { action: "steal" })).status).toBe(400);
  });
});
