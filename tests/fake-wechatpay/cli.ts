// CLI for the fake WeChat Pay (TEST ONLY). `npm run fake:start` serves it, `npm run fake:cli -- help` drives it.
//   no args | serve           start the server (env FAKE_WECHATPAY_*)
//   anything else             talk to a running fake's control API at FAKE_WECHATPAY_URL
import { fakeControlRequest } from "./control-client";
import { startFakeWechatPay } from "./server";
import type { VerifyMode } from "./signing";

const HELP = `fake-wechatpay — local fake of WeChat Pay APIv3 combine H5 and JSAPI payment, with WeChat OAuth (TEST ONLY, no real money)

Usage:
  fake-wechatpay [serve]                      start the fake
  fake-wechatpay pay <orderNo>                pay a combine order (every sub-order SUCCESS, notification sent)
  fake-wechatpay cancel <orderNo>             the user taps 取消支付 (order stays NOTPAY)
  fake-wechatpay replay-notify <orderNo>      re-send the order's notification now (same id)
  fake-wechatpay show <orderNo>               the fake's view of an order (links, state, notification)
  fake-wechatpay requests                     API requests received
  fake-wechatpay notifications [orderNo]      notification attempts
  fake-wechatpay fault <api|notify|oauth> <kind> [count] [--path <prefix>] [--delay-ms <ms>] [--order <orderNo>] [--code <CODE>]
                    [--message <text>]
                                              inject a fault for the next <count> calls (default 1),
                                              only those about <orderNo> when given
  fake-wechatpay fault clear                  remove all faults
  fake-wechatpay refund-result <outRefundNo> success|closed|abnormal
                                              decide a PROCESSING (or ABNORMAL) refund now; sends REFUND.*
  fake-wechatpay refunds                      refunds received
  fake-wechatpay balance <sub_mchid> <fen|unlimited>
                                              a store's available refund balance (NOT_ENOUGH beyond it)
  fake-wechatpay clock <advanceSeconds>       move the business clock (link expiry, time_expire, bills)
  fake-wechatpay reset                        forget all orders, logs, faults, overrides; clock back to now
  fake-wechatpay help

Server env: FAKE_WECHATPAY_PORT (3100), FAKE_WECHATPAY_HOST (127.0.0.1), FAKE_WECHATPAY_H5_DOMAINS (localhost,127.0.0.1),
  FAKE_WECHATPAY_TIME_SCALE (1), FAKE_WECHATPAY_MODE (public-key|certificate|migration), FAKE_WECHATPAY_PUBLIC_URL,
  FAKE_WECHATPAY_KEYS_DIR (tests/fixtures/keys), FAKE_WECHATPAY_QUIET=1 (no request log),
  FAKE_WECHATPAY_REFUND_DELAY_MS (10000 × time scale; "manual" = only refund-result decides),
  FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS (60: two refunds of one sub-order closer → 429 FREQUENCY_LIMITED),
  FAKE_WECHATPAY_MAX_QPS (none: calls of one API per mchid per second beyond it → 429 FREQUENCY_LIMITED)
Client env: FAKE_WECHATPAY_URL (http://127.0.0.1:3100)
API fault kinds: system_error rate_limit user_paying delay malformed_json bad_signature stale_timestamp signature_probe not_enough
  refuse delay_then_refuse (--code NO_AUTH|SIGN_ERROR|PARAM_ERROR|INVALID_REQUEST|APPID_MCHID_NOT_MATCH, --message <WeChat's text>)
OAuth fault kinds (code exchange): invalid_code code_used snapshot_user system_busy
Notify fault kinds: drop duplicate concurrent_duplicate tamper_signature tamper_ciphertext stale_timestamp signature_probe`;

class UsageError extends Error {}

