// Catalogue back office against the built app + the fake WeChat Pay: a merchant creates a
// store and a product with an image, a shopper buys it and the sub-order reaches WeChat under that
// store's sub_mchid; stock shows as 仅剩 N 件 / 已售罄, a sold-out product cannot be added, and a cart
// asking for more than is left is adjusted, not emptied. Every product this file creates is taken off
// sale again at the end, so the other spec files see the demo catalogue.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { expect, type Page } from "@playwright/test";
import { APP_URL, checkoutBody, confirmPaid, fake, fillCheckoutDetails, signIn, test } from "./support";

const SHOTS = "test-results/screenshots/catalogue";
// A real 1×1 PNG.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64");

test.beforeAll(() => fs.mkdirSync(SHOTS, { recursive: true }));
// Two back-office pages, an upload, the cart, the cashier and the result page in one flow.
test.describe.configure({ timeout: 150_000 });
test.beforeEach(async () => {
  await fake("/reset", {});
});

const created: string[] = [];
test.afterEach(async ({ page }) => {
  // Off sale again (never deleted: orders refer to them).
  for (const sku of created.splice(0)) {
    await page.request.patch(`/api/admin/products/${sku}`, { data: { active: false }, headers: { origin: APP_URL } });
  }
});

async function freshCart(page: Page) {
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
}

/** Creates a product through the admin API with the page's session (as the back office's own forms do). */
async function apiProduct(page: Page, body: { sku: string; name: string; priceFen: number; storeId: string; stock: number | null }) {
  const res = await page.request.post("/api/admin/products", { data: body, headers: { origin: APP_URL } });
  expect(res.status(), await res.text()).toBe(201);
  created.push(body.sku);
}

test("a merchant creates a store and a product with an image; a shopper buys it; the sub-order goes to that store's sub_mchid", async ({
  page,
}) => {
  const subMchid = `19${String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, "0")}`;
  const sku = `E2E-${randomBytes(3).toString("hex")}`;
  const name = `手作陶瓷杯 ${sku}`;
  // WeChat side: the service provider has onboarded this sub-merchant (otherwise prepay → 403 NO_AUTH).
  await fake("/sub-merchants", { subMchid });

  await signIn(page, "/admin/stores");
  await page.getByLabel("店铺名称").fill("小满陶艺");
  await page.getByLabel("特约商户号 sub_mchid").fill(subMchid);
  await page.getByRole("button", { name: "创建店铺" }).click();
  await expect(page.getByRole("status")).toHaveText(`店铺已创建（编号 store-${subMchid}）。`);
  await expect(page.getByRole("table", { name: "店铺列表" }).getByRole("row", { name: new RegExp(subMchid) })).toContainText("营业中");

  await page.goto("/admin/products");
  await page.getByLabel("SKU").fill(sku);
  await page.getByLabel("商品名称").fill(name);
  await page.getByLabel("价格（元）").fill("23.45");
  await page.getByLabel("店铺", { exact: true }).selectOption(`store-${subMchid}`);
  await page.getByLabel("库存（留空 = 不限）").fill("3");
  // Kept in two stock rows (a flash-sale product): the shop and the list still show the units left, 3.
  await page.getByLabel("库存分行").fill("2");
  await page.getByLabel("商品图片文件").setInputFiles({ name: "cup.png", mimeType: "image/png", buffer: PNG });
  await expect(page.getByLabel("商品图片地址")).toHaveValue(/^\/media\/[a-f0-9]{64}\.png$/);
  const imageUrl = await page.getByLabel("商品图片地址").inputValue();
  await page.getByRole("button", { name: "创建商品" }).click();
  created.push(sku);
  await expect(page.getByRole("status")).toHaveText(`商品 ${sku} 已创建（¥23.45）。`);
  const row = page.getByRole("table", { name: "商品列表" }).getByRole("row", { name: new RegExp(sku) });
  await expect(row).toContainText("¥23.45");
  await expect(row).toContainText("小满陶艺");
  await expect(row).toContainText("3（2 行）");
  // Audited: who, what, after.
  await expect(page.getByRole("table", { name: "目录变更记录" }).getByRole("row", { name: new RegExp(`商品 ${sku}`) })).toContainText(
    /ADMIN_TOKEN（应急）\S{8}/,
  );
  await page.screenshot({ path: `${SHOTS}/products.png`, fullPage: true });

  const media = await page.request.get(imageUrl);
  expect(media.status()).toBe(200);
  expect(media.headers()["content-type"]).toBe("image/png");
  expect(media.headers()["cache-control"]).toContain("immutable");
  // The image's own sandbox CSP, not a page's policy (the proxy never touches /media/).
  expect(media.headers()["content-security-policy"]).toBe("default-src 'none'; sandbox");

  await freshCart(page);
  const item = page.locator(`[data-sku="${sku}"]`);
  await expect(item).toContainText("仅剩 3 件");
  await expect(item.locator("img")).toHaveAttribute("src", imageUrl);
  await page.getByRole("button", { name: `增加 ${name}` }).click();
  await page.getByRole("button", { name: `增加 ${name}` }).click();
  await expect(page.getByTestId(`subtotal-store-${subMchid}`)).toHaveText("¥46.90");
  await fillCheckoutDetails(page); // a new store ships, free of charge
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;

  const atWechat = await fake<{
    order: { transaction: { sub_orders: { sub_mchid?: string; mchid: string; amount: { total_amount: number } }[] } };
  }>(`/orders/${orderNo}`);
  expect(atWechat.order.transaction.sub_orders).toEqual([
    expect.objectContaining({ sub_mchid: subMchid, amount: expect.objectContaining({ total_amount: 4690 }) }),
  ]);

  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
  await expect(page.getByRole("region", { name: "小满陶艺" }).getByText("已支付")).toBeVisible();

  // Paid keeps its stock: one left.
  await page.goto("/");
  await expect(page.locator(`[data-sku="${sku}"]`)).toContainText("仅剩 1 件");
});

