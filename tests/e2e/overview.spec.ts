// The sales overview (/admin, the back office's landing page) against the built app, desktop (1280 px) and
// phone: a few months of sales are generated into the e2e database (tests/support/sales-seed.ts), then the
// page must show real charts — axes in ¥ and dates, one bar per day, a row per store, the funnel and the
// backlog — with headline numbers equal to what GET /api/admin/stats answers for the same dates, and no
// layout shift. No pixel baselines (fonts differ between machines): structure and numbers are asserted, and
// the screenshots are kept as test artifacts.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { expect, type Page } from "@playwright/test";
import { formatFen } from "@/lib/money";
import { beijingDateOf } from "@/lib/time/beijing";
import { signIn, test } from "./support";

test.beforeAll(() => {
  // ~2 months up to today (Beijing), a prefix of its own so a re-run against the same database adds, never clashes
  execFileSync(
    process.execPath,
    [
      "--conditions=react-server",
      "--import",
      "tsx",
      "tests/support/sales-seed-cli.ts",
      beijingDateOf(new Date()),
      "62",
      "1500",
      `CV${randomBytes(3).toString("hex").toUpperCase()}`,
    ],
    { env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL ?? "file:./.data/e2e.db" }, stdio: "pipe" },
  );
});

interface Totals {
  paidFen: number;
  refundedFen: number;
  netFen: number;
  paidOrders: number;
}

async function statsTotals(page: Page, from: string, to: string, storeId?: string): Promise<Totals> {
  const res = await page.request.get(`/api/admin/stats?from=${from}&to=${to}${storeId ? `&storeId=${storeId}` : ""}`);
  expect(res.status()).toBe(200);
  return ((await res.json()) as { totals: Totals }).totals;
}

/** Each headline card shows the API's totals for its own dates. */
async function expectHeadlinesMatchApi(page: Page, storeId?: string) {
  for (const key of ["today", "7d", "30d"]) {
    const card = page.getByTestId(`headline-${key}`);
    await expect(card).toBeVisible();
    const from = (await card.getAttribute("data-from"))!;
    const to = (await card.getAttribute("data-to"))!;
    const t = await statsTotals(page, from, to, storeId);
    await expect(card.getByTestId("paid")).toHaveText(formatFen(t.paidFen));
    await expect(card.getByTestId("refunded")).toHaveText(formatFen(t.refundedFen));
    await expect(card.getByTestId("net")).toHaveText(formatFen(t.netFen));
    await expect(card.getByTestId("orders")).toHaveText(t.paidOrders.toLocaleString("zh-CN"));
    if (key === "30d") expect(t.paidFen).toBeGreaterThan(0); // the seeded sales are there
  }
}

/** The visible drawing of each daily chart: axes with ¥ and dates, one bar per day and series. */
async function expectDailyCharts(page: Page) {
  for (const id of ["chart-amounts", "chart-orders"]) {
    const svg = page.getByTestId(id).locator(`svg[data-testid="${id}-svg"]:visible`);
    await expect(svg).toHaveCount(1);
    const yLabels = await svg.getByTestId("y-axis").locator("text").allTextContents();
    expect(yLabels.length).toBeGreaterThanOrEqual(3);
    if (id === "chart-amounts") for (const l of yLabels) expect(l).toMatch(/^¥\d/);
    const xLabels = await svg.getByTestId("x-axis").locator("text").allTextContents();
    expect(xLabels.length).toBeGreaterThanOrEqual(3);
    for (const l of xLabels) expect(l).toMatch(/^\d{2}-\d{2}$/);
    expect(xLabels.at(-1)).toBe(beijingDateOf(new Date()).slice(5)); // the newest day is labelled
    const series = id === "chart-amounts" ? ["paid", "refunded"] : ["checkouts", "paidOrders"];
    for (const s of series) await expect(svg.locator(`rect[data-series="${s}"]`)).toHaveCount(30);
    // exact figures: each bar's tooltip, and the table
    await expect(svg.locator("rect title").first()).toHaveText(/^\d{4}-\d{2}-\d{2} /);
  }
  await expect(page.getByTestId("chart-orders").locator("svg:visible").getByTestId("y2-axis").locator("text")).toHaveText([
    "0%",
    "50%",
    "100%",
  ]);
  const table = page.getByTestId("chart-amounts").locator("details");
  await table.locator("summary").click();
  await expect(table.locator("tbody tr")).toHaveCount(30);
  await table.locator("summary").click();
}

