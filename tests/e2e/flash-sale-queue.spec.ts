// A flash sale from the shopper's side: the shop-wide prepay budget (WECHATPAY_PREPAY_MAX_PER_SECOND) is spent,
// the checkout answers 429 RATE_LIMITED, and the cart queues (排队中, a countdown) and retries by itself with the
// same Idempotency-Key until the budget allows — one order, one prepay, then the cashier.
//
// The budget is the server's, set once for the whole e2e run; this spec spends it the way other shoppers would,
// by filling the app's own 1-second windows in its database for the next few seconds (the SQLite e2e database;
// playwright.pg.config.ts does not run this spec). The app answers for real: nothing is mocked in the browser.
import Database from "better-sqlite3";
import path from "node:path";
import { expect } from "@playwright/test";
import { testKeys } from "../support/test-identity";
import { addToCart, db, fake, FAKE_URL, fillCheckoutDetails, test } from "./support";

const BUDGET_KEY = `wechat-prepay:${testKeys.combineMchid}`;
// How the app's SQLite adapter stores a DateTime (Prisma's iso8601 format).
const stored = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");

/** Every unit of the prepay budget, whatever its size, for this second and the next `seconds` − 1. */
function spendPrepayBudget(seconds: number) {
  const conn = new Database(path.resolve(".data/e2e.db"), { fileMustExist: true, timeout: 5000 });
  try {
    const upsert = conn.prepare(
      "INSERT INTO RateLimitCounter (key, windowStart, count, expiresAt) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT(key, windowStart) DO UPDATE SET count = excluded.count",
    );
    const first = Math.floor(Date.now() / 1000);
    for (let s = first; s < first + seconds; s++) upsert.run(BUDGET_KEY, stored(s * 1000), 1_000_000, stored((s + 1) * 1000));
  } finally {
    conn.close();
  }
}

test.beforeEach(async () => {
  await fake("/reset", {});
});

test("prepay budget spent: the cart shows 排队中 with a countdown, taps send nothing, it retries with the same key and reaches the cashier", async ({
  page,
  browserErrors,
}) => {
  browserErrors.allow(/status of 429 .*\/api\/checkout\)$/); // the queued tries, on purpose
  const tries: { at: number; key: string | null; status?: number }[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.url().endsWith("/api/checkout"))
      tries.push({ at: Date.now(), key: r.headers()["idempotency-key"] ?? null });
  });
  page.on("response", (r) => {
    if (r.request().method() === "POST" && r.url().endsWith("/api/checkout")) {
      const t = tries.findLast((x) => x.status === undefined);
      if (t) t.status = r.status();
    }
  });

  await page.goto("/");
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await addToCart(page, { "福鼎白牡丹白茶 100g": 1, "小象橡皮擦（2块装）": 1 });
  await fillCheckoutDetails(page);

  spendPrepayBudget(4);
  await page.getByRole("button", { name: "去支付" }).click();
  const queue = page.getByTestId("checkout-queue");
  await expect(queue).toContainText(/排队中：当前下单人数较多，(\d+ 秒后自动重试|正在重试)/);
  await expect(page.getByRole("button", { name: /^排队中/ })).toBeDisabled();
  // A shopper who keeps tapping while queued: nothing leaves (checked below by the spacing of the tries).
  for (let i = 0; i < 3; i++) await page.getByRole("button", { name: /^排队中/ }).click({ force: true });

  await page.waitForURL(`${FAKE_URL}/**`, { timeout: 20_000 });
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;

  expect(tries.length).toBeGreaterThanOrEqual(2);
  expect(tries.map((t) => t.status)).toEqual([...tries.slice(1).map(() => 429), 201]);
  expect(new Set(tries.map((t) => t.key)).size).toBe(1);
  expect(tries[0]!.key).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
  // Each retry waited out its countdown (retryAfterSeconds = 1): the taps added no request.
  for (let i = 1; i < tries.length; i++) expect(tries[i]!.at - tries[i - 1]!.at).toBeGreaterThanOrEqual(900);

  // One order for the key, prepaid once at the fake.
  const conn = db();
  try {
    const orders = conn.prepare('SELECT orderNo, prepayState FROM "Order" WHERE checkoutKey = ?').all(tries[0]!.key) as {
      orderNo: string;
      prepayState: string;
    }[];
    expect(orders).toEqual([{ orderNo, prepayState: "OK" }]);
  } finally {
    conn.close();
  }
  const prepays = (await fake<{ method: string; path: string }[]>("/requests")).filter(
    (r) => r.method === "POST" && r.path === "/v3/combine-transactions/h5",
  );
  expect(prepays).toHaveLength(1);
});
