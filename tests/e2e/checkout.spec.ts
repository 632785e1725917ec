import fs from "node:fs";
import { expect } from "@playwright/test";
import Database from "better-sqlite3";
import path from "node:path";
import { APP_URL, auditOutcomes, checkoutToCashier, confirmPaid, fake, fillCheckoutDetails, orderStatus, test } from "./support";

const THREE_STORES = { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 2, "樱花中性笔（3支装）": 1 };
const SCREENSHOTS = "test-results/screenshots";

test.beforeAll(() => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});
// Nothing of an earlier test reaches the next: the fake forgets its orders, cancels every pending
// notification retry and drops any leftover fault before each test. Faults below name their order.
test.beforeEach(async () => {
  await fake("/reset", {});
});

test("pay for goods from three stores: cart → cashier → pay → result page → check payment → paid", async ({ page }) => {
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  for (const [name, qty] of Object.entries(THREE_STORES)) {
    for (let i = 0; i < qty; i++) await page.getByRole("button", { name: `增加 ${name}` }).click();
  }
  await expect(page.getByTestId("subtotal-chayu")).toHaveText("¥68.00");
  await expect(page.getByTestId("subtotal-xiangxiang")).toHaveText("¥37.60");
  await expect(page.getByTestId("subtotal-mumu")).toHaveText("¥12.30");
  // 木木文具馆 only ships: preselected, and its ¥6.00 fee is in the total (under ¥49.00 of goods).
  await expect(page.getByTestId("shipping-mumu")).toHaveText("¥6.00");
  await expect(page.getByTestId("cart-total")).toHaveText("¥123.90");

  // The cart survives a reload.
  await page.reload();
  await expect(page.getByTestId("cart-total")).toHaveText("¥123.90");
  await fillCheckoutDetails(page, { methods: { 茶语轩茶叶铺: "快递配送" } });
  await page.screenshot({ path: `${SCREENSHOTS}/cart.png`, fullPage: true });

  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  await expect(page.getByText("¥123.90").first()).toBeVisible();
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;

  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  // Arriving from the cashier proves nothing: the page shows our database and offers the check
  // (unless the signed notification was already applied).
  await confirmPaid(page);
  for (const store of ["茶语轩茶叶铺", "香香烘焙坊", "木木文具馆"]) {
    await expect(page.getByRole("region", { name: store }).getByText("已支付")).toBeVisible();
    await expect(page.getByRole("region", { name: store }).getByText(/微信支付单号 \d+/)).toBeVisible();
  }
  await page.screenshot({ path: `${SCREENSHOTS}/result-paid.png`, fullPage: true });
  expect(auditOutcomes(orderNo)).toContain("APPLIED");
});

