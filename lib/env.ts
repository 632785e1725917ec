import "server-only"; // secrets: never in a client bundle (docs/architecture.md)
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { DEFAULT_DATABASE_URL } from "./database-url.mjs";

/**
 * The only reader of process.env. Validated once, on first use (instrumentation.ts calls it at
 * start-up so a bad value stops the server before it takes traffic).
 *
 * Zero-config: with no WECHATPAY_* variable set and outside production, the app talks to the
 * local fake WeChat Pay (tests/fake-wechatpay) with the committed TEST-ONLY keys.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

// SHA-256 of the DER SubjectPublicKeyInfo of every key committed for tests (tests/fixtures, and the
// official doc key). A unit test recomputes them from the files, so this list cannot go stale.
export const TEST_KEY_FINGERPRINTS: ReadonlySet<string> = new Set([
  "3de6b5b0aa0a9dbf5e22cb4d42f9376d338f2fd57b2d8f34a5f9953984f14ca0", // tests/fixtures/keys/merchant-*
  "c7676ccad1334070d224b68c9c5bbc5249ad0abd44375212c2bda999acc3d66c", // tests/fixtures/keys/wechatpay-*
  "a2c0295cc9ebbc32701119ee8aed18dceb3213362d2b73910488d2f59712d408", // tests/fixtures/keys/platform-*
  "0076df9361cc1f5744359234d7df9fd43442cf369fb98826562f1d10a347ec5c", // official doc apiclient_test_key
]);
// SHA-256 of the test APIv3 key (tests/fixtures/keys/apiv3-key.txt)
export const TEST_APIV3_KEY_SHA256 = "40233c25571ab8ca6fef9cd384813069544d22e5bb6c386c47fe0fd6de2838a2";

const TEST_KEYS_DIR = "tests/fixtures/keys";

export type WechatPayMode = "partner" | "direct";

export interface AppEnv {
  nodeEnv: "development" | "production" | "test";
  databaseUrl: string;
  appBaseUrl: string;
  /** Allowed browser origin for POST /api/checkout (the origin of APP_BASE_URL). */
  appOrigin: string;
  adminToken: string | undefined;
  /** ADMIN_REQUIRE_2FA_FOR_REFUNDS: accounts that can refund must have confirmed TOTP before a refund goes out. */
  adminRequire2faForRefunds: boolean;
  orderExpireMinutes: number;
  /** How many reverse proxies in front of the app may be trusted for X-Forwarded-For. */
  trustProxyHops: number;
  /** Cart drafts that carry a cart out of an in-app browser (lib/in-app/cart-drafts.ts). */
  cartDraft: { ttlHours: number; maxPerMinute: number; maxLive: number; maxPerClientPerHour: number };
  /** Limits of the anonymous checkout (lib/orders/checkout-limits.ts). */
  checkout: CheckoutLimits;
  /** The in-app job runner (lib/jobs): expiry, reconciliation, housekeeping. */
  jobs: {
    /** JOBS_ENABLED: on by default, off in NODE_ENV=test unless set. */
    enabled: boolean;
    /** How often the runner looks for due jobs (JOBS_TICK_MS). */
    tickMs: number;
    /** How long a taken lease lasts without renewal (JOBS_LEASE_MS); renewed every third of it. */
    leaseMs: number;
    /** Per-job period overrides from JOBS_PERIODS ("name=ms,…"; "off" disables one job). */
    periods: Record<string, number | "off">;
  };
  /** Where uploaded catalogue images are stored (absolute path; served at /media/<file>). */
  catalogImageDir: string;
  /** IMAGE_ORIGINS: https origins (a CDN) product/store images may come from; added to the pages' CSP img-src. */
  imageOrigins: string[];
  /** Refunds (docs/wechatpay.md §14.1.2): minimum seconds between two refunds of one sub-order (WeChat: 60). */
  refundMinIntervalSeconds: number;
  /** Fulfilment (README "Delivery and fulfilment"): a shipped sub-order counts as delivered this many days after shipping. */
  fulfilment: { autoDeliveredDays: number };
  /** Limits of the open endpoints (README "Security"): every one has a default and an env variable. */
  limits: Limits;
  /** SHUTDOWN_TIMEOUT_MS: after SIGTERM/SIGINT the process exits within this, whatever is still running. */
  shutdownTimeoutMs: number;
  /** true when the app runs with test keys or plain-HTTP URLs (zero-config or the explicit unsafe flag) */
  usesTestSetup: boolean;
  /** Store notification webhooks may be http:// (outside production, or with WECHATPAY_UNSAFE_ALLOW_TEST_SETUP=1). */
  allowHttpWebhooks: boolean;
  /** PII_RETENTION_DAYS: an order's contact and address are blanked this long after it was fulfilled or closed. */
  piiRetentionDays: number;
  wechatpay: {
    baseUrl: string;
    mode: WechatPayMode;
    combineMchid: string;
    combineAppid: string;
    merchantSerialNo: string;
    merchantPrivateKey: KeyObject;
    apiV3Key: string;
    publicKey?: { id: string; key: KeyObject };
    usePlatformCertificates: boolean;
    notifyUrl: string;
    /** notify_url of refund requests (§14.4): no query string, under APP_BASE_URL. */
    refundNotifyUrl: string;
  };
  /** JSAPI payment inside WeChat (README "Paying inside WeChat (JSAPI)"); off unless WECHAT_JSAPI_ENABLED. */
  wechatJsapi: WechatJsapiConfig;
}

