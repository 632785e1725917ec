// The shopper's side of delivery: the result page shows each store's state, 我的订单 lists the order, and a
// second browser holding the same link sees only masked data.
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "@playwright/test";
import fs from "node:fs";
import { APP_URL, checkoutToCashier, confirmPaid, fake, test } from "./support";

const SCREENSHOTS = "test-results/screenshots";

test.beforeAll(() => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});
test.beforeEach(async () => {
  await fake("/reset", {});
});

/** What checkout (contact, address, methods) and staff (shipped, ready for pickup) record, written the way they would. */
function recordDelivery(orderNo: string) {
  const conn = new Database(path.resolve(".data/e2e.db"), { fileMustExist: true });
  try {
    conn.pragma("busy_timeout = 5000");
    conn
      .prepare(
        `UPDATE "Order" SET contactName = '张三', contactPhone = '13812341234', addressProvince = '浙江省', addressCity = '杭州市',
           addressDistrict = '滨江区', addressDetail = '江南大道 100 号 2 幢 301', addressPostalCode = '310051' WHERE orderNo = ?`,
      )
      .run(orderNo);
    // shippedAt copies the stored paidAt, so it is in whatever form the app stores dates
    const sub = conn.prepare(`UPDATE SubOrder SET deliveryMethod = ?, fulfilmentStatus = ?, carrier = ?, trackingNo = ?,
        shippedAt = CASE WHEN ? THEN (SELECT paidAt FROM "Order" WHERE orderNo = SubOrder.orderNo) END,
        pickupCode = ?, pickupAddress = ?, pickupHours = ? WHERE orderNo = ? AND storeId = ?`);
    sub.run("SHIPPING", "SHIPPED", "顺丰", "SF1234567890", 1, null, null, null, orderNo, "chayu");
    sub.run("PICKUP", "READY_FOR_PICKUP", null, null, 0, "482913", "杭州市西湖区龙井路 1 号", "每天 9:00–18:00", orderNo, "xiangxiang");
    sub.run("NONE", "FULFILLED", null, null, 0, null, null, null, orderNo, "mumu");
  } finally {
    conn.close();
  }
}

test("each store's delivery on the result page, the order in 我的订单, and only masked data for another browser", async ({
  page,
  browser,
}) => {
  const orderNo = await checkoutToCashier(page, { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 1, "樱花中性笔（3支装）": 1 });
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
  recordDelivery(orderNo);

  await page.getByRole("button", { name: "刷新配送状态" }).click();
  const tea = page.getByRole("region", { name: "茶语轩茶叶铺" });
  await expect(tea.getByTestId("fulfilment-status")).toHaveText("已发货");
  await expect(tea.getByText("顺丰")).toBeVisible();
  await expect(tea.getByText("SF1234567890")).toBeVisible();
  await expect(tea.getByRole("button", { name: "复制运单号" })).toBeEnabled();
  const bakery = page.getByRole("region", { name: "香香烘焙坊" });
  await expect(bakery.getByTestId("fulfilment-status")).toHaveText("待自提");
  await expect(bakery.getByTestId("pickup-code")).toHaveText("482913");
  await expect(bakery.getByText("自提地址：杭州市西湖区龙井路 1 号")).toBeVisible();
  await expect(bakery.getByText("营业时间：每天 9:00–18:00")).toBeVisible();
  await expect(page.getByRole("region", { name: "木木文具馆" }).getByTestId("fulfilment-status")).toHaveText("无需配送");
  const contact = page.getByRole("region", { name: "收货信息" });
  await expect(contact).toContainText("张三");
  await expect(contact).toContainText("13812341234");
  await expect(contact).toContainText("浙江省 杭州市 滨江区 江南大道 100 号 2 幢 301");
  await page.screenshot({ path: `${SCREENSHOTS}/result-delivery.png`, fullPage: true });

  await page.getByRole("link", { name: "我的订单" }).click();
  await expect(page).toHaveURL(`${APP_URL}/orders`);
  const row = page.getByRole("link", { name: `订单 ${orderNo}` });
  await expect(row).toBeVisible();
  await expect(row.getByTestId("store-state")).toHaveText(["已发货", "待自提", "无需配送"]);
  await page.screenshot({ path: `${SCREENSHOTS}/my-orders.png`, fullPage: true });
  await row.click();
  await expect(page).toHaveURL(`${APP_URL}/orders/${orderNo}`);

  // Someone else with the link (another browser: no buyer cookie).
  const other = await browser.newContext();
  try {
    const stranger = await other.newPage();
    await stranger.goto(`${APP_URL}/orders/${orderNo}`);
    const masked = stranger.getByRole("region", { name: "收货信息" });
    await expect(masked).toContainText("张*");
    await expect(masked).toContainText("138****1234");
    await expect(masked).toContainText("浙江省 杭州市");
    await expect(masked).toContainText("为保护隐私");
    await expect(stranger.getByRole("region", { name: "香香烘焙坊" }).getByTestId("fulfilment-status")).toHaveText("待自提");
    await stranger.screenshot({ path: `${SCREENSHOTS}/result-stranger.png`, fullPage: true });
    for (const secret of ["张三", "13812341234", "江南大道", "482913", "SF1234567890"])
      await expect(stranger.getByText(secret)).toHaveCount(0);
    await stranger.goto(`${APP_URL}/orders`);
    await expect(stranger.getByText("这个浏览器中还没有订单。")).toBeVisible();
  } finally {
    await other.close();
  }
});
