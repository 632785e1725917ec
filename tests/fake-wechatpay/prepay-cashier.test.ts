// Combine H5 prepay field rules and re-entry (§3, §12) and the H5 cashier (§4).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import {
  call,
  closeBody,
  control,
  directBody,
  ids,
  openCashier,
  orderNo,
  partnerBody,
  submitCashier,
  verifySigned,
  type ApiReply,
} from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
let fake: Fake;
const H5 = "/v3/combine-transactions/h5";
const QUERY = (no: string) => `/v3/combine-transactions/out-trade-no/${no}`;

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, h5Domains: ["localhost", "shop.example.com"] });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

const prepay = (b: unknown) => call(fake.url, "POST", H5, b);
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = <T>(v: T): T => structuredClone(v);

function expectParamError(r: ApiReply, field: string) {
  expect(r.status, r.text).toBe(400);
  expect(r.json.code).toBe("PARAM_ERROR");
  expect(r.json.detail.field).toBe(field);
  expect(r.json.detail.location).toBe("body");
  expect(typeof r.json.detail.issue).toBe("string");
  verifySigned(r.headers, r.raw);
}

describe("prepay: accepted shapes (§3)", () => {
  it("partner mode (1 sub-order allowed) returns an h5_url on the cashier path", async () => {
    const b = partnerBody({ amounts: [1] });
    const r = await prepay(b);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json)).toEqual(["h5_url"]);
    expect(r.json.h5_url).toMatch(
      new RegExp(`^${fake.url}/cgi-bin/mmpayweb-bin/checkmweb\\?prepay_id=wx\\d{14}[0-9a-f]{16}\\d{4}&package=\\d+$`),
    );
    verifySigned(r.headers, r.raw);
  });

  it("direct mode with 2 and with 10 participant sub-orders; 127-char descriptions; http://127.0.0.1 notify_url", async () => {
    expect((await prepay(directBody())).status).toBe(200);
    const b: Body = directBody({ amounts: Array.from({ length: 10 }, () => 1), notifyUrl: "http://127.0.0.1:3000/api/wechatpay/notify" });
    b.sub_orders.forEach((s: Body, i: number) => {
      s.mchid = ids.subMerchants[i % ids.subMerchants.length]!.mchid; // the same participant may appear twice (§0)
      s.description = "商".repeat(127);
    });
    const r = await prepay(b);
    expect(r.status, r.text).toBe(200);
  });

  it("accepts every documented optional field (goods_tag, settle_info, sub_appid in partner mode, h5_info extras)", async () => {
    const b: Body = partnerBody();
    b.sub_orders[0].goods_tag = "WXG";
    b.sub_orders[0].sub_appid = "wx8888888888888888";
    b.scene_info.h5_info = { type: "iOS", app_name: "商城", bundle_id: "com.example.shop" };
    b.time_expire = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "+00:00");
    expect((await prepay(b)).status).toBe(200);
  });
});

