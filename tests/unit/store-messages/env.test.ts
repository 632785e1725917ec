// The configuration behind store webhooks and personal-data retention (lib/env.ts).
import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/lib/env";
import { testAppEnv } from "../../support/test-identity";

const base = testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:3100", appBaseUrl: "http://localhost:3000", databaseUrl: "file:./x.db" });
const {
  WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: _unsafe,
  WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: _a,
  WECHATPAY_PUBLIC_KEY_FILE: _b,
  ...rest
} = base;

function realProduction() {
  const k1 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const k2 = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    ...rest,
    NODE_ENV: "production",
    WECHATPAY_BASE_URL: "https://api.mch.weixin.qq.com",
    APP_BASE_URL: "https://shop.example",
    WECHATPAY_APIV3_KEY: "R".repeat(32),
    WECHATPAY_MERCHANT_PRIVATE_KEY: k1.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    WECHATPAY_PUBLIC_KEY: k2.publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

describe("store webhooks and retention settings", () => {
  it("http:// webhooks: allowed outside production; in production only with WECHATPAY_UNSAFE_ALLOW_TEST_SETUP=1", () => {
    expect(parseEnv({ ...base, NODE_ENV: "development" }).allowHttpWebhooks).toBe(true);
    const real = realProduction();
    expect(parseEnv(real).allowHttpWebhooks).toBe(false);
    expect(parseEnv({ ...real, WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: "1" }).allowHttpWebhooks).toBe(true);
  });

  it("PII_RETENTION_DAYS: 365 by default, 1 … 3650", () => {
    expect(parseEnv(base).piiRetentionDays).toBe(365);
    expect(parseEnv({ ...base, PII_RETENTION_DAYS: "30" }).piiRetentionDays).toBe(30);
    for (const bad of ["0", "3651", "abc"]) {
      expect(() => parseEnv({ ...base, PII_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => parseEnv({ ...base, PII_RETENTION_DAYS: bad })).toThrow(/^Invalid configuration: PII_RETENTION_DAYS /);
    }
  });
});
