import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { port } from "./tests/support/ports";
import { testAppEnv } from "./tests/support/test-identity";

// The built app (next start) on 3001 and the fake WeChat Pay on 3101 (plus TEST_PORT_OFFSET), so a dev
// server on 3000/3100 can keep running. Never downloads a browser: Debian's Chromium when present.
const APP_PORT = port(3001);
const FAKE_PORT = port(3101);
export const E2E_APP_URL = `http://localhost:${APP_PORT}`;
export const E2E_FAKE_URL = `http://127.0.0.1:${FAKE_PORT}`;
// Read by tests/e2e/support.ts in the runner and its workers (playwright.pg.config.ts overrides them).
process.env.E2E_APP_URL ??= E2E_APP_URL;
process.env.E2E_FAKE_URL ??= E2E_FAKE_URL;

const chromium = "/usr/bin/chromium";
const launchOptions = fs.existsSync(chromium)
  ? {
      executablePath: chromium,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }
  : {};

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "**/*.spec.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL: E2E_APP_URL,
    locale: "zh-CN",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [{ name: "mobile-chromium", use: { ...devices["Pixel 7"], launchOptions } }],
  webServer: {
    command: "npm run test:e2e:server", // next start listens on PORT (below)
    url: `${E2E_APP_URL}/api/products`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      ...testAppEnv({ wechatpayBaseUrl: E2E_FAKE_URL, appBaseUrl: E2E_APP_URL, databaseUrl: "file:./.data/e2e.db" }),
      FAKE_WECHATPAY_PORT: String(FAKE_PORT),
      // One JSON line per request would bury the test report: warnings and errors only (override to debug).
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      // WeChat's retry schedule (15 s, 15 s, 30 s, 3 m, …) shrunk 100× (override to stress the
      // isolation between tests, e.g. FAKE_WECHATPAY_TIME_SCALE=0.001 … --repeat-each=3).
      FAKE_WECHATPAY_TIME_SCALE: process.env.FAKE_WECHATPAY_TIME_SCALE ?? "0.01",
      // The job runner: close-expired every 2 s so tests/e2e/jobs.spec.ts sees an expired order
      // closed quickly; it only closes orders past their deadline (15 min here), which no other spec has.
      // daily-reconcile is off: a bill download in the middle of the bill specs could take their faults;
      // refund-sync is off: the refund specs decide when a refund is retried or settled.
      JOBS_TICK_MS: "500",
      JOBS_PERIODS: "close-expired=2000,daily-reconcile=off,refund-sync=off",
      // Refund results are decided by the specs (refund-result), and two refunds of one sub-order may follow
      // each other after 1 s instead of WeChat's 60 s (allowed only with the unsafe test flag), at the app and at
      // the fake alike.
      FAKE_WECHATPAY_REFUND_DELAY_MS: "manual",
      REFUND_MIN_INTERVAL_SECONDS: "1",
      FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS: "1",
      // Every spec's sign-in tries a wrong token first (the error message is part of the flow): the default
      // 10 failures per IP per 15 minutes would lock out the later specs, and a repeated run, from 127.0.0.1.
      // The limiter itself is tested in tests/integration/hardening.ts and by npm run bench:attacks.
      ADMIN_AUTH_MAX_FAILURES_PER_IP: "1000",
      ADMIN_AUTH_MAX_FAILURES_GLOBAL: "10000",
      PORT: String(APP_PORT),
    },
  },
});
