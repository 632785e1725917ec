import Database from "better-sqlite3";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { fakeControl } from "../fake-wechatpay/control-client";
import { testAppEnv } from "../support/test-identity";

/** A valid checkout body (contact, a method per seeded store, an address): tests/support/checkout-body.ts. */
export { checkoutBody, SEEDED_METHODS, TEST_ADDRESS, TEST_CONTACT } from "../support/checkout-body";
import { TEST_ADDRESS, TEST_CONTACT, type TestAddress } from "../support/checkout-body";
import { formatFen } from "@/lib/money";

// playwright.pg.config.ts runs the happy path again against a PostgreSQL-backed app on other ports.
export const APP_URL = process.env.E2E_APP_URL ?? "http://localhost:3001";
export const FAKE_URL = process.env.E2E_FAKE_URL ?? "http://127.0.0.1:3101";
const E2E_DATABASE_URL = process.env.E2E_DATABASE_URL ?? "file:./.data/e2e.db";

/** Declares browser errors a test expects (a refused request the test makes on purpose, say). */
export type BrowserErrors = { allow(pattern: RegExp): void };

/**
 * Playwright's `test` with one automatic fixture: an error in any page of the test's browser contexts —
 * a console.error, a failed resource load that Chromium logs as one, an uncaught exception — fails the
 * test unless the test declared it with `browserErrors.allow(/…/)`. Covers the default context and every
 * context the test creates with `browser.newContext()`.
 */
export const test = base.extend<{ browserErrors: BrowserErrors }>({
  browserErrors: [
    async ({ context, browser }, runTest) => {
      const allowed: RegExp[] = [];
      const seen: string[] = [];
      const watch = (c: BrowserContext) => {
        c.on("console", (m) => {
          if (m.type() === "error") seen.push(`console.error: ${m.text()} (${m.location().url || m.page()?.url() || "?"})`);
        });
        c.on("weberror", (e) => seen.push(`uncaught: ${e.error().message} (${e.page()?.url() ?? "?"})`));
      };
      watch(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...args) => {
        const c = await newContext(...args);
        watch(c);
        return c;
      };
      try {
        await runTest({ allow: (pattern) => void allowed.push(pattern) });
      } finally {
        browser.newContext = newContext;
      }
      const unexpected = seen.filter((text) => !allowed.some((p) => p.test(text)));
      expect(unexpected, "unexpected browser errors: fix them, or declare expected ones with browserErrors.allow(/…/)").toEqual([]);
    },
    { auto: true },
  ],
});

/** The fake WeChat Pay's control API. */
export async function fake<T = unknown>(pathname: string, body?: unknown, method?: string): Promise<T> {
  return fakeControl<T>(FAKE_URL, pathname, body, method);
}

/** Read-only look at the app's database (audit rows), the way a merchant's SQL console would. */
export function db() {
  return new Database(path.resolve(".data/e2e.db"), { readonly: true, fileMustExist: true });
}

export function auditOutcomes(orderNo: string, source?: string): string[] {
  if (/^postgres(ql)?:/.test(E2E_DATABASE_URL)) {
    // Synchronous like the SQLite branch: a short-lived node process runs the query with pg.
    const sql = `SELECT outcome FROM "PaymentEvent" WHERE "orderNo" = $1 ${source ? `AND source = $2` : ""} ORDER BY id`;
    const out = execFileSync(process.execPath, ["tests/support/pg-query.mjs", sql, orderNo, ...(source ? [source] : [])], {
      env: { ...process.env, DATABASE_URL: E2E_DATABASE_URL },
      encoding: "utf8",
    });
    return (JSON.parse(out) as { outcome: string }[]).map((r) => r.outcome);
  }
  const conn = db();
  try {
    const rows = conn
      .prepare(`SELECT outcome FROM PaymentEvent WHERE orderNo = ? ${source ? "AND source = ?" : ""} ORDER BY id`)
      .all(...(source ? [orderNo, source] : [orderNo])) as { outcome: string }[];
    return rows.map((r) => r.outcome);
  } finally {
    conn.close();
  }
}

export async function addToCart(page: Page, items: Record<string, number>) {
  for (const [name, qty] of Object.entries(items)) {
    for (let i = 0; i < qty; i++) await page.getByRole("button", { name: `增加 ${name}` }).click();
  }
}

