// Runs the local fake WeChat Pay and a Next.js command side by side:
//   tsx tests/fake-wechatpay/with-app.ts next dev            (npm run dev: zero-config development)
//   tsx tests/fake-wechatpay/with-app.ts next start          (Playwright's webServer, PORT=3001)
// The app learns nothing about the fake except through its WECHATPAY_* variables: when none are
// set, lib/env.ts falls back to the test identity at http://127.0.0.1:3100, which is where the fake
// listens by default. If the caller configured a real WeChat Pay, no fake is started.
import { spawn } from "node:child_process";
import { startFakeWechatPay } from "./server";

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error("usage: tsx tests/fake-wechatpay/with-app.ts <command> [args…]");
  process.exit(2);
}

const configuredBase = process.env.WECHATPAY_BASE_URL;
const wantFake = !configuredBase || /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(configuredBase);
const port = Number(process.env.FAKE_WECHATPAY_PORT ?? (configuredBase ? new URL(configuredBase).port : 3100));
const appBase = new URL(process.env.APP_BASE_URL ?? "http://localhost:3000");

const fake = wantFake
  ? await startFakeWechatPay({
      port,
      host: "127.0.0.1",
      h5Domains: (process.env.FAKE_WECHATPAY_H5_DOMAINS ?? `${appBase.hostname},127.0.0.1,localhost`).split(","),
      notifyTimeScale: Number(process.env.FAKE_WECHATPAY_TIME_SCALE ?? 1),
      log: (line) => console.log(`[fake-wechatpay] ${line}`),
      // "manual": refunds stay PROCESSING until a test decides (refund-result); default: SUCCESS after 10 s × scale
      ...(process.env.FAKE_WECHATPAY_REFUND_DELAY_MS
        ? {
            refundDelayMs:
              process.env.FAKE_WECHATPAY_REFUND_DELAY_MS === "manual" ? null : Number(process.env.FAKE_WECHATPAY_REFUND_DELAY_MS),
          }
        : {}),
      // the shortest time between two refunds of one sub-order (WeChat: 60 s); the e2e suite shortens it with the app's
      ...(process.env.FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS
        ? { refundMinIntervalSeconds: Number(process.env.FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS) }
        : {}),
      // WeChat's per-second frequency limit (calls of one API per mchid); default none
      ...(process.env.FAKE_WECHATPAY_MAX_QPS ? { maxQps: Number(process.env.FAKE_WECHATPAY_MAX_QPS) } : {}),
    })
  : undefined;
if (fake) console.log(`[fake-wechatpay] listening on ${fake.url} (TEST ONLY — no real money moves)`);

const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", env: process.env, shell: false });
const stop = async (code: number) => {
  await fake?.close().catch(() => undefined);
  process.exit(code);
};
child.on("exit", (code, signal) => void stop(code ?? (signal ? 1 : 0)));
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