test("a sold-out product cannot be added; a cart asking for more than is left is adjusted, not emptied", async ({
  page,
  browserErrors,
}) => {
  // Checking out more than is left is answered 409 OUT_OF_STOCK (then the cart is adjusted).
  browserErrors.allow(/status of 409 .*\/api\/checkout\)$/);
  const soldOut = `E2E-OUT-${randomBytes(3).toString("hex")}`;
  const scarce = `E2E-LOW-${randomBytes(3).toString("hex")}`;
  await signIn(page, "/admin/products");
  await apiProduct(page, { sku: soldOut, name: `限量月饼 ${soldOut}`, priceFen: 8800, storeId: "xiangxiang", stock: 0 });
  await apiProduct(page, { sku: scarce, name: `限量茶饼 ${scarce}`, priceFen: 1000, storeId: "chayu", stock: 2 });

  await freshCart(page);
  const out = page.locator(`[data-sku="${soldOut}"]`);
  await expect(out).toContainText("已售罄");
  await expect(page.getByRole("button", { name: `增加 限量月饼 ${soldOut}` })).toBeDisabled();

  const add = page.getByRole("button", { name: `增加 限量茶饼 ${scarce}` });
  await add.click();
  await add.click();
  await expect(add).toBeDisabled(); // 仅剩 2 件: no third
  await page.getByRole("button", { name: "增加 抹茶红豆吐司" }).click();

  // Meanwhile another shopper buys one: the page still says 2.
  const other = await page.request.post("/api/checkout", {
    data: checkoutBody([{ sku: scarce, quantity: 1 }]),
    headers: { origin: APP_URL },
  });
  expect(other.status()).toBe(201);

  await fillCheckoutDetails(page);
  await page.getByRole("button", { name: "去支付" }).click();
  await expect(page.locator(".alert")).toHaveText(`库存不足：限量茶饼 ${scarce} 仅剩 1 件。已按剩余库存调整购物车，请确认后重新支付。`);
  await expect(page.locator(`[data-sku="${scarce}"]`)).toContainText("仅剩 1 件");
  await expect(page.getByLabel(`限量茶饼 ${scarce} 数量`)).toHaveText("1");
  await expect(page.getByLabel("抹茶红豆吐司 数量")).toHaveText("1"); // the rest of the cart is kept
  await page.screenshot({ path: `${SHOTS}/adjusted-cart.png`, fullPage: true });

  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
});
