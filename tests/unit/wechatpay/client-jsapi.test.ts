import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  WechatPayApiError,
  WechatPayJsapiPayerError,
  WechatPayValidationError,
  createWechatPayClient,
  jsapiPayerProblemOf,
  type CombineJsapiPrepayPartnerRequest,
  type CombineJsapiPrepayDirectRequest,
} from "../../../lib/wechatpay";
import { ids, rejection, startServer, testClientConfig, type Handler, type TestServer } from "./helpers";

let server: TestServer;
const unrouted: Handler = () => ({ status: 500, body: '{"code":"NOT_ROUTED","message":"set a handler"}' });
beforeAll(async () => {
  server = await startServer(unrouted);
});
afterAll(() => server.close());
afterEach(() => {
  server.handler = unrouted;
  server.requests.length = 0;
});

const client = () =>
  createWechatPayClient({ ...testClientConfig(server.url), retry: { maxAttempts: 2, baseDelayMs: 1 }, timeoutMs: 2_000, userAgent: "t/1" });

const [m1, m2] = ids.subMerchants as [(typeof ids.subMerchants)[0], (typeof ids.subMerchants)[0]];
function partnerRequest(): CombineJsapiPrepayPartnerRequest {
  return {
    combine_appid: "wx2421b1c4370ec43b",
    combine_mchid: ids.combineMchid,
    combine_out_trade_no: "C2026120700000001",
    scene_info: { payer_client_ip: "203.0.113.7" },
    sub_orders: [m1, m2].map((m, i) => ({
      mchid: ids.combineMchid,
      sub_mchid: m.subMchid,
      attach: m.storeId,
      amount: { total_amount: 1290 + i, currency: "CNY" as const },
      out_trade_no: `S20261207000000${i}`,
      description: "茶语-乌龙 ×1",
      settle_info: { profit_sharing: false },
    })),
    combine_payer_info: { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
    time_expire: "2026-12-07T10:34:56+08:00",
    notify_url: "https://shop.example.com/api/wechatpay/notify",
  };
}
const OK = { status: 200, body: JSON.stringify({ prepay_id: "wx07103456000000abcdef0123456789" }), requestId: "RID-0" };

describe("combine JSAPI prepay", () => {
  it("posts the exact body to /v3/combine-transactions/jsapi (openid, no h5_info) and returns the prepay_id", async () => {
    server.handler = () => OK;
    const res = await client().combineJsapiPrepay(partnerRequest());
    expect(res).toEqual({ prepay_id: "wx07103456000000abcdef0123456789", requestId: "RID-0" });
    const [r] = server.requests;
    expect(r!.auth).toMatchObject({ ok: true });
    expect(r!.url).toBe("/v3/combine-transactions/jsapi");
    const sent = JSON.parse(r!.body);
    expect(sent).toEqual(partnerRequest());
    expect(sent.scene_info).not.toHaveProperty("h5_info");
    expect(sent.combine_payer_info).toEqual({ openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" });
  });

  it("direct mode: the participants' own mchids, no sub_mchid", async () => {
    server.handler = () => OK;
    const p = partnerRequest();
    const direct: CombineJsapiPrepayDirectRequest = {
      ...p,
      sub_orders: p.sub_orders.map(({ sub_mchid: _s, ...s }, i) => ({ ...s, mchid: ids.subMerchants[i]!.mchid })),
    };
    await client().combineJsapiPrepay(direct);
    expect(JSON.parse(server.requests[0]!.body).sub_orders.every((s: object) => !("sub_mchid" in s))).toBe(true);
  });

  type Mut = (r: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  it.each<[string, Mut]>([
    ["no combine_payer_info", (r) => delete r.combine_payer_info],
    ["an empty openid", (r) => (r.combine_payer_info.openid = "")],
    ["an h5_info (H5 only)", (r) => (r.scene_info.h5_info = { type: "Wap" })],
    ["no payer_client_ip", (r) => delete r.scene_info.payer_client_ip],
    ["a time_start without offset", (r) => (r.time_start = "2026-12-07T10:00:00")],
    ["a combine_mchid other than the caller", (r) => (r.combine_mchid = "1900009999")],
    ["a sub-order mchid other than combine_mchid (partner)", (r) => (r.sub_orders[0].mchid = "1900000301")],
  ])("refuses %s before any call", async (_n, mut) => {
    const req = partnerRequest();
    mut(req);
    const e = await rejection(client().combineJsapiPrepay(req));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配", "APPID_MCHID_NOT_MATCH", false],
    [400, "PARAM_ERROR", "appid与openid不匹配", "OPENID_APPID_MISMATCH", true],
    [400, "PARAM_ERROR", "appid和openid不匹配", "OPENID_APPID_MISMATCH", true],
    [500, "OPENID_MISMATCH", "openid和appid不匹配", undefined, undefined],
    [400, "OPENID_MISMATCH", "mismatch", "OPENID_APPID_MISMATCH", true],
    [403, "RULE_LIMIT", "下单账号与支付账号不一致", "PAYER_MISMATCH", true],
  ])("%i %s %s → problem %s", async (status, code, message, problem, reauthorize) => {
    server.handler = () => ({ status, body: JSON.stringify({ code, message }), requestId: "RID-9" });
    const e = await rejection(client().combineJsapiPrepay(partnerRequest()));
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(jsapiPayerProblemOf(e)).toBe(problem);
    if (problem) {
      expect(e).toBeInstanceOf(WechatPayJsapiPayerError);
      expect(e).toMatchObject({ status, code, message, problem, reauthorize, requestId: "RID-9" });
    } else {
      expect(e).not.toBeInstanceOf(WechatPayJsapiPayerError);
    }
  });

  it("other refusals stay plain WechatPayApiErrors", async () => {
    server.handler = () => ({ status: 403, body: JSON.stringify({ code: "NO_AUTH", message: "特约子商户商户号未授权服务商的产品权限" }) });
    const e = await rejection(client().combineJsapiPrepay(partnerRequest()));
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(e).not.toBeInstanceOf(WechatPayJsapiPayerError);
  });

  it("retries a SYSTEM_ERROR with identical bytes", async () => {
    let n = 0;
    server.handler = () => (n++ === 0 ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}' } : OK);
    await client().combineJsapiPrepay(partnerRequest());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.body).toBe(server.requests[0]!.body);
  });
});