describe("prepay: PARAM_ERROR with a JSON pointer (§3.1, §3.2, §1.4, §9.1)", () => {
  const cases: [string, (b: Body) => void, string][] = [
    ["amount 0", (b) => (b.sub_orders[0].amount.total_amount = 0), "/sub_orders/0/amount/total_amount"],
    ["amount negative", (b) => (b.sub_orders[1].amount.total_amount = -5), "/sub_orders/1/amount/total_amount"],
    ["amount fractional", (b) => (b.sub_orders[0].amount.total_amount = 12.5), "/sub_orders/0/amount/total_amount"],
    ["amount as string", (b) => (b.sub_orders[0].amount.total_amount = "100"), "/sub_orders/0/amount/total_amount"],
    ["currency USD", (b) => (b.sub_orders[0].amount.currency = "USD"), "/sub_orders/0/amount/currency"],
    ["combine no too short", (b) => (b.combine_out_trade_no = "C1234"), "/combine_out_trade_no"],
    ["combine no too long", (b) => (b.combine_out_trade_no = "C".repeat(33)), "/combine_out_trade_no"],
    ["combine no with @", (b) => (b.combine_out_trade_no = "C2026@112701"), "/combine_out_trade_no"],
    ["sub no with space", (b) => (b.sub_orders[1].out_trade_no = "S2026 1127"), "/sub_orders/1/out_trade_no"],
    ["attach missing", (b) => delete b.sub_orders[0].attach, "/sub_orders/0/attach"],
    ["attach 129 chars", (b) => (b.sub_orders[0].attach = "a".repeat(129)), "/sub_orders/0/attach"],
    ["description 128 chars", (b) => (b.sub_orders[0].description = "d".repeat(128)), "/sub_orders/0/description"],
    ["description with emoji", (b) => (b.sub_orders[1].description = "好茶🍵"), "/sub_orders/1/description"],
    ["null value", (b) => (b.time_expire = null), "/time_expire"],
    ["nested null", (b) => (b.sub_orders[0].settle_info = null), "/sub_orders/0/settle_info"],
    ["unknown time_start", (b) => (b.time_start = "2026-11-27T10:00:00+08:00"), "/time_start"],
    ["unknown limit_pay", (b) => (b.limit_pay = ["no_balance"]), "/limit_pay"],
    ["unknown subsidy_amount", (b) => (b.sub_orders[0].settle_info.subsidy_amount = 10), "/sub_orders/0/settle_info/subsidy_amount"],
    ["unknown combine_payer_info", (b) => (b.combine_payer_info = { openid: "o1" }), "/combine_payer_info"],
    ["scene_info missing", (b) => delete b.scene_info, "/scene_info"],
    ["device_id missing", (b) => delete b.scene_info.device_id, "/scene_info/device_id"],
    ["payer_client_ip missing", (b) => delete b.scene_info.payer_client_ip, "/scene_info/payer_client_ip"],
    ["payer_client_ip not an IP", (b) => (b.scene_info.payer_client_ip = "localhost"), "/scene_info/payer_client_ip"],
    ["h5_info.type H5", (b) => (b.scene_info.h5_info.type = "H5"), "/scene_info/h5_info/type"],
    ["notify_url plain http", (b) => (b.notify_url = "http://shop.example.com/notify"), "/notify_url"],
    ["notify_url with query", (b) => (b.notify_url = "https://shop.example.com/notify?order=1"), "/notify_url"],
    ["notify_url 256 chars", (b) => (b.notify_url = `https://shop.example.com/${"n".repeat(231)}`), "/notify_url"],
    ["notify_url relative", (b) => (b.notify_url = "/api/wechatpay/notify"), "/notify_url"],
    ["time_expire without offset", (b) => (b.time_expire = "2026-12-01T10:00:00"), "/time_expire"],
    ["time_expire with Z", (b) => (b.time_expire = "2026-12-01T10:00:00Z"), "/time_expire"],
    ["time_expire not a date", (b) => (b.time_expire = "2026-02-30T10:00:00+08:00"), "/time_expire"],
    ["partner: mchid not combine_mchid", (b) => (b.sub_orders[0].mchid = ids.subMerchants[0]!.mchid), "/sub_orders/0/mchid"],
    ["partner: sub_mchid missing", (b) => delete b.sub_orders[1].sub_mchid, "/sub_orders/1/sub_mchid"],
    [
      "partner: 51 sub-orders",
      (b) => (b.sub_orders = Array.from({ length: 51 }, (_, i) => ({ ...b.sub_orders[0], out_trade_no: `S${i}xxxxxx` }))),
      "/sub_orders",
    ],
    ["duplicate sub out_trade_no", (b) => (b.sub_orders[1].out_trade_no = b.sub_orders[0].out_trade_no), "/sub_orders/1/out_trade_no"],
  ];
  it.each(cases)("%s", async (_name, mutate, field) => {
    const b = clone(partnerBody()) as Body;
    mutate(b);
    expectParamError(await prepay(b), field);
  });

  const directCases: [string, (b: Body) => void, string][] = [
    ["1 sub-order", (b) => b.sub_orders.splice(1), "/sub_orders"],
    [
      "11 sub-orders",
      (b) => (b.sub_orders = Array.from({ length: 11 }, (_, i) => ({ ...b.sub_orders[0], out_trade_no: `S${i}xxxxxx` }))),
      "/sub_orders",
    ],
    ["sub_appid", (b) => (b.sub_orders[0].sub_appid = "wx8888888888888888"), "/sub_orders/0/sub_appid"],
  ];
  it.each(directCases)("direct mode: %s", async (_name, mutate, field) => {
    const b = clone(directBody()) as Body;
    mutate(b);
    expectParamError(await prepay(b), field);
  });

  it("a body that is not JSON, or sent as text/plain, is refused", async () => {
    const r = await call(fake.url, "POST", H5, "{not json");
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("PARAM_ERROR");
    const t = await call(fake.url, "POST", H5, partnerBody(), { contentType: "text/plain" });
    expect(t.status).toBe(400);
    expect(t.json.code).toBe("INVALID_REQUEST");
  });
});