/** A secret that says "[redacted]" wherever it is printed, logged or serialised; `reveal()` gives the value. */
export interface Secret {
  reveal(): string;
}

function secret(value: string): Secret {
  const s = { reveal: () => value };
  const redacted = () => "[redacted]";
  Object.defineProperties(s, {
    toJSON: { value: redacted },
    toString: { value: redacted },
    [Symbol.for("nodejs.util.inspect.custom")]: { value: redacted },
  });
  return s;
}

export type WechatJsapiConfig =
  | { enabled: false }
  | {
      enabled: true;
      /** WECHAT_MP_APPID: the provider's verified 服务号, combine_appid of every JSAPI order and the OAuth appid. */
      mpAppid: string;
      /** WECHAT_MP_APPSECRET(_FILE): the 服务号's AppSecret, for the OAuth code exchange only. */
      mpAppSecret: Secret;
      /** WECHAT_OPEN_BASE_URL: where the OAuth authorize page lives (the fake stands in for tests). */
      openBaseUrl: string;
      /** WECHAT_API_BASE_URL: where the code is exchanged for the openid. */
      apiBaseUrl: string;
      /**
       * WECHAT_JSBRIDGE_SHIM_URL: the fake's WeixinJSBridge stand-in, loaded by the pay pages. Only with the test
       * setup (tests and `npm run dev`): refused wherever real money could move.
       */
      bridgeShimUrl?: string;
    };

export interface CheckoutLimits {
  /** CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: checkouts per minute per client address, and per buyer_id cookie. */
  maxPerMinutePerClient: number;
  /** CHECKOUT_MAX_PENDING_PER_BUYER: unpaid, unexpired orders one browser (buyer_id) may hold. */
  maxPendingPerBuyer: number;
  /** CHECKOUT_MAX_UNITS_PER_LIMITED_SKU: units of one stock-limited product per order. */
  maxUnitsPerLimitedSku: number;
}

export interface Limits {
  /** NOTIFY_MAX_BODY_BYTES: the notification body cap (real ones are ~1–3 KB). */
  notifyMaxBodyBytes: number;
  /** API_MAX_BODY_BYTES: the body cap of checkout, admin and every other JSON/form route. */
  apiMaxBodyBytes: number;
  /** WECHAT_CALL_INTERVAL_SECONDS: at most one shopper-triggered query / prepay / close per order per interval. */
  wechatCallIntervalSeconds: number;
  /** WECHAT_CALL_TIMEOUT_MS: how long one attempt of a WeChat Pay call may take before its outcome counts as unknown. */
  wechatCallTimeoutMs: number;
  /** ADMIN_AUTH_MAX_FAILURES_PER_IP / _GLOBAL within ADMIN_AUTH_WINDOW_SECONDS. */
  adminAuthMaxFailuresPerIp: number;
  adminAuthMaxFailuresGlobal: number;
  adminAuthWindowSeconds: number;
  /** ADMIN_AUTH_MAX_FAILURES_PER_ACCOUNT: failed sign-ins of one account per window, from anywhere, before 429. */
  adminAuthMaxFailuresPerAccount: number;
  /**
   * WECHATPAY_PREPAY_MAX_PER_SECOND: combine prepay calls per second, all app processes together (counted in
   * the database, lib/orders/prepay-budget.ts): WeChat limits the order API per merchant number.
   */
  prepayMaxPerSecond: number;
  /** SQLITE_BUSY_TIMEOUT_MS: how long one SQLite statement may block waiting for another process's lock before a retry. */
  sqliteBusyTimeoutMs: number;
  /** SQLITE_BUSY_RETRIES: retries (with growing, non-blocking back-off) before a request fails with 503. */
  sqliteBusyRetries: number;
}