/**
 * Fills in the cart's 收货信息 the way a shopper does: `methods` (store name → 快递配送 / 到店自提 / 无需配送)
 * for the stores named, the first option for any other store still without one, then 姓名 / 手机号 and,
 * when the form asks for it, 省份 / 城市 / 区县 / 详细地址 / 邮编 (the test address unless `address` is given).
 */
export async function fillCheckoutDetails(
  page: Page,
  opts: { methods?: Record<string, string>; contact?: { name: string; phone: string }; address?: TestAddress } = {},
) {
  // The pickers and the contact form are a chunk of their own, fetched after the cart mounts, and each store's
  // picker has its own Suspense boundary: wait until every store with goods shows its picker, or one rendered a
  // moment after the others would be left unchosen (and 去支付 blocked by the form's own validation).
  await page.getByLabel("姓名", { exact: true }).waitFor();
  for (const region of await page.locator("section[aria-label]").all()) {
    const subtotal = region.locator('[data-testid^="subtotal-"]');
    if ((await subtotal.count()) === 1 && (await subtotal.textContent()) !== formatFen(0)) await region.getByRole("radiogroup").waitFor();
  }
  for (const [store, label] of Object.entries(opts.methods ?? {})) {
    await page.getByRole("radiogroup", { name: store, exact: true }).getByRole("radio", { name: label, exact: true }).check();
  }
  for (const group of await page.getByRole("radiogroup").all()) {
    if ((await group.getByRole("radio", { checked: true }).count()) === 0) await group.getByRole("radio").first().check();
  }
  const contact = opts.contact ?? TEST_CONTACT;
  await page.getByLabel("姓名", { exact: true }).fill(contact.name);
  await page.getByLabel("手机号", { exact: true }).fill(contact.phone);
  if (await page.getByLabel("详细地址", { exact: true }).isVisible()) {
    const a = opts.address ?? TEST_ADDRESS;
    await page.getByLabel("省份", { exact: true }).selectOption(a.province);
    await page.getByLabel("城市", { exact: true }).selectOption(a.city);
    await page.getByLabel("区县", { exact: true }).selectOption(a.district);
    await page.getByLabel("详细地址", { exact: true }).fill(a.detail);
    await page.getByLabel("邮编", { exact: true }).fill(a.postalCode ?? "");
  }
}

/** Cart → 收货信息 → 去支付 → WeChat's cashier; returns the order number from the cashier URL's redirect_url. */
export async function checkoutToCashier(page: Page, items: Record<string, number>): Promise<string> {
  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await addToCart(page, items);
  await fillCheckoutDetails(page);
  await page.getByRole("button", { name: "去支付" }).click();
  await page.waitForURL(`${FAKE_URL}/**`);
  const redirect = new URL(page.url()).searchParams.get("redirect_url")!;
  const orderNo = redirect.split("/orders/")[1]!;
  expect(orderNo).toMatch(/^C\d{12}/);
  return orderNo;
}

export async function orderStatus(page: Page, orderNo: string): Promise<string> {
  const res = await page.request.get(`/api/orders/${orderNo}`);
  return ((await res.json()) as { status: string }).status;
}

/**
 * Back from the cashier: the notification may already have been applied (the page then shows
 * 支付成功 at once); otherwise the shopper taps "check payment". Either way the order ends paid.
 */
export async function confirmPaid(page: Page) {
  const check = page.getByRole("button", { name: /查询结果|秒后可再次查询/ });
  const paid = page.getByText("支付成功");
  await expect(check.or(paid).first()).toBeVisible();
  // "check payment" asks WeChat at most once per order per interval; while it counts down the
  // button is disabled, so press it again once it is enabled until the payment shows.
  await expect(async () => {
    if (await paid.isVisible()) return;
    if (await check.isEnabled()) await check.click();
    await expect(paid).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
}

/** The e2e server's admin token (tests/support/test-identity.ts). */
export const ADMIN_TOKEN = testAppEnv({ wechatpayBaseUrl: "", appBaseUrl: "", databaseUrl: "" }).ADMIN_TOKEN;

/** Opens a back-office page, which sends a signed-out browser to sign-in; signs in (break-glass ADMIN_TOKEN) and lands on it. */
export async function signIn(page: Page, target: string) {
  await page.goto(target);
  await expect(page).toHaveURL(/\/admin\/sign-in\?next=/);
  await page.getByText("应急登录（ADMIN_TOKEN）").click();
  await page.getByLabel("管理令牌（ADMIN_TOKEN）").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "应急登录", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${target.replace(/[?]/g, "\\?")}$`));
}
