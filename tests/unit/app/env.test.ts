import { createHash, createPublicKey } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, TEST_APIV3_KEY_SHA256, TEST_KEY_FINGERPRINTS } from "@/lib/env";
import { testAppEnv, testKeys } from "../../support/test-identity";

const base = testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:3100", appBaseUrl: "http://localhost:3000", databaseUrl: "file:./x.db" });
const { WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: _unsafe, ...withoutUnsafe } = base;

function fails(env: Record<string, string | undefined>, variable: string, problem: RegExp) {
  try {
    parseEnv(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).variable).toBe(variable);
    expect((e as Error).message).toMatch(problem);
    expect((e as Error).message).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
    expect((e as Error).message.split("\n")).toHaveLength(1);
    return;
  }
  throw new Error("expected a ConfigError");
}

describe("IMAGE_ORIGINS (CDN origins the shop's CSP lets images load from)", () => {
  it("defaults to none; takes a comma-separated list of https origins, normalised", () => {
    expect(parseEnv(base).imageOrigins).toEqual([]);
    expect(parseEnv({ ...base, IMAGE_ORIGINS: "https://cdn.example.com, https://IMG.example.net:8443/" }).imageOrigins).toEqual([
      "https://cdn.example.com",
      "https://img.example.net:8443",
    ]);
  });

  it.each([
    ["http://cdn.example.com", /must be https:\/\/ origins/],
    ["https://cdn.example.com/images", /must be origins only/],
    ["https://cdn.example.com?x=1", /must be origins only/],
    ["https://user@cdn.example.com", /must be origins only/],
    ["cdn.example.com", /must be https:\/\/ origins/],
    ["https://*.example.com", /must be https:\/\/ origins/],
    ["'unsafe-inline'", /must be https:\/\/ origins/],
    ["https://cdn.example.com; script-src *", /must be https:\/\/ origins/],
  ])("refuses %j", (value, problem) => {
    fails({ ...base, IMAGE_ORIGINS: value }, "IMAGE_ORIGINS", problem);
  });
});

