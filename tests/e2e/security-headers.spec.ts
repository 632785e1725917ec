import { expect } from "@playwright/test";
import { APP_URL, confirmPaid, fake, fillCheckoutDetails, test } from "./support";

test.beforeEach(async () => {
  await fake("/reset", {});
});

test("with CSP (nonce), Permissions-Policy, HSTS and Referrer-Policy on, a payment still completes and nothing is blocked", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const first = await page.goto("/");
  const h = first!.headers();
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(h["content-security-policy"]).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(h["permissions-policy"]).toContain("camera=()");
  expect(h["strict-transport-security"]).toMatch(/^max-age=\d+/); // next start runs NODE_ENV=production
  // a fresh nonce per response
  const again = await page.request.get("/");
  expect(again.headers()["content-security-policy"]).not.toBe(h["content-security-policy"]);

  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole("button", { name: "增加 明前西湖龙井 50g" }).click();
  await page.getByRole("button", { name: "增加 抹茶红豆吐司" }).click();
  // Shipping: the 省/市/区县 dataset and the form's rules are chunks loaded on demand, under the same CSP.
  await fillCheckoutDetails(page, { methods: { 茶语轩茶叶铺: "快递配送" } });
  await page.getByRole("button", { name: "去支付" }).click();
  // The fake cashier checks the Referer's origin like WeChat's H5 check: reaching it proves the origin went along.
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
  expect(violations).toEqual([]);
});

test("malformed percent-encoding in an order number is a 404, not a 500", async ({ request }) => {
  const api = await request.get("/api/orders/%C0%AE");
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ code: "ORDER_NOT_FOUND" });
  for (const path of ["/api/orders/%C0%AE/query", "/orders/%C0%AE", "/orders/%E4%B8"]) {
    const res = path.endsWith("/query") ? await request.post(path, { headers: { origin: APP_URL } }) : await request.get(path);
    expect(res.status(), path).toBe(404);
  }
});
