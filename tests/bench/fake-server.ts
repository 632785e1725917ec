// The local fake WeChat Pay for the benchmark, in its own process (so the load generator and the
// app do not share its event loop). Quiet: no per-request log lines.
//   FAKE_WECHATPAY_PORT=3121 tsx tests/bench/fake-server.ts
import { startFakeWechatPay } from "../fake-wechatpay/server";

const fake = await startFakeWechatPay({
  port: Number(process.env.FAKE_WECHATPAY_PORT ?? 3121),
  host: "127.0.0.1",
  h5Domains: ["127.0.0.1", "localhost"],
  notifyTimeScale: 0.001,
  log: () => undefined,
});
console.log(`fake WeChat Pay on ${fake.url}`);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => void fake.close().finally(() => process.exit(0)));
