import fs from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import { testAppEnv } from "./tests/support/test-identity";

// The built app (next start) on 3001 and the fake WeChat Pay on 3101, so a dev server on 3000/3100
// can keep running. Never downloads a browser: Debian's Chromium when present.
export const E2E_APP_URL = "http://localhost:3001";
export const E2E_FAKE_URL = "http://127.0.0.1:3101";

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
    command: "npm run e2e:server",
    url: `${E2E_APP_URL}/api/products`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      ...testAppEnv({ wechatpayBaseUrl: E2E_FAKE_URL, appBaseUrl: E2E_APP_URL, databaseUrl: "file:./.data/e2e.db" }),
      FAKE_WECHATPAY_PORT: "3101",
      // WeChat's retry schedule (15 s, 15 s, 30 s, 3 m, …) shrunk 100×.
      FAKE_WECHATPAY_TIME_SCALE: "0.01",
      PORT: "3001",
    },
  },
});
