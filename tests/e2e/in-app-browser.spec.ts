// Shoppers inside WeChat (docs/wechatpay.md §15): the guide shows before 去支付, no order is created,
// the copied resume link carries the cart to a normal browser, where it is paid end to end.
import path from "node:path";
import Database from "better-sqlite3";
import { devices, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { addToCart, APP_URL, checkoutToCashier, confirmPaid, db, fake, fillCheckoutDetails, test } from "./support";

const WECHAT_UA =
  "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/4356 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
const CART = { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 2, "樱花中性笔（3支装）": 1 };
const SMALL_CART = { "明前西湖龙井 50g": 1 };
const RESUME_URL = new RegExp(`^${APP_URL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\?resume=[A-Za-z0-9_-]{43}$`);

test.beforeEach(async ({ browserErrors }) => {
  await fake("/reset", {});
  // Inside WeChat, 去支付 is answered 409 OPEN_IN_BROWSER (the guide takes over): what these tests walk through.
  browserErrors.allow(/status of 409 .*\/api\/checkout\)$/);
});

/** A phone browser with its own storage; `inWechat` gives it WeChat's User-Agent. */
async function phone(browser: Browser, inWechat: boolean): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...devices["Pixel 7"],
    baseURL: APP_URL,
    locale: "zh-CN",
    ...(inWechat ? { userAgent: WECHAT_UA } : {}),
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: APP_URL });
  return context;
}

const guide = (page: Page) => page.getByRole("dialog", { name: "请在浏览器中打开" });
const prepayCount = async () =>
  (await fake<{ method: string; path: string }[]>("/requests")).filter(
    (r) => r.method === "POST" && r.path === "/v3/combine-transactions/h5",
  ).length;
const orderCount = () => {
  const conn = db();
  try {
    return (conn.prepare('SELECT COUNT(*) AS n FROM "Order"').get() as { n: number }).n;
  } finally {
    conn.close();
  }
};

/** In WeChat: fill the cart (the guide is closed first), then copy the resume link from the guide. */
async function copyResumeLinkInWechat(browser: Browser, items: Record<string, number> = CART): Promise<string> {
  const context = await phone(browser, true);
  const page = await context.newPage();
  await page.goto("/");
  await guide(page).getByRole("button", { name: "关闭" }).click();
  await addToCart(page, items);
  await page.getByRole("button", { name: "查看打开方法" }).click();
  await guide(page).getByRole("button", { name: "复制链接" }).click();
  await expect(guide(page).getByRole("status")).toContainText("链接已复制");
  const url = await page.evaluate(() => navigator.clipboard.readText());
  await context.close();
  return url;
}