test("cancel at the cashier → pending → 重新支付 → paid", async ({ page }) => {
  const orderNo = await checkoutToCashier(page, { "福鼎白牡丹白茶 100g": 1, "小象橡皮擦（2块装）": 2 });
  await page.getByRole("button", { name: "取消支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await expect(page.getByText("等待支付结果")).toBeVisible();
  // The result page never asks WeChat by itself: not on load, not on focus, not on a timer.
  // (Not counting closes of other orders: the app's close-expired job may close an expired one meanwhile.)
  const ours = async () =>
    (await fake<{ path: string }[]>("/requests")).filter((r) => !r.path.endsWith("/close") || r.path.includes(orderNo)).length;
  const before = await ours();
  await page.reload();
  await page.evaluate(() => {
    window.dispatchEvent(new Event("focus"));
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await page.waitForTimeout(1500);
  expect(await ours()).toBe(before);
  await page.getByRole("button", { name: "我已完成支付，查询结果" }).click();
  await expect(page.getByText("微信支付尚未收到这笔付款")).toBeVisible();
  // The server answered with retryAfterSeconds: the button says when it can be pressed again.
  await expect(page.getByRole("button", { name: /秒后可再次查询/ })).toBeDisabled();
  await expect(page.getByRole("button", { name: "我已完成支付，查询结果" })).toBeEnabled({ timeout: 5_000 });
  await page.screenshot({ path: `${SCREENSHOTS}/result-pending.png`, fullPage: true });

  await page.getByRole("button", { name: "重新支付" }).click();
  await page.waitForURL(/checkmweb/);
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
});

test("a dropped notification: 'check payment' finds the payment through the query", async ({ page }) => {
  const orderNo = await checkoutToCashier(page, { "云南普洱熟茶饼 357g": 1, "海盐芝士蛋糕（4寸）": 1 });
  await fake("/faults", { target: "notify", kind: "drop", count: 1000, orderNo });
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await expect(page.getByText("等待支付结果")).toBeVisible();
  expect(await orderStatus(page, orderNo)).toBe("PENDING");
  await page.getByRole("button", { name: "我已完成支付，查询结果" }).click();
  await expect(page.getByText("支付成功")).toBeVisible();
  expect(auditOutcomes(orderNo, "QUERY")).toEqual(["APPLIED"]);
});

for (const kind of ["duplicate", "concurrent_duplicate"] as const) {
  test(`${kind} notifications change the order exactly once`, async ({ page }) => {
    const orderNo = await checkoutToCashier(page, { "手工蛋黄酥（6枚装）": 1, "牛皮纸笔记本 A5": 1 });
    await fake("/faults", { target: "notify", kind, count: 1, orderNo });
    await page.getByRole("button", { name: "确认支付" }).click();
    await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
    await expect.poll(() => auditOutcomes(orderNo, "NOTIFY").length).toBeGreaterThanOrEqual(2);
    const outcomes = auditOutcomes(orderNo, "NOTIFY");
    expect(outcomes.filter((o) => o === "APPLIED")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "DUPLICATE").length).toBeGreaterThanOrEqual(1);
    await page.reload();
    await expect(page.getByText("支付成功")).toBeVisible();
  });
}

for (const kind of ["tamper_signature", "tamper_ciphertext", "stale_timestamp"] as const) {
  test(`a ${kind} notification is rejected and leaves the order untouched`, async ({ page }) => {
    const orderNo = await checkoutToCashier(page, { 莫兰迪色便利贴套装: 1, 抹茶红豆吐司: 1 });
    await fake("/faults", { target: "notify", kind, count: 1000, orderNo });
    await page.getByRole("button", { name: "确认支付" }).click();
    await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
    // WeChat keeps retrying (schedule shrunk 100×): wait for several rejected attempts.
    await expect
      .poll(
        async () =>
          (await fake<{ status?: number }[]>(`/notifications?orderNo=${orderNo}`)).filter((a) => a.status && a.status >= 400).length,
      )
      .toBeGreaterThanOrEqual(2);
    const attempts = await fake<{ status?: number }[]>(`/notifications?orderNo=${orderNo}`);
    expect(attempts.every((a) => a.status === undefined || a.status >= 400)).toBe(true);
    expect(await orderStatus(page, orderNo)).toBe("PENDING");
    await page.reload();
    await expect(page.getByText("等待支付结果")).toBeVisible();
  });
}

test("a signature probe is answered as a failure; the real notification that follows it is applied once", async ({ page }) => {
  const orderNo = await checkoutToCashier(page, { 莫兰迪色便利贴套装: 2, "海盐芝士蛋糕（4寸）": 1 });
  await fake("/faults", { target: "notify", kind: "signature_probe", count: 1, orderNo });
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await expect.poll(() => orderStatus(page, orderNo)).toBe("PAID");
  const attempts = await fake<{ status?: number; probe?: boolean }[]>(`/notifications?orderNo=${orderNo}`);
  expect(attempts.filter((a) => a.probe).map((a) => a.status)).toEqual([401]);
  expect(attempts.filter((a) => !a.probe).map((a) => a.status)).toEqual([204]);
  expect(auditOutcomes(orderNo, "NOTIFY")).toEqual(["APPLIED"]);
});

test("an h5_url older than 5 minutes is refreshed by 重新支付 (identical re-prepay)", async ({ page }) => {
  const orderNo = await checkoutToCashier(page, { "明前西湖龙井 50g": 1, "小象橡皮擦（2块装）": 1 });
  const oldUrl = page.url();
  await page.goto(`/orders/${orderNo}`);
  // Six minutes pass, for WeChat (the fake's clock) and for us (the stored link's age).
  await fake("/clock", { advanceSeconds: 360 });
  const conn = new Database(path.resolve(".data/e2e.db"));
  conn
    .prepare('UPDATE "Order" SET h5UrlExpiresAt = ? WHERE orderNo = ?')
    .run(new Date(Date.now() - 60_000).toISOString().replace("Z", "+00:00"), orderNo);
  conn.close();

  await page.goto(oldUrl, { referer: `${APP_URL}/` });
  await expect(page.getByText("支付请求已失效，请重新发起支付")).toBeVisible();

  await page.goto(`/orders/${orderNo}`);
  await page.getByRole("button", { name: "重新支付" }).click();
  await page.waitForURL(/checkmweb/);
  expect(page.url()).not.toBe(oldUrl);
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
});

test("取消订单 closes the order at WeChat and locally; paying it is refused afterwards", async ({ page }) => {
  const orderNo = await checkoutToCashier(page, { "福鼎白牡丹白茶 100g": 1, "海盐芝士蛋糕（4寸）": 1 });
  const payUrl = page.url();
  await page.goto(`/orders/${orderNo}`);
  await page.getByRole("button", { name: "取消订单" }).click();
  await expect(page.getByText("订单已关闭")).toBeVisible();
  await page.screenshot({ path: `${SCREENSHOTS}/result-closed.png`, fullPage: true });
  expect(await fake<{ sub_orders?: { trade_state: string }[]; subOrders?: { tradeState: string }[] }>(`/orders/${orderNo}`)).toBeTruthy();

  const repay = await page.request.post(`/api/orders/${orderNo}/pay`, { headers: { origin: APP_URL } });
  expect(repay.status()).toBe(409);
  expect(((await repay.json()) as { code: string }).code).toBe("ORDER_CLOSED");
  await page.goto(payUrl, { referer: `${APP_URL}/` });
  await expect(page.getByRole("button", { name: "确认支付" })).toHaveCount(0);
});

test("WeChat answers 500 on prepay: the shopper sees a clear error and a retry works", async ({ page, browserErrors }) => {
  // Our checkout answers 502 while WeChat fails.
  browserErrors.allow(/status of 502 .*\/api\/checkout\)$/);
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole("button", { name: "增加 明前西湖龙井 50g" }).click();
  await page.getByRole("button", { name: "增加 抹茶红豆吐司" }).click();
  // The client retries SYSTEM_ERROR with backoff (§9.3); enough faults to exhaust its attempts.
  await fake("/faults", { target: "api", kind: "system_error", count: 3, path: "/v3/combine-transactions/h5" });
  await fillCheckoutDetails(page);
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.locator("main").getByRole("alert")).toContainText("微信支付暂时繁忙，请稍后重试");
  await expect(page.getByRole("button", { name: "去支付" })).toBeEnabled();
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/checkmweb/);
  await expect(page.getByRole("button", { name: "确认支付" })).toBeVisible();
});
