import { defineConfig } from "@playwright/test";
import base from "./playwright.config";
import { port } from "./tests/support/ports";
import { testAppEnv } from "./tests/support/test-identity";

// What a new developer sees after `npm run dev`: the app under `next dev` (development mode, its
// dev overlay, its own CSP) and the fake WeChat Pay, on their own ports (app 3041, fake 3141) and
// database. Slower than the production e2e run (pages compile on first visit), so it is separate:
//   npm run test:e2e:dev
const APP_URL = `http://localhost:${port(3041)}`;
const FAKE_URL = `http://127.0.0.1:${port(3141)}`;
Object.assign(process.env, { E2E_APP_URL: APP_URL, E2E_FAKE_URL: FAKE_URL });

export default defineConfig({
  ...base,
  testDir: "tests/e2e-dev",
  outputDir: "test-results/dev",
  timeout: 180_000,
  expect: { timeout: 60_000 },
  use: { ...base.use, baseURL: APP_URL },
  webServer: {
    command:
      "node prisma/migrate.mjs reset && tsx --conditions=react-server prisma/seed.ts && " +
      `NEXT_TELEMETRY_DISABLED=1 tsx tests/fake-wechatpay/with-app.ts next dev -p ${port(3041)}`,
    url: `${APP_URL}/api/products`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      ...testAppEnv({ wechatpayBaseUrl: FAKE_URL, appBaseUrl: APP_URL, databaseUrl: "file:./.data/e2e-dev.db" }),
      NODE_ENV: "development",
      FAKE_WECHATPAY_PORT: String(port(3141)),
      JOBS_ENABLED: "false",
    },
  },
});