test("(1) inside WeChat: the guide shows before paying, 去支付 creates no order, 复制链接 copies the resume link", async ({ browser }) => {
  const context = await phone(browser, true);
  const page = await context.newPage();
  await page.goto("/");
  // Server-rendered: shown at once, pointing at the ⋯ menu, with the cart under it.
  const dialog = guide(page);
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute("aria-modal", "true");
  await expect(dialog).toContainText("点击右上角 ⋯，选择「在浏览器打开」");
  await expect(dialog).toContainText("微信内无法完成微信支付");
  await expect(page.getByRole("button", { name: "复制链接" })).toBeFocused();
  await expect(page.getByText("明前西湖龙井 50g")).toBeVisible();

  // Focus stays inside the modal.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  // Escape closes it; it stays reachable from the banner, which gets the focus.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  const reopen = page.getByRole("button", { name: "查看打开方法" });
  await expect(reopen).toBeFocused();

  await addToCart(page, CART);
  // ¥117.90 of goods + ¥6.00 shipping for 木木文具馆 (its only method, under its ¥49.00 free-shipping threshold)
  await expect(page.getByTestId("cart-total")).toHaveText("¥123.90");
  await fillCheckoutDetails(page);
  const ordersBefore = orderCount();
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(dialog).toBeVisible();
  await expect(page.locator(".alert")).toContainText("请在手机浏览器中打开本店");
  expect(page.url()).toBe(`${APP_URL}/`);
  expect(await prepayCount()).toBe(0);
  expect(orderCount()).toBe(ordersBefore);

  await dialog.getByRole("button", { name: "复制链接" }).click();
  await expect(dialog.getByRole("status")).toContainText("链接已复制");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(RESUME_URL);
  expect(await prepayCount()).toBe(0);

  // Readable on a 320 px wide phone: nothing sticks out sideways.
  await page.setViewportSize({ width: 320, height: 640 });
  await expect(dialog).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  const box = (await dialog.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(320);
  await page.screenshot({ path: "test-results/screenshots/in-app-guide-320.png" });
  await context.close();
});

test("(2) the resume link in a normal browser (no shared storage) restores the same cart and pays end to end", async ({ browser }) => {
  test.slow(); // several browser contexts on a shared 2-core machine
  const url = await copyResumeLinkInWechat(browser);
  expect(url).toMatch(RESUME_URL);

  const context = await phone(browser, false);
  const page = await context.newPage();
  await page.goto(url);
  await expect(page.getByTestId("resume-notice")).toContainText("已恢复你的购物车（4 件商品）");
  await expect(guide(page)).toHaveCount(0);
  await expect(page.getByTestId("cart-total")).toHaveText("¥123.90");
  await expect(page.getByRole("region", { name: "香香烘焙坊" }).getByRole("status", { name: "抹茶红豆吐司 数量" })).toHaveText("2");
  // The spent token leaves the address bar.
  await expect(page).toHaveURL(`${APP_URL}/`);
  // The sales overview's funnel: the browser carries the marker to its next checkout (and nowhere else).
  const marker = (await context.cookies(`${APP_URL}/api/checkout`)).find((c) => c.name === "cart_resumed");
  expect(marker).toMatchObject({ path: "/api/checkout", httpOnly: true, value: new URL(url).searchParams.get("resume") });

  await fillCheckoutDetails(page);
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  await expect(page.getByText("¥123.90").first()).toBeVisible();
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
  // that checkout used the marker: its order counts as paid from a resumed cart, and the cookie is gone
  expect((await context.cookies(`${APP_URL}/api/checkout`)).some((c) => c.name === "cart_resumed")).toBe(false);
  const conn = db();
  try {
    expect(conn.prepare(`SELECT viaResumeLink FROM "Order" WHERE orderNo = ?`).get(orderNo)).toEqual({ viaResumeLink: 1 });
  } finally {
    conn.close();
  }
  await context.close();
});

test("(3a) a used resume link shows a clear message and an empty cart", async ({ browser }) => {
  test.slow(); // several browser contexts on a shared 2-core machine
  // The first browser restores the cart, the second one gets the message.
  const used = await copyResumeLinkInWechat(browser, SMALL_CART);
  const first = await phone(browser, false);
  const p1 = await first.newPage();
  await p1.goto(used);
  await expect(p1.getByTestId("cart-total")).toHaveText("¥68.00");
  await first.close();

  const second = await phone(browser, false);
  const p2 = await second.newPage();
  // This browser had a cart of its own: the page still answers 200 with an empty cart.
  await p2.goto("/");
  await addToCart(p2, { "小象橡皮擦（2块装）": 1 });
  const res = await p2.goto(used);
  expect(res!.status()).toBe(200);
  await expect(p2.getByTestId("resume-notice")).toContainText("这个购物车链接已经打开过一次");
  await expect(p2.getByTestId("cart-total")).toHaveText("¥0.00");
  await second.close();
});

test("(3b) an expired resume link shows a clear message and an empty cart", async ({ browser }) => {
  // The draft's expiry is moved into the past in the database (as 24 h passing would).
  const expired = await copyResumeLinkInWechat(browser, SMALL_CART);
  const token = new URL(expired).searchParams.get("resume")!;
  const { createHash } = await import("node:crypto");
  const conn = new Database(path.resolve(".data/e2e.db"), { fileMustExist: true });
  try {
    const r = conn
      .prepare(`UPDATE CartDraft SET expiresAt = createdAt WHERE tokenHash = ?`)
      .run(createHash("sha256").update(token).digest("hex"));
    expect(r.changes).toBe(1);
  } finally {
    conn.close();
  }
  const third = await phone(browser, false);
  const p3 = await third.newPage();
  const res3 = await p3.goto(expired);
  expect(res3!.status()).toBe(200);
  await expect(p3.getByTestId("resume-notice")).toContainText("这个购物车链接已过期");
  await expect(p3.getByTestId("cart-total")).toHaveText("¥0.00");
  await third.close();
});

test("(4) the result page opened inside WeChat shows the guide instead of the check button", async ({ browser, page }) => {
  test.slow(); // several browser contexts on a shared 2-core machine
  const orderNo = await checkoutToCashier(page, { "福鼎白牡丹白茶 100g": 1, "牛皮纸笔记本 A5": 1 });

  const context = await phone(browser, true);
  const inWechat = await context.newPage();
  await inWechat.goto(`/orders/${orderNo}`);
  const dialog = guide(inWechat);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("无法查询支付结果");
  await expect(inWechat.getByText(`订单号 ${orderNo}`, { exact: true })).toBeVisible();
  await expect(inWechat.getByRole("button", { name: "我已完成支付，查询结果" })).toHaveCount(0);
  await dialog.getByRole("button", { name: "复制链接" }).click();
  await expect(dialog.getByRole("status")).toContainText("链接已复制");
  expect(await inWechat.evaluate(() => navigator.clipboard.readText())).toBe(`${APP_URL}/orders/${orderNo}`);
  await dialog.getByRole("button", { name: "关闭" }).click();
  await inWechat.getByRole("button", { name: "在浏览器中打开" }).click();
  await expect(dialog).toBeVisible();
  await context.close();

  // The same URL in a normal browser works by order number alone, with the check button.
  await page.goto(`/orders/${orderNo}`);
  await expect(page.getByRole("button", { name: "我已完成支付，查询结果" })).toBeVisible();
  await expect(guide(page)).toHaveCount(0);
});