describe("lib/env", () => {
  it("zero-config outside production: the fake's URL and the test identity", () => {
    const e = parseEnv({ NODE_ENV: "development" });
    expect(e.wechatpay.baseUrl).toBe("http://127.0.0.1:3100");
    expect(e.wechatpay.combineMchid).toBe("1900000109");
    expect(e.wechatpay.mode).toBe("partner");
    expect(e.databaseUrl).toBe("file:./.data/dev.db");
    expect(e.wechatpay.notifyUrl).toBe("http://localhost:3000/api/wechatpay/notify");
    expect(e.usesTestSetup).toBe(true);
  });

  it("production with nothing configured stops with one line naming a variable", () => {
    fails({ NODE_ENV: "production" }, "WECHATPAY_COMBINE_MCHID", /is required/);
  });

  it.each([
    ["WECHATPAY_APIV3_KEY", "short", /exactly 32 bytes/],
    ["WECHATPAY_MODE", "both", /partner.*direct/],
    ["APP_BASE_URL", "not a url", /URL/],
    ["DATABASE_URL", "mysql://x", /file: or postgresql/],
    ["WECHATPAY_PUBLIC_KEY_ID", "KEY_1", /PUB_KEY_ID_/],
    ["ORDER_EXPIRE_MINUTES", "1", /≥ 2/],
    ["WECHATPAY_MERCHANT_SERIAL_NO", "zz-top", /hex serial/],
  ])("rejects a bad %s", (variable, value, problem) => {
    fails({ ...base, [variable]: value }, variable, problem);
  });

  it("rejects an unreadable key file and a non-PEM key", () => {
    fails({ ...base, WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: "/nope.pem" }, "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE", /cannot be read/);
    const { WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: _f, ...rest } = base;
    fails({ ...rest, WECHATPAY_MERCHANT_PRIVATE_KEY: "hello" }, "WECHATPAY_MERCHANT_PRIVATE_KEY", /not a valid PEM/);
  });

  it("accepts PEM values with literal \\n sequences", () => {
    const pem = fs.readFileSync(base.WECHATPAY_MERCHANT_PRIVATE_KEY_FILE, "utf8").trim().split("\n").join("\\n");
    const { WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: _f, ...rest } = base;
    const e = parseEnv({ ...rest, WECHATPAY_MERCHANT_PRIVATE_KEY: pem });
    expect(e.wechatpay.merchantPrivateKey.asymmetricKeyType).toBe("rsa");
  });

  it("refuses the test keys and plain-HTTP URLs in production unless explicitly unsafe", () => {
    fails({ ...withoutUnsafe, NODE_ENV: "production" }, "WECHATPAY_MERCHANT_PRIVATE_KEY", /TEST key/);
    const ok = parseEnv({ ...base, NODE_ENV: "production" });
    expect(ok.usesTestSetup).toBe(true);
  });

  it("refuses a plain-HTTP WECHATPAY_BASE_URL or APP_BASE_URL in production even with real-looking keys", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const k1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const k2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: _a, WECHATPAY_PUBLIC_KEY_FILE: _b, ...rest } = withoutUnsafe;
    const real = {
      ...rest,
      NODE_ENV: "production",
      WECHATPAY_APIV3_KEY: "R".repeat(32),
      WECHATPAY_MERCHANT_PRIVATE_KEY: k1.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      WECHATPAY_PUBLIC_KEY: k2.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    fails({ ...real, WECHATPAY_BASE_URL: "http://api.example" }, "WECHATPAY_BASE_URL", /https/);
    fails({ ...real, WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com", APP_BASE_URL: "http://shop.example" }, "APP_BASE_URL", /https/);
    const e = parseEnv({ ...real, WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com", APP_BASE_URL: "https://shop.example" });
    expect(e.usesTestSetup).toBe(false);
    // Refunds: WeChat's ≥ 1 minute between refunds of one order may not be lowered with real money.
    expect(e.refundMinIntervalSeconds).toBe(60);
    expect(e.wechatpay.refundNotifyUrl).toBe("https://shop.example/api/wechatpay/refund-notify");
    const https = { ...real, WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com", APP_BASE_URL: "https://shop.example" };
    fails({ ...https, REFUND_MIN_INTERVAL_SECONDS: "1" }, "REFUND_MIN_INTERVAL_SECONDS", /≥ 60 in production/);
    fails({ ...https, REFUND_MIN_INTERVAL_SECONDS: "-1" }, "REFUND_MIN_INTERVAL_SECONDS", /≥ 0/);
    expect(parseEnv({ ...base, NODE_ENV: "production", REFUND_MIN_INTERVAL_SECONDS: "1" }).refundMinIntervalSeconds).toBe(1);
  });

  it("keeps its list of test-key fingerprints in step with the committed fixture files", () => {
    const dir = path.resolve("tests/fixtures");
    const pems = [
      "keys/merchant-public-key.pem",
      "keys/wechatpay-public-key.pem",
      "keys/platform-certificate.pem",
      "official-doc-test-key.pem",
    ].map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    const fps = pems.map((pem) =>
      createHash("sha256")
        .update(createPublicKey(pem).export({ type: "spki", format: "der" }))
        .digest("hex"),
    );
    expect(new Set(fps)).toEqual(TEST_KEY_FINGERPRINTS);
    const apiv3 = fs.readFileSync(path.join(dir, "keys/apiv3-key.txt"), "utf8").trim();
    expect(createHash("sha256").update(apiv3).digest("hex")).toBe(TEST_APIV3_KEY_SHA256);
  });
});

describe("WECHAT_JSAPI_* (paying inside WeChat)", () => {
  const jsapi = {
    ...base,
    WECHAT_JSAPI_ENABLED: "true",
    WECHAT_MP_APPID: "wx0123456789abcdef",
    WECHAT_MP_APPSECRET: "0123456789abcdef0123456789abcdef",
  };

  it("is off by default, and off reads nothing else (an unset or invalid 服务号 does not matter)", () => {
    expect(parseEnv(base).wechatJsapi).toEqual({ enabled: false });
    expect(parseEnv({ ...base, WECHAT_JSAPI_ENABLED: "false", WECHAT_OPEN_BASE_URL: "http://x.test" }).wechatJsapi).toEqual({
      enabled: false,
    });
  });

  it("on: the 服务号, its secret and WeChat's real hosts by default", () => {
    const j = parseEnv(jsapi).wechatJsapi;
    expect(j).toMatchObject({
      enabled: true,
      mpAppid: "wx0123456789abcdef",
      openBaseUrl: "https://open.weixin.qq.com",
      apiBaseUrl: "https://api.weixin.qq.com",
    });
    if (!j.enabled) throw new Error("expected enabled");
    expect(j.mpAppSecret.reveal()).toBe("0123456789abcdef0123456789abcdef");
  });

  it("the secret never shows in logs, JSON or string conversion", () => {
    const j = parseEnv(jsapi).wechatJsapi;
    const printed = [JSON.stringify(j), String(j.enabled && j.mpAppSecret), `${j.enabled && j.mpAppSecret}`];
    for (const p of printed) expect(p).not.toContain("0123456789abcdef0123456789abcdef");
    expect(JSON.stringify(j)).toContain("[redacted]");
  });

  it("reads the secret from WECHAT_MP_APPSECRET_FILE", () => {
    const file = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "mp-")), "secret");
    fs.writeFileSync(file, "fedcba9876543210fedcba9876543210\n");
    const j = parseEnv({ ...jsapi, WECHAT_MP_APPSECRET: undefined, WECHAT_MP_APPSECRET_FILE: file }).wechatJsapi;
    expect(j.enabled && j.mpAppSecret.reveal()).toBe("fedcba9876543210fedcba9876543210");
  });

  it.each([
    [{ WECHAT_MP_APPID: undefined }, "WECHAT_MP_APPID", /is required when WECHAT_JSAPI_ENABLED=true/],
    [{ WECHAT_MP_APPID: "gh_123" }, "WECHAT_MP_APPID", /AppID/],
    [{ WECHAT_MP_APPSECRET: undefined }, "WECHAT_MP_APPSECRET", /is required when WECHAT_JSAPI_ENABLED=true/],
    [{ WECHAT_MP_APPSECRET: "has space in it!!" }, "WECHAT_MP_APPSECRET", /AppSecret/],
    [{ WECHAT_MP_APPSECRET_FILE: "/nonexistent/secret" }, "WECHAT_MP_APPSECRET", /both set/],
    [{ WECHAT_MP_APPSECRET: undefined, WECHAT_MP_APPSECRET_FILE: "/nonexistent/secret" }, "WECHAT_MP_APPSECRET_FILE", /cannot be read/],
    [{ WECHAT_JSAPI_ENABLED: "yes" }, "WECHAT_JSAPI_ENABLED", /"true" or "false"/],
  ])("refuses %o at start-up", (patch, variable, problem) => {
    fails({ ...jsapi, ...patch }, variable, problem);
  });

  async function realProduction() {
    const { generateKeyPairSync } = await import("node:crypto");
    const k1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const k2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: _a, WECHATPAY_PUBLIC_KEY_FILE: _b, ...rest } = { ...withoutUnsafe, ...jsapi };
    delete (rest as Record<string, string | undefined>).WECHATPAY_UNSAFE_ALLOW_TEST_SETUP;
    return {
      ...rest,
      NODE_ENV: "production",
      WECHATPAY_APIV3_KEY: "R".repeat(32),
      WECHATPAY_MERCHANT_PRIVATE_KEY: k1.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      WECHATPAY_PUBLIC_KEY: k2.publicKey.export({ type: "spki", format: "pem" }).toString(),
      WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com",
      APP_BASE_URL: "https://shop.example",
    };
  }

  it("zero-config development with JSAPI on: the fake's test 服务号, OAuth and bridge (npm run dev)", () => {
    const j = parseEnv({ NODE_ENV: "development", WECHAT_JSAPI_ENABLED: "true" }).wechatJsapi;
    expect(j).toMatchObject({
      enabled: true,
      mpAppid: testKeys.mpAppid,
      openBaseUrl: "http://127.0.0.1:3100",
      apiBaseUrl: "http://127.0.0.1:3100",
      bridgeShimUrl: "http://127.0.0.1:3100/jsapi/bridge.js",
    });
    // Never in production, where zero-config does not exist.
    fails({ NODE_ENV: "production", WECHAT_JSAPI_ENABLED: "true" }, "WECHATPAY_COMBINE_MCHID", /is required/);
  });

  it("plain-HTTP WeChat URLs: fine for tests, refused in production without the unsafe test-setup flag", async () => {
    const http = { WECHAT_OPEN_BASE_URL: "http://127.0.0.1:3100", WECHAT_API_BASE_URL: "http://127.0.0.1:3100" };
    expect(parseEnv({ ...jsapi, ...http, NODE_ENV: "production" }).wechatJsapi).toMatchObject({ openBaseUrl: "http://127.0.0.1:3100" });
    const real = await realProduction();
    expect(parseEnv(real).wechatJsapi).toMatchObject({ enabled: true, apiBaseUrl: "https://api.weixin.qq.com" });
    fails({ ...real, WECHAT_OPEN_BASE_URL: http.WECHAT_OPEN_BASE_URL }, "WECHAT_OPEN_BASE_URL", /https:\/\/ in production/);
    fails({ ...real, WECHAT_API_BASE_URL: http.WECHAT_API_BASE_URL }, "WECHAT_API_BASE_URL", /https:\/\/ in production/);
  });

  it("the bridge shim is the test setup's only: refused with real keys, even with the unsafe flag", async () => {
    const url = "http://127.0.0.1:3100/jsbridge-shim.js";
    expect(parseEnv({ ...jsapi, WECHAT_JSBRIDGE_SHIM_URL: url }).wechatJsapi).toMatchObject({ bridgeShimUrl: url });
    const real = await realProduction();
    fails({ ...real, WECHAT_JSBRIDGE_SHIM_URL: url }, "WECHAT_JSBRIDGE_SHIM_URL", /tests and npm run dev only/);
    fails(
      { ...real, WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: "1", WECHAT_JSBRIDGE_SHIM_URL: url },
      "WECHAT_JSBRIDGE_SHIM_URL",
      /tests and npm run dev only/,
    );
  });
});
