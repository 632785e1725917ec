import { defineConfig } from "@playwright/test";
import base from "./playwright.config";
import { port } from "./tests/support/ports";
import { testAppEnv } from "./tests/support/test-identity";

// The Playwright happy path and the delivery flow (checkout → pay → ship / pickup → the shopper's page)
// once more, against the same build backed by PostgreSQL (TEST_DATABASE_URL_PG's server, database
// wcp_e2e, reset on each run). Run by `npm run test:pg`:
//   playwright test -c playwright.pg.config.ts --grep "pay for goods from three stores|a three-store order from cart to shipped"
// Own ports (app 3011, fake 3111), so it never collides with the SQLite e2e run on 3001/3101.
const admin = process.env.TEST_DATABASE_URL_PG;
if (!admin) throw new Error("playwright.pg.config.ts needs TEST_DATABASE_URL_PG (tests/support/postgres.sh start prints one)");
const dbUrl = new URL(admin);
dbUrl.pathname = `/wcp_e2e${port(0) ? `_${port(0)}` : ""}`;
const E2E_DATABASE_URL = dbUrl.toString();
const APP_URL = `http://localhost:${port(3011)}`;
const FAKE_URL = `http://127.0.0.1:${port(3111)}`;
// Read by tests/e2e/support.ts in the runner and its workers.
Object.assign(process.env, { E2E_APP_URL: APP_URL, E2E_FAKE_URL: FAKE_URL, E2E_DATABASE_URL });

export default defineConfig({
  ...base,
  outputDir: "test-results/pg",
  use: { ...base.use, baseURL: APP_URL },
  webServer: {
    command:
      "node tests/support/pg-query.mjs --create-db && node prisma/migrate.mjs reset && tsx --conditions=react-server prisma/seed.ts && " +
      `NEXT_TELEMETRY_DISABLED=1 tsx tests/fake-wechatpay/with-app.ts next start -p ${port(3011)}`,
    url: `${APP_URL}/api/products`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      ...testAppEnv({ wechatpayBaseUrl: FAKE_URL, appBaseUrl: APP_URL, databaseUrl: E2E_DATABASE_URL }),
      FAKE_WECHATPAY_PORT: String(port(3111)),
      // One JSON line per request would bury the test report: warnings and errors only (override to debug).
      LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
      FAKE_WECHATPAY_TIME_SCALE: "0.01",
      // The job runner: close-expired every 2 s so tests/e2e/jobs.spec.ts sees an expired order
      // closed quickly; it only closes orders past their deadline (15 min here), which no other spec has.
      // daily-reconcile is off: a bill download in the middle of the bill specs could take their faults.
      JOBS_TICK_MS: "500",
      JOBS_PERIODS: "close-expired=2000,daily-reconcile=off,refund-sync=off",
      PORT: String(port(3011)),
    },
  },
});