export const ADMIN_TOKEN_MIN_PRODUCTION = 32;

type RawEnv = Record<string, string | undefined>;

const WECHATPAY_VARS = [
  "WECHATPAY_BASE_URL",
  "WECHATPAY_COMBINE_MCHID",
  "WECHATPAY_COMBINE_APPID",
  "WECHATPAY_MERCHANT_SERIAL_NO",
  "WECHATPAY_MERCHANT_PRIVATE_KEY",
  "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
  "WECHATPAY_APIV3_KEY",
  "WECHATPAY_PUBLIC_KEY",
  "WECHATPAY_PUBLIC_KEY_FILE",
  "WECHATPAY_PUBLIC_KEY_ID",
  "WECHATPAY_PLATFORM_CERTIFICATES",
] as const;

const boolFlag = z
  .enum(["1", "0", "true", "false", ""])
  .optional()
  .transform((v) => v === "1" || v === "true");

const httpUrl = z
  .string()
  .url("must be an absolute URL")
  .refine((u) => /^https?:\/\//.test(u), "must start with http:// or https://")
  .transform((u) => u.replace(/\/+$/, ""));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, "must start with file: or postgresql://")
    .default(DEFAULT_DATABASE_URL),
  APP_BASE_URL: httpUrl.default("http://localhost:3000"),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  ORDER_EXPIRE_MINUTES: z.coerce
    .number()
    .int()
    .min(2, "must be ≥ 2")
    .max(7 * 24 * 60, "must be ≤ 7 days")
    .default(15),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  CART_DRAFT_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1, "must be ≥ 1")
    .max(7 * 24, "must be ≤ 168")
    .default(24),
  CART_DRAFT_MAX_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  CART_DRAFT_MAX_LIVE: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  CART_DRAFT_MAX_PER_CLIENT_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(10),
  CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(10),
  CHECKOUT_MAX_PENDING_PER_BUYER: z.coerce.number().int().min(1).max(100_000).default(3),
  CHECKOUT_MAX_UNITS_PER_LIMITED_SKU: z.coerce.number().int().min(1).max(99, "must be ≤ 99 (the most one cart line may hold)").default(10),
  JOBS_ENABLED: z.enum(["1", "0", "true", "false"], { message: 'must be "true" or "false"' }).optional(),
  JOBS_TICK_MS: z.coerce.number().int().min(50, "must be ≥ 50").max(600_000, "must be ≤ 600000").default(5000),
  JOBS_LEASE_MS: z.coerce.number().int().min(1000, "must be ≥ 1000").max(3_600_000, "must be ≤ 3600000").default(60_000),
  JOBS_PERIODS: z
    .string()
    .regex(/^[a-z][a-z0-9-]*=(\d+|off)(,[a-z][a-z0-9-]*=(\d+|off))*$/, 'must look like "close-expired=60000,housekeeping=off"')
    .transform((s) =>
      Object.fromEntries(
        s
          .split(",")
          .map((kv) => kv.split("=") as [string, string])
          .map(([k, v]) => [k, v === "off" ? ("off" as const) : Number(v)]),
      ),
    )
    .refine((m) => Object.values(m).every((v) => v === "off" || v >= 100), "periods must be ≥ 100 ms")
    .optional(),
  CATALOG_IMAGE_DIR: z.string().min(1).default(".data/images"),
  // Each entry goes into the pages' Content-Security-Policy verbatim: only plain https origins.
  IMAGE_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(/^https:\/\/[^\s;,'"*]+$/, "must be https:// origins, comma-separated (https://cdn.example.com)")
          .transform((o, ctx) => {
            let u: URL;
            try {
              u = new URL(o);
            } catch {
              ctx.addIssue({ code: "custom", message: `must be https:// origins, comma-separated (${o} is not a URL)` });
              return z.NEVER;
            }
            if (u.pathname !== "/" || u.search || u.hash || u.username || u.password || o.includes("?") || o.includes("#")) {
              ctx.addIssue({ code: "custom", message: `must be origins only, without path, query or user (${o})` });
              return z.NEVER;
            }
            return u.origin;
          }),
      ),
    )
    .optional(),
  // WeChat asks for ≥ 1 minute between partial refunds of one order; lower only for tests against the fake.
  REFUND_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(0, "must be ≥ 0").max(3600, "must be ≤ 3600").default(60),
  AUTO_DELIVERED_DAYS: z.coerce.number().int().min(1, "must be ≥ 1").max(90, "must be ≤ 90").default(10),
  NOTIFY_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(4096, "must be ≥ 4096")
    .max(1024 * 1024, "must be ≤ 1 MiB")
    .default(64 * 1024),
  API_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024, "must be ≥ 1024")
    .max(1024 * 1024, "must be ≤ 1 MiB")
    .default(16 * 1024),
  WECHAT_CALL_INTERVAL_SECONDS: z.coerce.number().int().min(2, "must be ≥ 2").max(300, "must be ≤ 300").default(2),
  WECHAT_CALL_TIMEOUT_MS: z.coerce.number().int().min(1000, "must be ≥ 1000").max(60_000, "must be ≤ 60000").default(8000),
  ADMIN_AUTH_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(1000).default(10),
  ADMIN_AUTH_MAX_FAILURES_GLOBAL: z.coerce.number().int().min(1).max(100_000).default(200),
  ADMIN_AUTH_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(1000).default(10),
  ADMIN_REQUIRE_2FA_FOR_REFUNDS: boolFlag,
  ADMIN_AUTH_WINDOW_SECONDS: z.coerce.number().int().min(60, "must be ≥ 60").max(86_400, "must be ≤ 86400").default(900),
  // WeChat answers FREQUENCY_LIMITED above about 600 order calls a second per merchant number (docs/wechatpay.md):
  // the default stays under it.
  WECHATPAY_PREPAY_MAX_PER_SECOND: z.coerce.number().int().min(1, "must be ≥ 1").max(100_000, "must be ≤ 100000").default(500),
  SQLITE_BUSY_TIMEOUT_MS: z.coerce.number().int().min(0).max(5000).default(50),
  SQLITE_BUSY_RETRIES: z.coerce.number().int().min(0).max(50).default(8),
  PII_RETENTION_DAYS: z.coerce.number().int().min(1, "must be ≥ 1").max(3650, "must be ≤ 3650").default(365),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000, "must be ≥ 1000").max(600_000, "must be ≤ 600000").default(15_000),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"], { message: 'must be "json" or "pretty"' }).optional(),
  WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: boolFlag,
  WECHATPAY_BASE_URL: httpUrl.default("https://api.mch.weixin.qq.com"),
  WECHATPAY_MODE: z.enum(["partner", "direct"], { message: 'must be "partner" or "direct"' }).default("partner"),
  WECHATPAY_COMBINE_MCHID: z.string().regex(/^\d{6,32}$/, "must be the numeric merchant id"),
  WECHATPAY_COMBINE_APPID: z.string().regex(/^[A-Za-z0-9_]{6,32}$/, "must be an APPID like wx…"),
  WECHATPAY_MERCHANT_SERIAL_NO: z.string().regex(/^[0-9A-Fa-f]{8,64}$/, "must be the hex serial of the merchant API certificate"),
  WECHATPAY_APIV3_KEY: z.string().refine((k) => Buffer.byteLength(k) === 32, "must be exactly 32 bytes"),
  WECHATPAY_PUBLIC_KEY_ID: z
    .string()
    .regex(/^PUB_KEY_ID_\w+$/, "must start with PUB_KEY_ID_")
    .optional(),
  WECHATPAY_PLATFORM_CERTIFICATES: boolFlag,
  WECHAT_JSAPI_ENABLED: z.enum(["1", "0", "true", "false"], { message: 'must be "true" or "false"' }).optional(),
  WECHAT_MP_APPID: z
    .string()
    .regex(/^wx[0-9A-Za-z]{16}$/, "must be the 服务号's AppID (wx + 16 characters)")
    .optional(),
  // The AppSecret is 32 hex characters; anything else is a paste error worth stopping for.
  WECHAT_MP_APPSECRET: z
    .string()
    .regex(/^[0-9A-Za-z]{16,64}$/, "must be the 服务号's AppSecret (letters and digits)")
    .optional(),
  WECHAT_OPEN_BASE_URL: httpUrl.default("https://open.weixin.qq.com"),
  WECHAT_API_BASE_URL: httpUrl.default("https://api.weixin.qq.com"),
  WECHAT_JSBRIDGE_SHIM_URL: httpUrl.optional(),
});