async function expectOtherCharts(page: Page) {
  const stores = page.getByTestId("chart-stores").locator("svg:visible");
  // One bar per store the API reports for the chart's 30 days (other specs may have added stores to the shared
  // e2e database, so the count comes from the API, not from the seed).
  const card = page.getByTestId("headline-30d");
  const res = await page.request.get(
    `/api/admin/stats?from=${await card.getAttribute("data-from")}&to=${await card.getAttribute("data-to")}`,
  );
  expect(res.status()).toBe(200);
  const apiStores = ((await res.json()) as { stores: unknown[] }).stores;
  expect(apiStores.length).toBeGreaterThanOrEqual(4); // the four seeded stores at least
  await expect(stores.locator("g[data-row]")).toHaveCount(apiStores.length);
  for (const l of await stores.getByTestId("x-axis").locator("text").allTextContents()) expect(l).toMatch(/^¥\d/);
  await expect(page.getByTestId("chart-funnel").locator("svg:visible g[data-row]")).toHaveCount(4);
  expect(await page.getByTestId("chart-backlog").locator("svg:visible g[data-row]").count()).toBeGreaterThan(0);
  // the bars' labels stay readable at this width: at least 10 CSS px tall
  const label = page.getByTestId("chart-stores").locator("svg:visible .chart-row-label").first();
  expect((await label.boundingBox())!.height).toBeGreaterThanOrEqual(10);
}

/** Cumulative layout shift since navigation (Chromium's layout-shift entries). */
async function layoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
            if (!e.hadRecentInput) total += e.value;
          }
        }).observe({ type: "layout-shift", buffered: true });
        setTimeout(() => resolve(total), 500);
      }),
  );
}

test("overview at 1280 px: headline numbers equal the API's, charts with ¥ and date axes, no layout shift", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, "/admin");
  await expect(page.getByRole("heading", { name: "概览", level: 1 })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "后台导航" }).getByRole("link", { name: "订单" })).toHaveAttribute(
    "href",
    "/admin/orders",
  );
  await expectHeadlinesMatchApi(page);
  await expectDailyCharts(page);
  await expectOtherCharts(page);
  // the wide drawing at this width; the three headline cards side by side
  await expect(page.getByTestId("chart-amounts").locator(".chart-narrow")).toBeHidden();
  const boxes = await Promise.all(["today", "7d", "30d"].map(async (k) => (await page.getByTestId(`headline-${k}`).boundingBox())!));
  expect(new Set(boxes.map((b) => Math.round(b.y))).size).toBe(1);
  expect(await layoutShift(page)).toBeLessThan(0.01);
  await page.screenshot({ path: testInfo.outputPath("overview-desktop.png"), fullPage: true });
  await testInfo.attach("overview-desktop", { path: testInfo.outputPath("overview-desktop.png"), contentType: "image/png" });

  // one store: the same page and the API agree for that store
  await page.locator(`select[name="storeId"]`).selectOption("mumu");
  await page.getByRole("button", { name: "查看" }).click();
  await expect(page).toHaveURL(/\/admin\?storeId=mumu&range=30$/);
  await expectHeadlinesMatchApi(page, "mumu");
  await expect(page.getByTestId("chart-stores").locator("svg:visible g[data-row]")).toHaveCount(1);
});

test("overview on a phone: the narrow charts, one column, nothing wider than the screen", async ({ page }, testInfo) => {
  await signIn(page, "/admin");
  await expectHeadlinesMatchApi(page);
  await expectDailyCharts(page);
  await expectOtherCharts(page);
  await expect(page.getByTestId("chart-amounts").locator(".chart-wide")).toBeHidden();
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth + 1);
  // axis labels stay readable: at least 10 CSS px tall on screen
  const label = page.getByTestId("chart-amounts").locator(".chart-narrow").getByTestId("y-axis").locator("text").first();
  expect((await label.boundingBox())!.height).toBeGreaterThanOrEqual(10);
  expect(await layoutShift(page)).toBeLessThan(0.01);
  await page.screenshot({ path: testInfo.outputPath("overview-phone.png"), fullPage: true });
  await testInfo.attach("overview-phone", { path: testInfo.outputPath("overview-phone.png"), contentType: "image/png" });
});