async function serve(): Promise<void> {
  const env = process.env;
  const mode = (env.FAKE_WECHATPAY_MODE ?? "public-key") as VerifyMode;
  if (!["public-key", "certificate", "migration"].includes(mode))
    throw new UsageError(`FAKE_WECHATPAY_MODE must be public-key, certificate or migration`);
  const port = Number(env.FAKE_WECHATPAY_PORT ?? 3100);
  const timeScale = Number(env.FAKE_WECHATPAY_TIME_SCALE ?? 1);
  if (!Number.isInteger(port) || port < 0) throw new UsageError("FAKE_WECHATPAY_PORT must be an integer");
  if (!(timeScale >= 0)) throw new UsageError("FAKE_WECHATPAY_TIME_SCALE must be a number >= 0");
  const fake = await startFakeWechatPay({
    port,
    host: env.FAKE_WECHATPAY_HOST ?? "127.0.0.1",
    h5Domains: env.FAKE_WECHATPAY_H5_DOMAINS
      ? env.FAKE_WECHATPAY_H5_DOMAINS.split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    notifyTimeScale: timeScale,
    verifyMode: mode,
    publicBaseUrl: env.FAKE_WECHATPAY_PUBLIC_URL || undefined,
    keysDir: env.FAKE_WECHATPAY_KEYS_DIR || undefined,
    log: env.FAKE_WECHATPAY_QUIET === "1" ? undefined : (line) => console.log(`[fake-wechatpay] ${line}`),
    ...(env.FAKE_WECHATPAY_REFUND_DELAY_MS
      ? { refundDelayMs: env.FAKE_WECHATPAY_REFUND_DELAY_MS === "manual" ? null : Number(env.FAKE_WECHATPAY_REFUND_DELAY_MS) }
      : {}),
    ...(env.FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS
      ? { refundMinIntervalSeconds: Number(env.FAKE_WECHATPAY_REFUND_MIN_INTERVAL_SECONDS) }
      : {}),
    ...(env.FAKE_WECHATPAY_MAX_QPS ? { maxQps: Number(env.FAKE_WECHATPAY_MAX_QPS) } : {}),
  });
  console.log(JSON.stringify({ listening: fake.url, mode, note: "TEST ONLY — no real money moves" }));
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const base = process.env.FAKE_WECHATPAY_URL ?? "http://127.0.0.1:3100";
  const res = await fakeControlRequest(base, path, body, method);
  const { text } = res;
  let value: unknown = text;
  try {
    value = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  if (!res.ok) {
    console.error(JSON.stringify({ status: res.status, response: value }, null, 2));
    process.exitCode = 1;
    return undefined;
  }
  return value;
}

function need(arg: string | undefined, what: string): string {
  if (!arg) throw new UsageError(`missing ${what}`);
  return arg;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const [cmd = "serve", ...rest] = argv;
  const enc = (s: string) => encodeURIComponent(s);
  let out: unknown;
  switch (cmd) {
    case "serve":
      return serve();
    case "help":
    case "--help":
    case "-h":
      console.log(HELP);
      return;
    case "pay":
      out = await control("POST", `/orders/${enc(need(rest[0], "<orderNo>"))}/pay`, {});
      break;
    case "cancel":
      out = await control("POST", `/orders/${enc(need(rest[0], "<orderNo>"))}/cancel`, {});
      break;
    case "replay-notify":
      out = await control("POST", `/notifications/${enc(need(rest[0], "<orderNo>"))}/replay`, {});
      break;
    case "show":
      out = await control("GET", `/orders/${enc(need(rest[0], "<orderNo>"))}`);
      break;
    case "requests":
      out = await control("GET", "/requests");
      break;
    case "notifications":
      out = await control("GET", `/notifications${rest[0] ? `?orderNo=${enc(rest[0])}` : ""}`);
      break;
    case "fault": {
      const target = need(rest[0], "<api|notify|oauth|clear>");
      if (target === "clear") {
        out = await control("DELETE", "/faults");
        break;
      }
      const kind = need(rest[1], "<kind>");
      const count = rest[2] && !rest[2].startsWith("--") ? Number(rest[2]) : 1;
      if (!Number.isInteger(count) || count < 1) throw new UsageError("count must be a positive integer");
      const path = option(rest, "--path");
      const delayMs = option(rest, "--delay-ms");
      const orderNo = option(rest, "--order");
      const code = option(rest, "--code");
      const message = option(rest, "--message");
      out = await control("POST", "/faults", {
        target,
        kind,
        count,
        ...(path ? { path } : {}),
        ...(delayMs ? { delayMs: Number(delayMs) } : {}),
        ...(orderNo ? { orderNo } : {}),
        ...(code ? { code } : {}),
        ...(message ? { message } : {}),
      });
      break;
    }
    case "clock": {
      const s = Number(need(rest[0], "<advanceSeconds>"));
      if (!Number.isFinite(s)) throw new UsageError("advanceSeconds must be a number");
      out = await control("POST", "/clock", { advanceSeconds: s });
      break;
    }
    case "reset":
      out = await control("POST", "/reset", {});
      break;
    case "refund-result": {
      const no = need(rest[0], "<outRefundNo>");
      const status = need(rest[1], "<success|closed|abnormal>");
      if (!["success", "closed", "abnormal"].includes(status)) throw new UsageError("result must be success, closed or abnormal");
      out = await control("POST", `/refunds/${enc(no)}/result`, { status });
      break;
    }
    case "refunds":
      out = await control("GET", "/refunds");
      break;
    case "balance": {
      const store = need(rest[0], "<sub_mchid>");
      const v = need(rest[1], "<fen|unlimited>");
      const balanceFen = v === "unlimited" ? null : Number(v);
      if (balanceFen !== null && (!Number.isInteger(balanceFen) || balanceFen < 0))
        throw new UsageError("balance must be fen ≥ 0 or unlimited");
      out = await control("POST", "/balances", { store, balanceFen });
      break;
    }
    default:
      throw new UsageError(`unknown command "${cmd}"`);
  }
  if (out !== undefined) console.log(JSON.stringify(out, null, 2));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${HELP}`);
    process.exit(2);
  }
  console.error(JSON.stringify({ error: (err as Error).message, cause: String((err as { cause?: unknown }).cause ?? "") }));
  process.exit(1);
});
