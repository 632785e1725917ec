import { defineConfig } from "@playwright/test";
import base from "./playwright.config";
import { port } from "./tests/support/ports";
import { testAppEnv, testWechatMpEnv } from "./tests/support/test-identity";

// Paying inside WeChat (README "Paying inside WeChat (JSAPI)"): the same build with WECHAT_JSAPI_ENABLED=true, the
// fake standing in for WeChat's OAuth and, through its WeixinJSBridge stand-in, for WeChat's own cashier. Every store
// but 城南咖啡 (chengnan) is JSAPI-ready. Own ports (app 3021, fake 3121) and database, so it runs beside the others:
//   npx playwright test -c playwright.jsapi.config.ts
// WeChat with JSAPI off is the main run's tests/e2e/in-app-browser.spec.ts, unchanged.
const APP_URL = `http://localhost:${port(3021)}`;
const FAKE_URL = `http://127.0.0.1:${port(3121)}`;
const DATABASE_URL = "file:./.data/e2e-jsapi.db";
// Read by tests/e2e/support.ts in the runner and its workers.
Object.assign(process.env, { E2E_APP_URL: APP_URL, E2E_FAKE_URL: FAKE_URL, E2E_DATABASE_URL: DATABASE_URL });

const READY_STORES = `node -e "new (require('better-sqlite3'))('.data/e2e-jsapi.db').prepare(\\"UPDATE Store SET jsapiEnabled = 1 WHERE id <> 'chengnan'\\").run()"`;

export default defineConfig({
  ...base,
  testDir: "tests/e2e-jsapi",
  outputDir: "test-results/jsapi",
  use: { ...base.use, baseURL: APP_URL },
  webServer: {
    command:
      `node prisma/migrate.mjs reset && tsx --conditions=react-server prisma/seed.ts && ${READY_STORES} && ` +
      `NEXT_TELEMETRY_DISABLED=1 tsx tests/fake-wechatpay/with-app.ts next start -p ${port(3021)}`,
    url: `${APP_URL}/api/products`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      ...testAppEnv({ wechatpayBaseUrl: FAKE_URL, appBaseUrl: APP_URL, databaseUrl: DATABASE_URL }),
      ...testWechatMpEnv(FAKE_URL),
      WECHAT_JSAPI_ENABLED: "true",
      WECHAT_JSBRIDGE_SHIM_URL: `${FAKE_URL}/jsapi/bridge.js`,
      FAKE_WECHATPAY_PORT: String(port(3121)),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      FAKE_WECHATPAY_TIME_SCALE: "0.01",
      JOBS_PERIODS: "daily-reconcile=off,refund-sync=off",
    },
  },
});
