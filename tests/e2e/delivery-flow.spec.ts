// Delivery and fulfilment end to end, as one flow through the real UI on a phone: a shopper checks out a three-store cart
// (快递配送 / 到店自提 / 无需配送) after a bad phone number is refused beside the field, pays, and checks the
// payment; staff ship one store and hand over another with the code only the buyer's page shows; the
// shopper's page and 我的订单 follow each step, and another browser holding the link sees only masked data.
// Fresh data throughout (a new order, a random tracking number), so leftovers of other specs do not matter.
import { randomInt } from "node:crypto";
import { devices, expect, type Browser, type Page } from "@playwright/test";
import { APP_URL, FAKE_URL, addToCart, fake, signIn, test } from "./support";

const SHOTS = "test-results/screenshots";
const CONTACT = { name: "张伟", phone: "13866661234" };
const ADDRESS = { province: "广东省", city: "深圳市", district: "南山区", detail: "科技园南区 8 栋 1203 室", postalCode: "518057" };
const TEA = "茶语轩茶叶铺";
const BAKERY = "香香烘焙坊";
const CAFE = "城南咖啡馆";

test.beforeEach(async () => {
  await fake("/reset", {}); // no fault another spec left behind
});

/** Every POST /api/checkout the page sends. */
function checkoutRequests(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname === "/api/checkout") sent.push(r.postData() ?? "");
  });
  return sent;
}

/** Another phone, with no cookie of the shopper's (staff's, or a stranger's who was sent the link). */
async function otherPhone(browser: Browser) {
  return browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN", baseURL: APP_URL });
}

type ApiOrder = {
  viewer: string;
  contact: { name: string; phone: string } | null;
  address: Record<string, string> | null;
  subOrders: { store: { name: string }; fulfilment: { status: string; trackingNo?: string; pickupCode?: string } | null }[];
};

