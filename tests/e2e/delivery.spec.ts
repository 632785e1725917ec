// Who and where at checkout (README "Delivery and fulfilment"), on a phone: inline errors before any request
// leaves, a method per store (快递配送 / 到店自提 / 无需配送), the shipping fee in the total, and the contact and
// address remembered in this browser for next time.
import { expect, type Page } from "@playwright/test";
import { addToCart, APP_URL, fake, fillCheckoutDetails, TEST_ADDRESS, TEST_CONTACT, test } from "./support";

const SHOTS = "test-results/screenshots";

test.beforeEach(async ({ page }) => {
  await fake("/reset", {});
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

/** Every POST /api/checkout the page sends. */
function checkoutRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/checkout") sent.push(r.postData() ?? "");
  });
  return sent;
}

test("a bad phone number is shown beside the field, in Chinese, and no request leaves", async ({ page }) => {
  const sent = checkoutRequests(page);
  await addToCart(page, { 抹茶红豆吐司: 1 });
  await page.getByLabel("姓名", { exact: true }).fill(TEST_CONTACT.name);
  const phone = page.getByLabel("手机号", { exact: true });
  await phone.fill("12345678901");
  await page.getByRole("button", { name: "去支付" }).click();

  await expect(phone).toHaveAttribute("aria-invalid", "true");
  await expect(phone).toBeFocused();
  await expect(phone).toHaveAccessibleDescription("请填写 11 位大陆手机号");
  await expect(page.getByText("请填写 11 位大陆手机号")).toBeVisible();
  expect(sent).toEqual([]);

  // Corrected, the same tap goes through.
  await phone.fill(TEST_CONTACT.phone);
  await expect(phone).not.toHaveAttribute("aria-invalid", "true");
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  expect(sent).toHaveLength(1);
});

test("a store offering two methods must be chosen; the address is asked only once something ships", async ({ page }) => {
  const sent = checkoutRequests(page);
  await addToCart(page, { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 1 });
  const tea = page.getByRole("radiogroup", { name: "茶语轩茶叶铺", exact: true });
  await expect(tea.getByRole("radio", { name: "快递配送" })).not.toBeChecked();
  await expect(tea.getByRole("radio", { name: "到店自提" })).not.toBeChecked();
  await expect(tea.getByRole("radio", { name: "无需配送" })).toHaveCount(0);
  // 香香烘焙坊 only offers pickup: preselected, with its place and hours.
  const bakery = page.getByRole("radiogroup", { name: "香香烘焙坊", exact: true });
  await expect(bakery.getByRole("radio", { name: "到店自提" })).toBeChecked();
  await expect(page.getByRole("region", { name: "香香烘焙坊" })).toContainText("上海市徐汇区衡山路 66 号 香香烘焙坊（每天 8:00–20:00）");
  await expect(page.getByLabel("详细地址", { exact: true })).toHaveCount(0);

  await page.getByLabel("姓名", { exact: true }).fill(TEST_CONTACT.name);
  await page.getByLabel("手机号", { exact: true }).fill(TEST_CONTACT.phone);
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.getByRole("region", { name: "茶语轩茶叶铺" }).getByText("请选择配送方式")).toBeVisible();
  await expect(tea).toBeFocused();
  expect(sent).toEqual([]);

  // Shipping brings the address, 省 → 市 → 区县 from the dataset; an empty address is refused beside each field.
  await tea.getByRole("radio", { name: "快递配送" }).check();
  await expect(page.getByLabel("详细地址", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.getByText("请选择省份")).toBeVisible();
  await expect(page.getByText("请填写详细地址")).toBeVisible();
  expect(sent).toEqual([]);
  await page.getByLabel("省份", { exact: true }).selectOption("广东省");
  await expect(page.getByLabel("城市", { exact: true }).getByRole("option", { name: "深圳市" })).toHaveCount(1);
  await expect(page.getByLabel("城市", { exact: true }).getByRole("option", { name: "杭州市" })).toHaveCount(0);
});

test("a three-store cart with shipping, pickup and none checks out with the shipping fee in the total", async ({ page }) => {
  const sent = checkoutRequests(page);
  await page.setViewportSize({ width: 320, height: 640 });
  await addToCart(page, { "樱花中性笔（3支装）": 1, 抹茶红豆吐司: 1, 拿铁咖啡电子兑换券: 1 });
  // ¥12.30 + ¥18.80 + ¥22.00 of goods, and 木木文具馆's ¥6.00 (free only from ¥49.00)
  await expect(page.getByRole("radiogroup", { name: "木木文具馆", exact: true }).getByRole("radio", { name: "快递配送" })).toBeChecked();
  await expect(page.getByRole("radiogroup", { name: "城南咖啡馆", exact: true }).getByRole("radio", { name: "无需配送" })).toBeChecked();
  await expect(page.getByTestId("shipping-mumu")).toHaveText("¥6.00");
  await expect(page.getByRole("region", { name: "木木文具馆" })).toContainText("满 ¥49.00 免运费");
  await expect(page.getByTestId("cart-total")).toHaveText("¥59.10");
  await expect(page.getByTestId("cart-shipping")).toContainText("含运费 ¥6.00");
  await expect(page.getByText("仅用于店铺交付本单和联系你")).toBeVisible();

  await fillCheckoutDetails(page);
  // Fits a 320 px screen: nothing sticks out sideways.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
  await page.screenshot({ path: `${SHOTS}/cart-delivery-320.png`, fullPage: true });

  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  await expect(page.getByText("¥59.10").first()).toBeVisible();
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;
  expect(sent).toHaveLength(1);
  expect(JSON.parse(sent[0]!)).toMatchObject({
    contact: TEST_CONTACT,
    delivery: { methods: { mumu: "SHIPPING", xiangxiang: "PICKUP", chengnan: "NONE" }, address: TEST_ADDRESS },
  });
  const atWechat = await fake<{ order: { transaction: { sub_orders: { amount: { total_amount: number } }[] } } }>(`/orders/${orderNo}`);
  expect(atWechat.order.transaction.sub_orders.map((s) => s.amount.total_amount)).toEqual([1880, 1230 + 600, 2200]);

  // Back at the shop: the contact and address are offered again (this browser only), and can be cleared.
  await page.goto(APP_URL);
  await addToCart(page, { "樱花中性笔（3支装）": 1 });
  await expect(page.getByText("已填入本机上次使用的信息")).toBeVisible();
  await expect(page.getByLabel("姓名", { exact: true })).toHaveValue(TEST_CONTACT.name);
  await expect(page.getByLabel("区县", { exact: true })).toHaveValue(TEST_ADDRESS.district);
  await expect(page.getByLabel("详细地址", { exact: true })).toHaveValue(TEST_ADDRESS.detail);
  await page.getByRole("button", { name: "清除" }).click();
  await expect(page.getByLabel("姓名", { exact: true })).toHaveValue("");
  expect(await page.evaluate(() => localStorage.getItem("checkout-details.v1"))).toBeNull();
});
