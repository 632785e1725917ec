// The app's own scheduled work: an order left unpaid past its deadline is closed by the
// in-app job runner — at WeChat and locally — without anyone calling the cron route. The e2e server
// runs close-expired every 2 s (playwright.config.ts, JOBS_PERIODS). Other specs' orders expire after
// ORDER_EXPIRE_MINUTES (15), longer than any of their tests, so the short period cannot disturb them.
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "@playwright/test";
import { auditOutcomes, checkoutToCashier, fake, signIn, test } from "./support";

test.beforeEach(async () => {
  await fake("/reset", {});
});

/** The order's deadline passes. ORDER_EXPIRE_MINUTES cannot go below 2 (WeChat needs time_expire ≥ 1 min ahead), so move our stored deadline. */
function expireNow(orderNo: string) {
  const conn = new Database(path.resolve(".data/e2e.db"));
  try {
    conn
      .prepare('UPDATE "Order" SET expiresAt = ? WHERE orderNo = ?')
      .run(new Date(Date.now() - 1000).toISOString().replace("Z", "+00:00"), orderNo);
  } finally {
    conn.close();
  }
}

test("an order left unpaid past its deadline is closed by the app itself: back office and the shopper's page show it closed", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const orderNo = await checkoutToCashier(page, { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 1 });
  const closePath = `/v3/combine-transactions/out-trade-no/${orderNo}/close`;
  // The shopper is still on WeChat's cashier: WeChat answers USER_PAYING to a close, so the job must wait.
  await fake("/faults", { target: "api", kind: "user_paying", count: 1000, path: closePath, orderNo });
  expireNow(orderNo);

  await signIn(page, `/admin/orders?q=${orderNo}`);
  const row = page.getByRole("table", { name: "订单列表" }).locator("tbody tr").first();
  await expect(row).toContainText("待支付");
  await expect(row).toContainText("已过期未关闭");
  await expect
    .poll(
      async () =>
        (await fake<{ path: string; code?: string }[]>("/requests")).filter((r) => r.path === closePath && r.code === "USER_PAYING").length,
    )
    .toBeGreaterThan(0);
  // The jobs page is rendered once: opened while the next run is in flight it shows that run (运行中), so reload
  // until it shows the finished run's summary.
  await expect(async () => {
    await page.goto("/admin/jobs");
    await expect(page.getByTestId("job-close-expired")).toContainText("用户支付中", { timeout: 500 });
  }).toPass({ timeout: 30_000 });
  await page.reload();
  await expect(row).toHaveCount(0); // (a different page now)

  // The shopper leaves the cashier: the next run closes the order, nobody calls the cron route.
  await fake("/faults", undefined, "DELETE");
  await page.goto(`/admin/orders?q=${orderNo}`);
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText("已关闭", { timeout: 500 });
  }).toPass({ timeout: 30_000 });
  await expect(row).not.toContainText("已过期未关闭");

  // Closed at WeChat exactly once, audited once, by the job.
  const closes = (await fake<{ method: string; path: string; status: number }[]>("/requests")).filter(
    (r) => r.path === closePath && r.status === 204,
  );
  expect(closes).toHaveLength(1);
  const atWechat = await fake<{ order: { transaction: { sub_orders: { trade_state: string }[] } } }>(`/orders/${orderNo}`);
  expect(atWechat.order.transaction.sub_orders.map((s) => s.trade_state)).toEqual(["CLOSED", "CLOSED"]);
  expect(auditOutcomes(orderNo, "CLOSE")).toEqual(["APPLIED"]);
  await page.goto(`/admin/orders/${orderNo}`);
  await expect(page.getByTestId("order-status")).toHaveText("已关闭");
  await expect(page.locator("main")).toContainText("EXPIRED");

  await page.goto("/admin/jobs");
  const job = page.getByTestId("job-close-expired");
  await expect(job).toContainText("关闭过期订单");
  await expect(job).toContainText("每 2 秒");
  await expect(page.getByRole("table", { name: "最近运行" })).toContainText(/关闭 [1-9]\d* 笔订单/);
  await page.screenshot({ path: "test-results/screenshots/admin/jobs-phone.png", fullPage: true });

  // The shopper's result page.
  await page.goto(`/orders/${orderNo}`);
  await expect(page.getByText("订单已关闭")).toBeVisible();
});