/** PEMs often arrive through env with literal "\n" sequences instead of line breaks. */
export function normalisePem(pem: string): string {
  return pem.replace(/\\n/g, "\n").trim() + "\n";
}

function readPem(raw: RawEnv, name: string, required: boolean): string | undefined {
  const inline = raw[name];
  const file = raw[`${name}_FILE`];
  if (inline && file) throw new ConfigError(name, `and ${name}_FILE are both set; use one`);
  if (file) {
    try {
      return normalisePem(fs.readFileSync(path.resolve(file), "utf8"));
    } catch {
      throw new ConfigError(`${name}_FILE`, `cannot be read (${file})`);
    }
  }
  if (inline) return normalisePem(inline);
  if (required) throw new ConfigError(name, `is required (or ${name}_FILE)`);
  return undefined;
}

function fingerprint(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(pub.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** The committed test identity, used only for zero-config development and tests. */
function testSetupDefaults(): RawEnv {
  const dir = path.resolve(TEST_KEYS_DIR);
  const ids = JSON.parse(fs.readFileSync(path.join(dir, "keys.json"), "utf8")) as Record<string, string>;
  return {
    WECHATPAY_BASE_URL: "http://127.0.0.1:3100",
    WECHATPAY_COMBINE_MCHID: ids.combineMchid,
    WECHATPAY_COMBINE_APPID: ids.combineAppid,
    WECHATPAY_MERCHANT_SERIAL_NO: ids.merchantSerialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: path.join(dir, "merchant-private-key.pem"),
    WECHATPAY_APIV3_KEY: fs.readFileSync(path.join(dir, "apiv3-key.txt"), "utf8").trim(),
    WECHATPAY_PUBLIC_KEY_FILE: path.join(dir, "wechatpay-public-key.pem"),
    WECHATPAY_PUBLIC_KEY_ID: ids.wechatpayPublicKeyId,
  };
}

/**
 * Zero-config development with WECHAT_JSAPI_ENABLED=true and no 服务号 of its own: the fake's test 服务号, the fake
 * standing in for WeChat's OAuth hosts, and its WeixinJSBridge stand-in — so `npm run dev` can pay through JSAPI.
 */
function jsapiTestDefaults(input: RawEnv, fakeBaseUrl: string): RawEnv {
  const on = input.WECHAT_JSAPI_ENABLED === "1" || input.WECHAT_JSAPI_ENABLED === "true";
  const own = ["WECHAT_MP_APPID", "WECHAT_MP_APPSECRET", "WECHAT_MP_APPSECRET_FILE", "WECHAT_OPEN_BASE_URL", "WECHAT_API_BASE_URL"];
  if (!on || own.some((v) => input[v])) return {};
  const ids = JSON.parse(fs.readFileSync(path.resolve(TEST_KEYS_DIR, "keys.json"), "utf8")) as Record<string, string>;
  return {
    WECHAT_MP_APPID: ids.mpAppid,
    WECHAT_MP_APPSECRET: ids.mpAppSecret,
    WECHAT_OPEN_BASE_URL: fakeBaseUrl,
    WECHAT_API_BASE_URL: fakeBaseUrl,
    WECHAT_JSBRIDGE_SHIM_URL: input.WECHAT_JSBRIDGE_SHIM_URL || `${fakeBaseUrl}/jsapi/bridge.js`,
  };
}

export function parseEnv(input: RawEnv): AppEnv {
  const nodeEnv = input.NODE_ENV === "production" ? "production" : input.NODE_ENV === "test" ? "test" : "development";
  const zeroConfig = nodeEnv !== "production" && WECHATPAY_VARS.every((v) => !input[v]);
  const testSetup = zeroConfig ? testSetupDefaults() : {};
  const raw: RawEnv = zeroConfig ? { ...input, ...testSetup, ...jsapiTestDefaults(input, testSetup.WECHATPAY_BASE_URL!) } : { ...input };
  // Treat empty strings as unset so `FOO=` in an .env file means "default".
  for (const k of Object.keys(raw)) if (raw[k] === "") delete raw[k];

  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? "environment");
    const problem = issue.code === "invalid_type" && raw[variable] === undefined ? "is required" : issue.message;
    throw new ConfigError(variable, problem);
  }
  const e = parsed.data;

  let merchantPrivateKey: KeyObject;
  try {
    merchantPrivateKey = createPrivateKey(readPem(raw, "WECHATPAY_MERCHANT_PRIVATE_KEY", true)!);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError("WECHATPAY_MERCHANT_PRIVATE_KEY", "is not a valid PEM private key");
  }
  const publicPem = readPem(raw, "WECHATPAY_PUBLIC_KEY", false);
  let publicKey: AppEnv["wechatpay"]["publicKey"];
  if (publicPem) {
    if (!e.WECHATPAY_PUBLIC_KEY_ID) throw new ConfigError("WECHATPAY_PUBLIC_KEY_ID", "is required with WECHATPAY_PUBLIC_KEY");
    try {
      publicKey = { id: e.WECHATPAY_PUBLIC_KEY_ID, key: createPublicKey(publicPem) };
    } catch {
      throw new ConfigError("WECHATPAY_PUBLIC_KEY", "is not a valid PEM public key");
    }
  } else if (e.WECHATPAY_PUBLIC_KEY_ID) {
    throw new ConfigError("WECHATPAY_PUBLIC_KEY", "is required with WECHATPAY_PUBLIC_KEY_ID");
  }
  if (!publicKey && !e.WECHATPAY_PLATFORM_CERTIFICATES) {
    throw new ConfigError("WECHATPAY_PUBLIC_KEY", "is required (or WECHATPAY_PLATFORM_CERTIFICATES=1 for platform-certificate mode)");
  }

  const testKeyUsed =
    TEST_KEY_FINGERPRINTS.has(fingerprint(merchantPrivateKey)) ||
    (publicKey !== undefined && TEST_KEY_FINGERPRINTS.has(fingerprint(publicKey.key))) ||
    createHash("sha256").update(e.WECHATPAY_APIV3_KEY).digest("hex") === TEST_APIV3_KEY_SHA256;
  const insecureUrl = !e.WECHATPAY_BASE_URL.startsWith("https://")
    ? "WECHATPAY_BASE_URL"
    : !e.APP_BASE_URL.startsWith("https://")
      ? "APP_BASE_URL"
      : undefined;
  if (nodeEnv === "production" && !e.WECHATPAY_UNSAFE_ALLOW_TEST_SETUP) {
    if (testKeyUsed) {
      throw new ConfigError(
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "(or the public/APIv3 key) is a committed TEST key: refusing to run in production",
      );
    }
    if (insecureUrl) throw new ConfigError(insecureUrl, "must use https:// in production");
    // WeChat's rule is ≥ 1 minute between refunds of one order (docs/wechatpay.md §14.1.2): never lower with real money.
    if (e.REFUND_MIN_INTERVAL_SECONDS < 60) throw new ConfigError("REFUND_MIN_INTERVAL_SECONDS", "must be ≥ 60 in production");
  }
  // A guessable token is the back office's only lock: in production demand 32+ characters
  // (`openssl rand -base64 32` gives 44), even with the unsafe test-setup flag.
  if (nodeEnv === "production" && e.ADMIN_TOKEN !== undefined && e.ADMIN_TOKEN.length < ADMIN_TOKEN_MIN_PRODUCTION) {
    throw new ConfigError(
      "ADMIN_TOKEN",
      `must be at least ${ADMIN_TOKEN_MIN_PRODUCTION} characters in production (generate one: openssl rand -base64 32)`,
    );
  }

  const wechatJsapi = parseJsapi(raw, e, nodeEnv, testKeyUsed || insecureUrl !== undefined);

  return {
    nodeEnv,
    databaseUrl: e.DATABASE_URL,
    appBaseUrl: e.APP_BASE_URL,
    appOrigin: new URL(e.APP_BASE_URL).origin,
    adminToken: e.ADMIN_TOKEN,
    adminRequire2faForRefunds: e.ADMIN_REQUIRE_2FA_FOR_REFUNDS,
    orderExpireMinutes: e.ORDER_EXPIRE_MINUTES,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    cartDraft: {
      ttlHours: e.CART_DRAFT_TTL_HOURS,
      maxPerMinute: e.CART_DRAFT_MAX_PER_MINUTE,
      maxLive: e.CART_DRAFT_MAX_LIVE,
      maxPerClientPerHour: e.CART_DRAFT_MAX_PER_CLIENT_PER_HOUR,
    },
    checkout: {
      maxPerMinutePerClient: e.CHECKOUT_MAX_PER_MINUTE_PER_CLIENT,
      maxPendingPerBuyer: e.CHECKOUT_MAX_PENDING_PER_BUYER,
      maxUnitsPerLimitedSku: e.CHECKOUT_MAX_UNITS_PER_LIMITED_SKU,
    },
    jobs: {
      // Never by surprise inside a test run: vitest sets NODE_ENV=test; tests that want it say so.
      enabled: e.JOBS_ENABLED === undefined ? nodeEnv !== "test" : e.JOBS_ENABLED === "1" || e.JOBS_ENABLED === "true",
      tickMs: e.JOBS_TICK_MS,
      leaseMs: e.JOBS_LEASE_MS,
      periods: e.JOBS_PERIODS ?? {},
    },
    catalogImageDir: path.resolve(e.CATALOG_IMAGE_DIR),
    imageOrigins: [...new Set(e.IMAGE_ORIGINS ?? [])],
    refundMinIntervalSeconds: e.REFUND_MIN_INTERVAL_SECONDS,
    fulfilment: { autoDeliveredDays: e.AUTO_DELIVERED_DAYS },
    limits: {
      notifyMaxBodyBytes: e.NOTIFY_MAX_BODY_BYTES,
      apiMaxBodyBytes: e.API_MAX_BODY_BYTES,
      wechatCallIntervalSeconds: e.WECHAT_CALL_INTERVAL_SECONDS,
      wechatCallTimeoutMs: e.WECHAT_CALL_TIMEOUT_MS,
      adminAuthMaxFailuresPerIp: e.ADMIN_AUTH_MAX_FAILURES_PER_IP,
      adminAuthMaxFailuresGlobal: e.ADMIN_AUTH_MAX_FAILURES_GLOBAL,
      adminAuthWindowSeconds: e.ADMIN_AUTH_WINDOW_SECONDS,
      adminAuthMaxFailuresPerAccount: e.ADMIN_AUTH_MAX_FAILURES_PER_ACCOUNT,
      prepayMaxPerSecond: e.WECHATPAY_PREPAY_MAX_PER_SECOND,
      sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
      sqliteBusyRetries: e.SQLITE_BUSY_RETRIES,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    usesTestSetup: testKeyUsed || insecureUrl !== undefined,
    allowHttpWebhooks: nodeEnv !== "production" || e.WECHATPAY_UNSAFE_ALLOW_TEST_SETUP,
    piiRetentionDays: e.PII_RETENTION_DAYS,
    wechatpay: {
      baseUrl: e.WECHATPAY_BASE_URL,
      mode: e.WECHATPAY_MODE,
      combineMchid: e.WECHATPAY_COMBINE_MCHID,
      combineAppid: e.WECHATPAY_COMBINE_APPID,
      merchantSerialNo: e.WECHATPAY_MERCHANT_SERIAL_NO.toUpperCase(),
      merchantPrivateKey,
      apiV3Key: e.WECHATPAY_APIV3_KEY,
      publicKey,
      usePlatformCertificates: e.WECHATPAY_PLATFORM_CERTIFICATES,
      notifyUrl: `${e.APP_BASE_URL}/api/wechatpay/notify`,
      refundNotifyUrl: `${e.APP_BASE_URL}/api/wechatpay/refund-notify`,
    },
    wechatJsapi,
  };
}

/** The 服务号's AppSecret, inline or from a file (a mounted secret); trimmed. */
function readAppSecret(raw: RawEnv): string | undefined {
  const inline = raw.WECHAT_MP_APPSECRET;
  const file = raw.WECHAT_MP_APPSECRET_FILE;
  if (inline && file) throw new ConfigError("WECHAT_MP_APPSECRET", "and WECHAT_MP_APPSECRET_FILE are both set; use one");
  if (!file) return inline;
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(file), "utf8").trim();
  } catch {
    throw new ConfigError("WECHAT_MP_APPSECRET_FILE", `cannot be read (${file})`);
  }
  const r = schema.shape.WECHAT_MP_APPSECRET.safeParse(text);
  if (!r.success) throw new ConfigError("WECHAT_MP_APPSECRET_FILE", r.error.issues[0]!.message.replace("must be", "must hold"));
  return text;
}

