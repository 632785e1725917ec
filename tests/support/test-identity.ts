// The TEST-ONLY WeChat Pay identity as environment variables, for running the app in production
// mode against the fake (Playwright, benchmarks, multi-process tests). Never used by the app itself.
import fs from "node:fs";
import path from "node:path";

const dir = path.resolve(import.meta.dirname, "../fixtures/keys");

export const testKeys = JSON.parse(fs.readFileSync(path.join(dir, "keys.json"), "utf8")) as {
  combineMchid: string;
  combineAppid: string;
  /** The 服务号 of the JSAPI channel (combine_appid of JSAPI orders, OAuth appid) and its AppSecret: TEST-ONLY. */
  mpAppid: string;
  mpAppSecret: string;
  merchantSerialNo: string;
  wechatpayPublicKeyId: string;
  platformCertificateSerialNo: string;
  subMerchants: { storeId: string; subMchid: string; mchid: string }[];
};

export const testKeyFiles = {
  merchantPrivateKey: path.join(dir, "merchant-private-key.pem"),
  merchantPublicKey: path.join(dir, "merchant-public-key.pem"),
  wechatpayPrivateKey: path.join(dir, "wechatpay-private-key.pem"),
  wechatpayPublicKey: path.join(dir, "wechatpay-public-key.pem"),
  platformPrivateKey: path.join(dir, "platform-private-key.pem"),
  platformCertificate: path.join(dir, "platform-certificate.pem"),
};

export const testApiV3Key = fs.readFileSync(path.join(dir, "apiv3-key.txt"), "utf8").trim();

/**
 * Per-client limits high enough for suites that check out many times from one client and one
 * browser (every harness request has the same address). The suites of the limits themselves, and
 * bench:attacks, run with the defaults instead.
 */
export const TEST_CLIENT_LIMITS = {
  CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: "100000",
  CHECKOUT_MAX_PENDING_PER_BUYER: "100000",
  CHECKOUT_MAX_UNITS_PER_LIMITED_SKU: "99",
  CART_DRAFT_MAX_PER_CLIENT_PER_HOUR: "100000",
};

export function testAppEnv(opts: { wechatpayBaseUrl: string; appBaseUrl: string; databaseUrl: string; mode?: "partner" | "direct" }) {
  return {
    ...TEST_CLIENT_LIMITS,
    DATABASE_URL: opts.databaseUrl,
    APP_BASE_URL: opts.appBaseUrl,
    WECHATPAY_BASE_URL: opts.wechatpayBaseUrl,
    WECHATPAY_MODE: opts.mode ?? "partner",
    WECHATPAY_COMBINE_MCHID: testKeys.combineMchid,
    WECHATPAY_COMBINE_APPID: testKeys.combineAppid,
    WECHATPAY_MERCHANT_SERIAL_NO: testKeys.merchantSerialNo,
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: testKeyFiles.merchantPrivateKey,
    WECHATPAY_APIV3_KEY: testApiV3Key,
    WECHATPAY_PUBLIC_KEY_FILE: testKeyFiles.wechatpayPublicKey,
    WECHATPAY_PUBLIC_KEY_ID: testKeys.wechatpayPublicKeyId,
    WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: "1",
    ADMIN_TOKEN: "e2e-admin-token-0123456789abcdef",
  };
}

/**
 * The JSAPI channel's variables for an app talking to the fake: its 服务号 (keys.json mpAppid / mpAppSecret) and the
 * fake standing in for open.weixin.qq.com (OAuth authorize) and api.weixin.qq.com (code exchange). JSAPI itself is
 * switched on by the caller.
 */
export function testWechatMpEnv(fakeUrl: string) {
  return {
    WECHAT_MP_APPID: testKeys.mpAppid,
    WECHAT_MP_APPSECRET: testKeys.mpAppSecret,
    WECHAT_OPEN_BASE_URL: fakeUrl,
    WECHAT_API_BASE_URL: fakeUrl,
  };
}
