// The bridge shim in a real browser: a page on the shop's domain loads /jsapi/bridge.js (twice), waits for
// WeixinJSBridgeReady, invokes getBrandWCPayRequest and gets the fake cashier with 确认支付 / 取消.
import { createSign } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type Page } from "playwright";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, control, ids, merchantKey, partnerBody } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";
const CHROMIUM = "/usr/bin/chromium"; // as playwright.config.ts: the system browser when there is one
let fake: Fake;
let browser: Browser;
let shop: http.Server;
let shopUrl = "";

// The shop's page: the shim loaded twice (must stay harmless), the merchant's usual invoke pattern.
const PAGE = (fakeUrl: string) => `<!doctype html><html><head><meta charset="utf-8"><title>shop</title>
<script src="${fakeUrl}/jsapi/bridge.js"></script><script src="${fakeUrl}/jsapi/bridge.js"></script></head>
<body><h1>购物车</h1><script>
window.__ready = 0;
document.addEventListener("WeixinJSBridgeReady", function () { window.__ready += 1; }, false);
window.pay = function (p) {
  window.__results = window.__results || [];
  WeixinJSBridge.invoke("getBrandWCPayRequest", p, function (res) { window.__results.push(res); });
};
</script></body></html>`;

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001 });
  shop = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end(PAGE(fake.url));
  });
  await new Promise<void>((r) => shop.listen(0, "127.0.0.1", r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/cart`;
  browser = await chromium.launch(fs.existsSync(CHROMIUM) ? { executablePath: CHROMIUM } : {});
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => shop.close(() => r()));
  await fake.close();
});
beforeEach(() => control(fake.url, "/reset", {}));

async function prepaid(): Promise<{ no: string; params: Record<string, string> }> {
  const { openid } = await control(fake.url, "/oauth");
  const { scene_info, ...h5 } = partnerBody();
  const body = {
    ...h5,
    combine_appid: ids.mpAppid,
    scene_info: { payer_client_ip: scene_info.payer_client_ip },
    combine_payer_info: { openid },
  };
  const r = await call(fake.url, "POST", "/v3/combine-transactions/jsapi", body);
  expect(r.status, r.text).toBe(200);
  const timeStamp = String(Math.floor(Date.now() / 1000));
  const nonceStr = "Z1y2X3w4V5u6T7s8R9q0P1o2N3m4L5k6";
  const pkg = `prepay_id=${r.json.prepay_id}`;
  const s = createSign("RSA-SHA256");
  s.update(`${ids.mpAppid}\n${timeStamp}\n${nonceStr}\n${pkg}\n`);
  return {
    no: body.combine_out_trade_no,
    params: { appId: ids.mpAppid, timeStamp, nonceStr, package: pkg, signType: "RSA", paySign: s.sign(merchantKey, "base64") },
  };
}

async function openShop(): Promise<Page> {
  const context = await browser.newContext({ userAgent: WECHAT_UA });
  const page = await context.newPage();
  await page.goto(shopUrl);
  await page.waitForFunction(() => (window as unknown as { __ready: number }).__ready > 0);
  return page;
}
const results = (page: Page) => page.evaluate(() => (window as unknown as { __results?: Body[] }).__results ?? []);
const firstResult = async (page: Page) => {
  await page.waitForFunction(() => ((window as unknown as { __results?: unknown[] }).__results ?? []).length > 0);
  return (await results(page))[0];
};

describe("the bridge shim in a browser", () => {
  it("loaded twice: one WeixinJSBridge, one WeixinJSBridgeReady", async () => {
    const page = await openShop();
    expect(await page.evaluate(() => typeof (window as unknown as { WeixinJSBridge?: { invoke: unknown } }).WeixinJSBridge?.invoke)).toBe(
      "function",
    );
    expect(await page.evaluate(() => (window as unknown as { __ready: number }).__ready)).toBe(1);
    await page.context().close();
  });

  it("确认支付 → the fake cashier closes, callback get_brand_wcpay_request:ok, the order is paid", async () => {
    const { no, params } = await prepaid();
    const page = await openShop();
    await page.evaluate((p) => (window as unknown as { pay: (x: unknown) => void }).pay(p), params);
    const dialog = page.getByRole("dialog", { name: "微信支付" });
    await expect(dialog.getByTestId("fake-wechat-total").textContent()).resolves.toBe("¥12.30");
    await dialog.getByRole("button", { name: "确认支付" }).click();
    expect(await firstResult(page)).toEqual({ err_msg: "get_brand_wcpay_request:ok" });
    expect(await dialog.count()).toBe(0);
    expect((await control(fake.url, `/orders/${no}`)).order.status).toBe("SUCCESS");
    await page.context().close();
  });

  it("取消 → :cancel and the order stays NOTPAY", async () => {
    const { no, params } = await prepaid();
    const page = await openShop();
    await page.evaluate((p) => (window as unknown as { pay: (x: unknown) => void }).pay(p), params);
    await page.getByRole("dialog", { name: "微信支付" }).getByRole("button", { name: "取消" }).click();
    expect(await firstResult(page)).toEqual({ err_msg: "get_brand_wcpay_request:cancel" });
    expect((await control(fake.url, `/orders/${no}`)).order.status).toBe("NOTPAY");
    await page.context().close();
  });

  it("a bad paySign → :fail without a cashier", async () => {
    const { params } = await prepaid();
    const page = await openShop();
    await page.evaluate((p) => (window as unknown as { pay: (x: unknown) => void }).pay(p), { ...params, nonceStr: "TAMPERED" });
    expect(await firstResult(page)).toEqual({ err_msg: "get_brand_wcpay_request:fail", err_desc: "支付验证签名失败" });
    expect(await page.getByRole("dialog", { name: "微信支付" }).count()).toBe(0);
    await page.context().close();
  });

  it("bridge fault no_callback: paid, then the page is closed and the callback never runs", async () => {
    await control(fake.url, "/faults", { target: "bridge", kind: "no_callback" });
    const { no, params } = await prepaid();
    const page = await openShop();
    await page.evaluate((p) => (window as unknown as { pay: (x: unknown) => void }).pay(p), params);
    await page.getByRole("dialog", { name: "微信支付" }).getByRole("button", { name: "确认支付" }).click();
    await page.waitForSelector("html[data-fake-wechat-closed=true]");
    expect(await results(page)).toEqual([]);
    expect((await control(fake.url, `/orders/${no}`)).order.status).toBe("SUCCESS");
    await page.context().close();
  });
});