/**
 * WECHAT_JSAPI_* (README "Paying inside WeChat (JSAPI)"). Off: nothing is read beyond the flag, and the app behaves
 * exactly as without it. On: the 服务号 and its secret are required; plain-HTTP WeChat URLs and the bridge shim are
 * the test setup's only (refused in production unless WECHATPAY_UNSAFE_ALLOW_TEST_SETUP=1, like WECHATPAY_BASE_URL).
 */
function parseJsapi(raw: RawEnv, e: z.infer<typeof schema>, nodeEnv: AppEnv["nodeEnv"], testSetup: boolean): WechatJsapiConfig {
  const enabled = e.WECHAT_JSAPI_ENABLED === "1" || e.WECHAT_JSAPI_ENABLED === "true";
  if (!enabled) return { enabled: false };
  if (!e.WECHAT_MP_APPID) throw new ConfigError("WECHAT_MP_APPID", "is required when WECHAT_JSAPI_ENABLED=true");
  const appSecret = readAppSecret(raw);
  if (!appSecret) throw new ConfigError("WECHAT_MP_APPSECRET", "is required when WECHAT_JSAPI_ENABLED=true (or WECHAT_MP_APPSECRET_FILE)");
  const unsafeAllowed = nodeEnv !== "production" || e.WECHATPAY_UNSAFE_ALLOW_TEST_SETUP;
  for (const name of ["WECHAT_OPEN_BASE_URL", "WECHAT_API_BASE_URL"] as const) {
    if (!e[name].startsWith("https://") && !unsafeAllowed) throw new ConfigError(name, "must use https:// in production");
  }
  // The shim fakes WeChat's own cashier: it may only ever meet the fake WeChat Pay, never a shop taking money.
  if (e.WECHAT_JSBRIDGE_SHIM_URL && !(unsafeAllowed && testSetup)) {
    throw new ConfigError("WECHAT_JSBRIDGE_SHIM_URL", "is for tests and npm run dev only (the test keys or plain-HTTP WeChat URLs)");
  }
  return {
    enabled: true,
    mpAppid: e.WECHAT_MP_APPID,
    mpAppSecret: secret(appSecret),
    openBaseUrl: e.WECHAT_OPEN_BASE_URL,
    apiBaseUrl: e.WECHAT_API_BASE_URL,
    ...(e.WECHAT_JSBRIDGE_SHIM_URL ? { bridgeShimUrl: e.WECHAT_JSBRIDGE_SHIM_URL } : {}),
  };
}