test("a three-store order from cart to shipped, picked up and nothing to deliver, seen by the buyer, staff and a stranger", async ({
  page,
  browser,
}) => {
  // --- 1. The shopper: cart, who and where, a bad phone refused before any request, pay, check payment.
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  const sent = checkoutRequests(page);
  await addToCart(page, { "明前西湖龙井 50g": 1, 抹茶红豆吐司: 1, 拿铁咖啡电子兑换券: 1 });
  await page.getByRole("radiogroup", { name: TEA, exact: true }).getByRole("radio", { name: "快递配送", exact: true }).check();
  await expect(page.getByRole("radiogroup", { name: BAKERY, exact: true }).getByRole("radio", { name: "到店自提" })).toBeChecked();
  await expect(page.getByRole("radiogroup", { name: CAFE, exact: true }).getByRole("radio", { name: "无需配送" })).toBeChecked();

  await page.getByLabel("姓名", { exact: true }).fill(CONTACT.name);
  const phone = page.getByLabel("手机号", { exact: true });
  await phone.fill("1386666123"); // ten digits
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(phone).toHaveAttribute("aria-invalid", "true");
  await expect(phone).toHaveAccessibleDescription("请填写 11 位大陆手机号");
  await expect(page.getByText("请填写 11 位大陆手机号")).toBeVisible();
  expect(sent).toEqual([]);

  await phone.fill(CONTACT.phone);
  await page.getByLabel("省份", { exact: true }).selectOption(ADDRESS.province);
  await page.getByLabel("城市", { exact: true }).selectOption(ADDRESS.city);
  await page.getByLabel("区县", { exact: true }).selectOption(ADDRESS.district);
  await page.getByLabel("详细地址", { exact: true }).fill(ADDRESS.detail);
  await page.getByLabel("邮编", { exact: true }).fill(ADDRESS.postalCode);
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(`${FAKE_URL}/**`);
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;
  expect(orderNo).toMatch(/^C\d{12}/);
  expect(sent).toHaveLength(1);
  expect(JSON.parse(sent[0]!)).toMatchObject({
    contact: CONTACT,
    delivery: { methods: { chayu: "SHIPPING", xiangxiang: "PICKUP", chengnan: "NONE" }, address: ADDRESS },
  });

  // WeChat's notification is lost, so the payment reaches the shop through the shopper's "check payment".
  await fake("/faults", { target: "notify", kind: "drop", count: 1000, orderNo });
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await expect(page.getByText("等待支付结果")).toBeVisible();
  await page.getByRole("button", { name: "我已完成支付，查询结果" }).click();
  await expect(page.getByText("支付成功")).toBeVisible();
  const tea = page.getByRole("region", { name: TEA });
  const bakery = page.getByRole("region", { name: BAKERY });
  const cafe = page.getByRole("region", { name: CAFE });
  await expect(tea.getByTestId("fulfilment-status")).toHaveText("待发货");
  await expect(bakery.getByTestId("fulfilment-status")).toHaveText("备货中");
  await expect(cafe.getByTestId("fulfilment-status")).toHaveText("无需配送");

  // --- 2. Staff, on their own phone: find the order, ship the tea, get the bread ready.
  const staffContext = await otherPhone(browser);
  const stranger = await otherPhone(browser);
  try {
    const staff = await staffContext.newPage();
    await signIn(staff, "/admin/orders");
    await staff.getByLabel("订单号 / 子单号 / 微信订单号").fill(orderNo);
    await staff.getByRole("button", { name: "筛选" }).click();
    await staff.getByRole("link", { name: orderNo, exact: true }).click();
    await expect(staff).toHaveURL(`${APP_URL}/admin/orders/${orderNo}`);
    await expect(staff.getByTestId("order-contact")).toContainText(CONTACT.phone);
    await expect(staff.getByTestId("order-contact")).toContainText(
      `${ADDRESS.province} ${ADDRESS.city} ${ADDRESS.district} ${ADDRESS.detail}`,
    );

    const trackingNo = `SF${randomInt(10 ** 9, 10 ** 10)}`;
    const shipCard = staff.getByRole("region", { name: `${TEA} 配送` });
    const shipForm = staff.getByRole("group", { name: `${TEA} 发货操作` });
    await shipForm.getByLabel("快递公司").selectOption("顺丰");
    await shipForm.getByLabel("运单号").fill(trackingNo);
    await shipForm.getByRole("button", { name: "发货", exact: true }).click();
    await expect(shipCard.getByTestId("fulfilment-status")).toHaveText("已发货");
    await expect(shipCard).toContainText(`顺丰 ${trackingNo}`);

    const pickupCard = staff.getByRole("region", { name: `${BAKERY} 配送` });
    await pickupCard.getByRole("button", { name: "备货完成，通知自提" }).click();
    await expect(pickupCard.getByTestId("fulfilment-status")).toHaveText("待自提");
    await expect(staff.getByRole("region", { name: `${CAFE} 配送` }).getByTestId("fulfilment-status")).toHaveText("无需配送");

    // The shopper's page shows the code; someone else holding the link does not get it.
    await page.getByRole("button", { name: "刷新配送状态" }).click();
    await expect(bakery.getByTestId("fulfilment-status")).toHaveText("待自提");
    await expect(bakery.getByTestId("pickup-code")).toHaveText(/^\d{6}$/);
    const pickupCode = (await bakery.getByTestId("pickup-code").textContent())!;
    await expect(tea.getByTestId("fulfilment-status")).toHaveText("已发货");

    const strangerPage = await stranger.newPage();
    await strangerPage.goto(`/orders/${orderNo}`);
    await expect(strangerPage.getByRole("region", { name: BAKERY }).getByTestId("fulfilment-status")).toHaveText("待自提");
    await expect(strangerPage.getByTestId("pickup-code")).toHaveCount(0);
    const seenByStranger = (await (await strangerPage.request.get(`/api/orders/${orderNo}`)).json()) as ApiOrder;
    expect(seenByStranger.viewer).toBe("stranger");
    expect(seenByStranger.subOrders.map((s) => s.fulfilment?.pickupCode)).toEqual([undefined, undefined, undefined]);

    // The shopper reads the code out at the counter.
    await pickupCard.getByLabel("取件码").fill(pickupCode);
    await pickupCard.getByRole("button", { name: "确认自提" }).click();
    await expect(pickupCard.getByTestId("fulfilment-status")).toHaveText("已自提");

    // --- 3. The shopper's page and 我的订单 follow.
    await page.getByRole("button", { name: "刷新配送状态" }).click();
    await expect(bakery.getByTestId("fulfilment-status")).toHaveText("已自提");
    await expect(bakery.getByTestId("pickup-code")).toHaveCount(0);
    await expect(tea.getByTestId("fulfilment-status")).toHaveText("已发货");
    await expect(tea.getByText("顺丰")).toBeVisible();
    await expect(tea.getByText(trackingNo)).toBeVisible();
    await expect(tea.getByRole("button", { name: "复制运单号" })).toBeEnabled();
    await expect(cafe.getByTestId("fulfilment-status")).toHaveText("无需配送");
    const contact = page.getByRole("region", { name: "收货信息" });
    await expect(contact).toContainText(CONTACT.name);
    await expect(contact).toContainText(CONTACT.phone);
    await expect(contact).toContainText(`${ADDRESS.province} ${ADDRESS.city} ${ADDRESS.district} ${ADDRESS.detail}`);
    await page.screenshot({ path: `${SHOTS}/delivery-flow-result.png`, fullPage: true });

    await page.getByRole("link", { name: "我的订单" }).click();
    await expect(page).toHaveURL(`${APP_URL}/orders`);
    const row = page.getByRole("link", { name: `订单 ${orderNo}` });
    await expect(row.getByTestId("store-state")).toHaveText(["已发货", "已自提", "无需配送"]);

    // --- 4. The stranger, once more: masked contact, province and city only, no tracking number or code.
    await strangerPage.reload();
    const masked = strangerPage.getByRole("region", { name: "收货信息" });
    await expect(masked).toContainText("张*");
    await expect(masked).toContainText("138****1234");
    await expect(masked).toContainText(`${ADDRESS.province} ${ADDRESS.city}`);
    await expect(masked).toContainText("为保护隐私");
    await expect(strangerPage.getByRole("region", { name: TEA }).getByTestId("fulfilment-status")).toHaveText("已发货");
    await expect(strangerPage.getByRole("region", { name: BAKERY }).getByTestId("fulfilment-status")).toHaveText("已自提");
    for (const secret of [CONTACT.name, CONTACT.phone, ADDRESS.district, ADDRESS.detail, trackingNo])
      await expect(strangerPage.getByText(secret)).toHaveCount(0);
    await strangerPage.screenshot({ path: `${SHOTS}/delivery-flow-stranger.png`, fullPage: true });
    const maskedApi = (await (await strangerPage.request.get(`/api/orders/${orderNo}`)).json()) as ApiOrder;
    expect(maskedApi.contact).toEqual({ name: "张*", phone: "138****1234" });
    expect(maskedApi.address).toEqual({ province: ADDRESS.province, city: ADDRESS.city });
    expect(maskedApi.subOrders.map((s) => [s.fulfilment?.status, s.fulfilment?.trackingNo, s.fulfilment?.pickupCode])).toEqual([
      ["SHIPPED", undefined, undefined],
      ["PICKED_UP", undefined, undefined],
      ["FULFILLED", undefined, undefined],
    ]);
  } finally {
    await staffContext.close();
    await stranger.close();
  }
});