describe("prepay: identity and business rules", () => {
  it("combine_mchid must be the caller; combine_appid must be the bound appid; participants must be bound", async () => {
    const b: Body = partnerBody();
    b.combine_mchid = "1900000110";
    b.sub_orders.forEach((s: Body) => (s.mchid = "1900000110"));
    const r = await prepay(b);
    expect([r.status, r.json.code]).toEqual([400, "INVALID_REQUEST"]);

    const a: Body = partnerBody();
    a.combine_appid = "wx0000000000000000";
    const ra = await prepay(a);
    expect([ra.status, ra.json.code, ra.json.message]).toEqual([400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配"]);

    const d: Body = directBody();
    d.sub_orders[1].mchid = ids.subMerchants[1]!.subMchid; // a typical mix-up: the SP-mode sub_mchid in direct mode
    const rd = await prepay(d);
    expect([rd.status, rd.json.code, rd.json.detail.field]).toEqual([400, "APPID_MCHID_NOT_MATCH", "/sub_orders/1/mchid"]);

    const p: Body = partnerBody();
    p.sub_orders[0].sub_mchid = "1999999999";
    const rp = await prepay(p);
    expect([rp.status, rp.json.code]).toEqual([403, "NO_AUTH"]);
  });

  it("sub out_trade_no is unique across combine orders", async () => {
    const a = partnerBody();
    expect((await prepay(a)).status).toBe(200);
    const b: Body = partnerBody();
    b.sub_orders[1].out_trade_no = a.sub_orders[0]!.out_trade_no;
    const r = await prepay(b);
    expect([r.status, r.json.code, r.json.detail.field]).toEqual([403, "OUT_TRADE_NO_USED", "/sub_orders/1/out_trade_no"]);
  });

  it("identical re-prepay returns a fresh h5_url; key order does not matter", async () => {
    const b = partnerBody();
    const first = await prepay(b);
    const again = await prepay(b);
    expect(again.status).toBe(200);
    expect(again.json.h5_url).not.toBe(first.json.h5_url);
    const reordered = Object.fromEntries(Object.entries(b).reverse());
    const third = await prepay(reordered);
    expect(third.status).toBe(200);
    const view = await control(fake.url, `/orders/${b.combine_out_trade_no}`);
    expect(view.order.links).toHaveLength(3);
  });

  it("changed parameters on re-entry → 400 INVALID_REQUEST, Request-ID code 268498688", async () => {
    const b = partnerBody();
    expect((await prepay(b)).status).toBe(200);
    for (const mutate of [
      (x: Body) => (x.sub_orders[0].amount.total_amount += 1),
      (x: Body) => (x.time_expire = "2030-01-01T00:00:00+08:00"),
      (x: Body) => (x.sub_orders[0].attach = "other"),
    ]) {
      const c = clone(b) as Body;
      mutate(c);
      const r = await prepay(c);
      expect([r.status, r.json.code, r.json.message]).toEqual([400, "INVALID_REQUEST", "请求重入时，参数与首次请求时不一致"]);
      expect(r.headers.get("Request-ID")).toMatch(/-268498688$/);
    }
  });

  it("re-prepay of a closed order → 400 ORDER_CLOSED; of a paid order → 400 ORDERPAID", async () => {
    const c = partnerBody();
    await prepay(c);
    expect((await call(fake.url, "POST", `${QUERY(c.combine_out_trade_no)}/close`, closeBody(c))).status).toBe(204);
    const rc = await prepay(c);
    expect([rc.status, rc.json.code]).toEqual([400, "ORDER_CLOSED"]);

    const p = partnerBody();
    await prepay(p);
    await control(fake.url, `/orders/${p.combine_out_trade_no}/pay`, {});
    const rp = await prepay(p);
    expect([rp.status, rp.json.code]).toEqual([400, "ORDERPAID"]);
  });

  it("time_expire: absent → 7 days; < now+1min → now+1min; > 7 days → 7 days; offsets are honoured", async () => {
    const expiry = async (te?: string) => {
      const b: Body = partnerBody();
      if (te) b.time_expire = te;
      expect((await prepay(b)).status).toBe(200);
      const v = await control(fake.url, `/orders/${b.combine_out_trade_no}`);
      return Date.parse(v.order.time_expire) - Date.now();
    };
    const day = 24 * 3600_000;
    const cst = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().replace(/\.\d+Z$/, "+08:00");
    expect(Math.abs((await expiry()) - 7 * day)).toBeLessThan(5000);
    expect(Math.abs((await expiry(cst(Date.now() + 10_000))) - 60_000)).toBeLessThan(5000);
    expect(Math.abs((await expiry(cst(Date.now() - 3600_000))) - 60_000)).toBeLessThan(5000);
    expect(Math.abs((await expiry(cst(Date.now() + 30 * day))) - 7 * day)).toBeLessThan(5000);
    const utcMinus5 = new Date(Date.now() + 2 * 3600_000 - 5 * 3600_000).toISOString().replace(/\.\d+Z$/, "-05:00");
    expect(Math.abs((await expiry(utcMinus5)) - 2 * 3600_000)).toBeLessThan(5000);
  });
});

describe("H5 cashier (§4)", () => {
  const text = async (r: Response) => r.text();
  async function newOrder(b: Body = partnerBody()) {
    const r = await prepay(b);
    expect(r.status).toBe(200);
    return { body: b, h5: r.json.h5_url as string };
  }
  async function refusal(r: Response, message: string) {
    expect(r.status).toBe(200); // WeChat shows refusals as a normal page
    const html = await text(r);
    expect(html).toContain(message);
    expect(html).not.toContain("确认支付");
  }

  it("shows the initiator, the total as ¥12.30, every sub-order and the two buttons", async () => {
    const { body, h5 } = await newOrder(partnerBody({ amounts: [1000, 230] }));
    const r = await openCashier(h5);
    const html = await text(r);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain("测试商户（仅供测试）");
    expect(html).toContain("¥12.30");
    expect(html).toContain(`<span>${body.sub_orders[0].description}</span><span>¥10.00</span>`);
    expect(html).toContain(`<span>${body.sub_orders[1].description}</span><span>¥2.30</span>`);
    expect(html).toMatch(/<button[^>]*>确认支付<\/button>/);
    expect(html).toMatch(/<button[^>]*>取消支付<\/button>/);
    expect(html).not.toMatch(/<script/);
  });

  it("refuses an empty Referer, a foreign Referer, a foreign redirect_url and the WeChat browser", async () => {
    const { h5 } = await newOrder();
    await refusal(await openCashier(h5, { referer: null }), "商家参数格式有误");
    await refusal(await openCashier(h5, { referer: "https://evil.example.net/cart" }), "商家存在未配置的参数");
    await refusal(await openCashier(h5, { redirectUrl: "https://evil.example.net/orders/1" }), "商家存在未配置的参数");
    await refusal(
      await openCashier(h5, {
        userAgent: "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50(0x1800323b) NetType/WIFI",
      }),
      "请在微信外打开订单，进行支付",
    );
    await refusal(await openCashier(`${h5.replace(/package=\d+/, "package=1")}`), "商家参数格式有误");
    const ok = await openCashier(h5, { referer: "https://shop.example.com/cart", redirectUrl: "https://shop.example.com/orders/1" });
    expect(await text(ok)).toContain("确认支付");
  });

  it("refuses in-app browsers (§15.4): WeChat-family UAs as WeChat does, other apps' webviews too; real browsers pass", async () => {
    const { h5 } = await newOrder();
    const cases: [string, string | null][] = [
      [
        "Mozilla/5.0 (Linux; Android 12; PGT-AN10; wv) AppleWebKit/537.36 Chrome/101.0.4951.74 Mobile Safari/537.36 wxwork/4.1.16 MicroMessenger/7.0.1 NetType/WIFI",
        "IN_WECHAT",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI miniProgram/wx3f1ac0d3c4f1e2b8",
        "IN_WECHAT",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 QQ/8.8.38.624 V1_IPH_SQ_8.8.38_1_APP_A Core/WKWebView",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; Android 10; MI 8; wv) AppleWebKit/537.36 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045713 Mobile Safari/537.36 V1_AND_SQ_8.8.68_2538_YYB_D QQ/8.8.68.7265 NetType/WIFI",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/20B82 AliApp(AP/10.3.10.6000) AlipayClient/10.3.10.6000 Language/zh-Hans",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 AliApp(DingTalk/7.0.0) com.laiwang.DingTalk/27125418",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Weibo (iPhone12,1__weibo__11.8.1__iphone__os14.4)",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 aweme_260300 JsSdk/2.0 NetType/WIFI BytedanceWebview/d8a21c6",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; Android 10; PCT-AL10; wv) AppleWebKit/537.36 Chrome/76.0.3809.89 Mobile Safari/537.36 T7/12.10 SP-engine/2.28.0 baiduboxapp/12.10.0.10 (Baidu; P1 10)",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 discover/8.7 (iPhone; iOS 16.6; Scale/3.00) Resolution/1170*2532 Version/8.7 Build/8070537 Device/(Apple Inc.;iPhone14,5) NetType/WiFi",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; Android 10; MI 8; wv) AppleWebKit/537.36 Version/4.0 Chrome/83.0.4103.101 Mobile Safari/537.36 XiaoHongShu/6.83.0 (Android 10) discover/6.83.0 NetType/WiFi",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; Android 12; PGBM10; wv) AppleWebKit/537.36 Version/4.0 Chrome/97.0.4692.98 Mobile Safari/537.36 JsSdk/2 NewsArticle/9.1.0 NetType/wifi",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Kwai/13.7.10.9371 ISLP/0 StatusHT/47 NetType/WIFI Yoda/3.3.8 WebViewType/WK",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; Android 9; V1838A; wv) AppleWebKit/537.36 Version/4.0 Chrome/66.0.3359.126 Mobile Safari/537.36 Kwai_Lite/1.6.3.138",
        "IN_APP_WEBVIEW",
      ],
      [
        "Mozilla/5.0 (Linux; U; Android 10; zh-cn; PCT-AL10) AppleWebKit/537.36 Version/4.0 Chrome/89.0.4389.72 MQQBrowser/12.1 Mobile Safari/537.36",
        null,
      ],
      [
        "Mozilla/5.0 (Linux; U; Android 10; zh-CN; V1916A) AppleWebKit/537.36 Version/4.0 Chrome/78.0.3904.108 UCBrowser/15.3.8.1178 Mobile Safari/537.36",
        null,
      ],
      [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        null,
      ],
    ];
    for (const [userAgent, error] of cases) {
      const r = await openCashier(h5, { userAgent });
      expect(r.headers.get("x-fake-cashier-error"), userAgent).toBe(error);
      const html = await text(r);
      if (error === "IN_WECHAT") expect(html).toContain("请在微信外打开订单，进行支付");
      if (error === "IN_APP_WEBVIEW") expect(html).toContain("请在手机浏览器中打开页面完成支付");
      expect(html.includes("确认支付"), userAgent).toBe(error === null);
    }
  });

  it("refuses an expired link (5 min), then a fresh prepay link works again", async () => {
    const { body, h5 } = await newOrder();
    await control(fake.url, "/clock", { advanceSeconds: 301 });
    await refusal(await openCashier(h5), "支付请求已失效，请重新发起支付");
    const again = await prepay(body);
    expect(await text(await openCashier(again.json.h5_url))).toContain("确认支付");
  });

  it("refuses an order past its time_expire, a closed order and a paid order", async () => {
    const b: Body = partnerBody();
    b.time_expire = new Date(Date.now() + 8 * 3600_000 + 120_000).toISOString().replace(/\.\d+Z$/, "+08:00");
    await newOrder(b);
    await control(fake.url, "/clock", { advanceSeconds: 180 });
    const late = await prepay(b); // identical re-entry still hands out a link …
    await refusal(await openCashier(late.json.h5_url), "订单已超过商户设置的最晚支付成功时间"); // … that cannot be paid

    const c = await newOrder();
    await call(fake.url, "POST", `${QUERY(c.body.combine_out_trade_no)}/close`, closeBody(c.body));
    await refusal(await openCashier(c.h5), "订单已关闭");

    const p = await newOrder();
    await control(fake.url, `/orders/${p.body.combine_out_trade_no}/pay`, {});
    await refusal(await openCashier(p.h5), "该订单已支付");
  });

  it("确认支付 marks every sub-order SUCCESS and redirects (302) to redirect_url", async () => {
    const { body, h5 } = await newOrder();
    const redirectUrl = `http://localhost:3000/orders/${body.combine_out_trade_no}?from=cashier`;
    const html = await text(await openCashier(h5, { redirectUrl }));
    const before = Date.now();
    const r = await submitCashier(fake.url, html, "pay");
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe(redirectUrl);
    const q = await call(fake.url, "GET", QUERY(body.combine_out_trade_no));
    expect(q.json.combine_payer_info.openid).toMatch(/^o/);
    const txIds = new Set<string>();
    for (const [i, s] of (q.json.sub_orders as Body[]).entries()) {
      expect(s).toMatchObject({
        trade_state: "SUCCESS",
        trade_type: "MWEB",
        bank_type: "OTHERS",
        out_trade_no: body.sub_orders[i].out_trade_no,
      });
      expect(s.transaction_id).toMatch(/^\d{28,32}$/);
      txIds.add(s.transaction_id);
      expect(s.success_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      expect(Math.abs(Date.parse(s.success_time) - before)).toBeLessThan(5000);
      expect(s.amount).toEqual({
        total_amount: body.sub_orders[i].amount.total_amount,
        payer_amount: body.sub_orders[i].amount.total_amount,
        currency: "CNY",
        payer_currency: "CNY",
      });
    }
    expect(txIds.size).toBe(2);
  });

  it("取消支付 leaves the order NOTPAY and redirects; without redirect_url a result page is shown", async () => {
    const { body, h5 } = await newOrder();
    const html = await text(await openCashier(h5, { redirectUrl: "http://localhost:3000/orders/x" }));
    const r = await submitCashier(fake.url, html, "cancel");
    expect([r.status, r.headers.get("location")]).toEqual([302, "http://localhost:3000/orders/x"]);
    const q = await call(fake.url, "GET", QUERY(body.combine_out_trade_no));
    expect(q.json.sub_orders.map((s: Body) => s.trade_state)).toEqual(["NOTPAY", "NOTPAY"]);

    const plain = await text(await openCashier(h5));
    const paid = await submitCashier(fake.url, plain, "pay");
    expect(paid.status).toBe(200);
    expect(await paid.text()).toContain("支付成功 ¥12.30");
  });

  it("the button POST re-checks validity: a link that expired while the page was open cannot pay", async () => {
    const { body, h5 } = await newOrder();
    const html = await text(await openCashier(h5));
    await control(fake.url, "/clock", { advanceSeconds: 360 });
    const r = await submitCashier(fake.url, html, "pay");
    expect(await r.text()).toContain("支付请求已失效，请重新发起支付");
    const inWechat = await submitCashier(fake.url, html, "pay", "MicroMessenger/8.0");
    expect(await inWechat.text()).toContain("请在微信外打开订单");
    const q = await call(fake.url, "GET", QUERY(body.combine_out_trade_no));
    expect(q.json.sub_orders[0].trade_state).toBe("NOTPAY");
  });

  it("unknown prepay ids are refused", async () => {
    await refusal(await openCashier(`${fake.url}/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx123&package=1`), "商家参数格式有误");
    expect(orderNo()).toMatch(/^[0-9A-Za-z]{6,32}$/);
  });
});