/**
 * A copy of the whole environment, unvalidated: only for `npm run doctor` (lib/ops/doctor.ts), which reports
 * every problem with its fix where env() stops at the first.
 */
export function rawEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Just the database URL: the seed and migration scripts need no WeChat configuration. */
export function databaseUrl(): string {
  const v = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const r = schema.shape.DATABASE_URL.safeParse(v);
  if (!r.success) throw new ConfigError("DATABASE_URL", r.error.issues[0]!.message);
  return r.data;
}

/** SQLite lock waits (lib/db.ts), readable without the WeChat configuration like databaseUrl(). */
export function sqliteLockSettings(): { busyTimeoutMs: number; busyRetries: number } {
  const pick = (name: "SQLITE_BUSY_TIMEOUT_MS" | "SQLITE_BUSY_RETRIES") => {
    const r = schema.shape[name].safeParse(process.env[name] || undefined);
    if (!r.success) throw new ConfigError(name, r.error.issues[0]!.message);
    return r.data;
  };
  return { busyTimeoutMs: pick("SQLITE_BUSY_TIMEOUT_MS"), busyRetries: pick("SQLITE_BUSY_RETRIES") };
}

export interface LogSettings {
  level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** pretty in development (npm run dev, the CLIs), JSON lines in production and tests. */
  format: "json" | "pretty";
}

/**
 * The logger's settings (lib/log.ts), readable without the WeChat configuration. Never throws: the logger must
 * come up to report a bad configuration, so an invalid LOG_LEVEL/LOG_FORMAT falls back to the default here and
 * env() refuses it at start-up like any other bad variable.
 */
export function logSettings(): LogSettings {
  const level = schema.shape.LOG_LEVEL.safeParse(process.env.LOG_LEVEL || undefined);
  const format = schema.shape.LOG_FORMAT.safeParse(process.env.LOG_FORMAT || undefined);
  return {
    level: level.success ? level.data : "info",
    format: (format.success ? format.data : undefined) ?? (["production", "test"].includes(process.env.NODE_ENV ?? "") ? "json" : "pretty"),
  };
}

let cached: AppEnv | undefined;

export function env(): AppEnv {
  // (The warning for production with the unsafe test setup is logged by lib/startup.ts: lib/log.ts builds on this module.)
  cached ??= parseEnv(process.env);
  return cached;
}
