// Paying inside WeChat with JSAPI, in a browser with WeChat's iPhone User-Agent (playwright.jsapi.config.ts): the tap
// on 去支付 goes through WeChat's OAuth (the fake), back to the cart, which pays through WeixinJSBridge (the fake's
// stand-in, with 确认支付 / 取消) and then shows the result page; the order's state comes from the notification or
// the check button, never from the bridge.
import { devices, expect, type Browser, type Page } from "@playwright/test";
import { addToCart, APP_URL, confirmPaid, fake, fillCheckoutDetails, orderStatus, test } from "../e2e/support";

const WECHAT_IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2b) NetType/WIFI Language/zh_CN";
const MINI_PROGRAM_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI Language/zh_CN miniProgram/wx3f1ac0d3c4f1e2b8";
const CART = { "明前西湖龙井 50g": 1, "樱花中性笔（3支装）": 2 };

test.beforeEach(async ({ browserErrors }) => {
  await fake("/reset", {});
  // The tap is first answered 409 WECHAT_AUTH_REQUIRED (the page then goes to WeChat's OAuth), or 409 OPEN_IN_BROWSER.
  browserErrors.allow(/status of 409 .*\/api\/checkout\)$/);
});

async function phone(browser: Browser, userAgent = WECHAT_IPHONE_UA): Promise<Page> {
  const context = await browser.newContext({ ...devices["iPhone 13"], baseURL: APP_URL, locale: "zh-CN", userAgent });
  return context.newPage();
}

const jsapiPrepays = async () =>
  (await fake<{ method: string; path: string }[]>("/requests")).filter(
    (r) => r.method === "POST" && r.path === "/v3/combine-transactions/jsapi",
  ).length;

/** Cart → 收货信息 → 去支付 → WeChat's OAuth → back → the fake's cashier sheet (WeixinJSBridge). */
async function tapToCashier(page: Page, items: Record<string, number> = CART) {
  await page.goto("/");
  await expect(page.getByRole("dialog", { name: "请在浏览器中打开" })).toHaveCount(0);
  await addToCart(page, items);
  await fillCheckoutDetails(page);
  await page.getByRole("button", { name: "去支付" }).click();
  const cashier = page.getByTestId("fake-wechat-cashier");
  await expect(cashier).toBeVisible({ timeout: 20_000 });
  return cashier;
}

test("cart → 去支付 → WeChat OAuth → WeixinJSBridge → 确认支付 → the result page shows 支付成功", async ({ browser }) => {
  const page = await phone(browser);
  const before = await jsapiPrepays();
  await page.goto("/");
  // Opening the page asks WeChat nothing: the OAuth happens only on the tap.
  expect((await fake<{ exchanges: unknown[] }>("/oauth")).exchanges).toHaveLength(0);
  const cashier = await tapToCashier(page);
  expect((await fake<{ exchanges: { errcode: number }[] }>("/oauth")).exchanges).toEqual([expect.objectContaining({ errcode: 0 })]);
  expect(await jsapiPrepays()).toBe(before + 1);
  await cashier.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(/\/orders\/C\d{12}[0-9A-Z]{8}\?wx=ok$/);
  await confirmPaid(page);
  const orderNo = new URL(page.url()).pathname.split("/").pop()!;
  expect(await orderStatus(page, orderNo)).toBe("PAID");
  await page.context().close();
});

test("取消 in WeChat's cashier, then 继续支付 on the result page pays with the same prepay_id", async ({ browser }) => {
  const page = await phone(browser);
  const cashier = await tapToCashier(page);
  await cashier.getByRole("button", { name: "取消" }).click();
  await page.waitForURL(/\/orders\/C[0-9A-Z]+\?wx=cancel$/);
  await expect(page.getByText("支付已取消")).toBeVisible();
  const orderNo = new URL(page.url()).pathname.split("/").pop()!;
  expect(await orderStatus(page, orderNo)).toBe("PENDING");
  const prepays = await jsapiPrepays();
  await page.getByRole("button", { name: "继续支付" }).click();
  await page.getByTestId("fake-wechat-cashier").getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(/\?wx=ok$/);
  await confirmPaid(page);
  // The live prepay_id was signed again: no second prepay.
  expect(await jsapiPrepays()).toBe(prepays);
  await page.context().close();
});

test("a failed authorization (snapshot-page user) shows a 400 page with a retry; back in the cart the form is kept and the next tap pays", async ({
  browser,
  browserErrors,
}) => {
  browserErrors.allow(/status of 400 .*\/api\/wechat\/oauth\/callback/);
  const page = await phone(browser);
  await page.goto("/");
  await addToCart(page, CART);
  await fillCheckoutDetails(page, { contact: { name: "李四", phone: "13912345678" } });
  await fake("/faults", { target: "oauth", kind: "snapshot_user" });
  const before = await jsapiPrepays();
  const failed = page.waitForResponse((r) => r.url().includes("/api/wechat/oauth/callback"));
  await page.getByRole("button", { name: "去支付" }).click();
  expect((await failed).status()).toBe(400);
  await expect(page.getByRole("alert")).toContainText("快照页");
  await expect(page.getByText("订单尚未创建")).toBeVisible();
  expect(await jsapiPrepays()).toBe(before);
  await page.getByRole("button", { name: "返回购物车重试" }).click();
  await expect(page.getByLabel("姓名", { exact: true })).toHaveValue("李四");
  await expect(page.getByLabel("手机号", { exact: true })).toHaveValue("13912345678");
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.getByTestId("fake-wechat-cashier")).toBeVisible({ timeout: 20_000 });
  await page.context().close();
});

test("a store that has not authorised JSAPI sends the cart to the open-in-browser guide; no order, no prepay", async ({ browser }) => {
  const page = await phone(browser);
  await page.goto("/");
  await addToCart(page, { 拿铁咖啡电子兑换券: 1 });
  await fillCheckoutDetails(page);
  const before = await jsapiPrepays();
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.getByRole("dialog", { name: "请在浏览器中打开" })).toBeVisible();
  expect(page.url()).toBe(`${APP_URL}/`);
  expect(await jsapiPrepays()).toBe(before);
  await page.context().close();
});

test("a mini-program web-view gets the guide on arrival, as before JSAPI existed", async ({ browser }) => {
  const page = await phone(browser, MINI_PROGRAM_UA);
  await page.goto("/");
  await expect(page.getByRole("dialog", { name: "请在浏览器中打开" })).toBeVisible();
  await page.context().close();
});

test("the bridge code is not in the cart's first-load JS (a chunk loaded only when a JSAPI payment starts)", async ({ request }) => {
  for (const ua of [WECHAT_IPHONE_UA, devices["iPhone 13"].userAgent]) {
    const html = await (await request.get("/", { headers: { "user-agent": ua } })).text();
    const srcs = [...html.matchAll(/<script\b[^>]*?\ssrc="([^"]+)"/g)].map((m) => m[1]!.replaceAll("&amp;", "&"));
    expect(srcs.length).toBeGreaterThan(0);
    for (const src of srcs.filter((s) => s.startsWith("/"))) {
      expect(await (await request.get(src)).text(), src).not.toContain("getBrandWCPayRequest");
    }
  }
});
