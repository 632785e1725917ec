import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/lib/env";
import { contentSecurityPolicy, imageAllowedByPolicy, pageSecurityHeaders, pathDecodes } from "@/lib/http/security-headers";
import { TEST_CLIENT_LIMITS, testAppEnv } from "../../support/test-identity";
import nextConfig from "@/next.config";
import { config as proxyConfig } from "@/proxy";

const base = testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:3100", appBaseUrl: "http://localhost:3000", databaseUrl: "file:./x.db" });

describe("limits in lib/env", () => {
  it("defaults: notify 64 KB, API 16 KB, one WeChat call per order per 2 s, 8 s per WeChat attempt, 10 failures per IP per 15 min", () => {
    expect(parseEnv(base).limits).toEqual({
      notifyMaxBodyBytes: 65_536,
      apiMaxBodyBytes: 16_384,
      wechatCallIntervalSeconds: 2,
      wechatCallTimeoutMs: 8000,
      adminAuthMaxFailuresPerIp: 10,
      adminAuthMaxFailuresPerAccount: 10,
      adminAuthMaxFailuresGlobal: 200,
      adminAuthWindowSeconds: 900,
      prepayMaxPerSecond: 500,
      sqliteBusyTimeoutMs: 50,
      sqliteBusyRetries: 8,
    });
  });

  it("checkout and cart-draft defaults: 10 checkouts a minute per client, 3 unpaid orders per browser, 10 units of a limited product, 10 drafts an hour per client", () => {
    const production = { ...base };
    for (const name of Object.keys(TEST_CLIENT_LIMITS)) delete (production as Record<string, string | undefined>)[name];
    const e = parseEnv(production);
    expect(e.checkout).toEqual({ maxPerMinutePerClient: 10, maxPendingPerBuyer: 3, maxUnitsPerLimitedSku: 10 });
    expect(e.cartDraft.maxPerClientPerHour).toBe(10);
    expect(() => parseEnv({ ...base, CHECKOUT_MAX_UNITS_PER_LIMITED_SKU: "100" })).toThrow(
      /CHECKOUT_MAX_UNITS_PER_LIMITED_SKU must be ≤ 99/,
    );
    expect(() => parseEnv({ ...base, CHECKOUT_MAX_PER_MINUTE_PER_CLIENT: "0" })).toThrow(/CHECKOUT_MAX_PER_MINUTE_PER_CLIENT/);
  });

  it("each limit is configurable and validated", () => {
    expect(parseEnv({ ...base, WECHAT_CALL_INTERVAL_SECONDS: "10", ADMIN_AUTH_MAX_FAILURES_PER_IP: "5" }).limits).toMatchObject({
      wechatCallIntervalSeconds: 10,
      adminAuthMaxFailuresPerIp: 5,
    });
    expect(() => parseEnv({ ...base, WECHAT_CALL_INTERVAL_SECONDS: "1" })).toThrow(/WECHAT_CALL_INTERVAL_SECONDS must be ≥ 2/);
    expect(parseEnv({ ...base, WECHAT_CALL_TIMEOUT_MS: "2000" }).limits.wechatCallTimeoutMs).toBe(2000);
    expect(() => parseEnv({ ...base, WECHAT_CALL_TIMEOUT_MS: "500" })).toThrow(/WECHAT_CALL_TIMEOUT_MS must be ≥ 1000/);
    expect(() => parseEnv({ ...base, NOTIFY_MAX_BODY_BYTES: "99999999" })).toThrow(/NOTIFY_MAX_BODY_BYTES/);
    expect(parseEnv({ ...base, WECHATPAY_PREPAY_MAX_PER_SECOND: "50" }).limits.prepayMaxPerSecond).toBe(50);
    expect(() => parseEnv({ ...base, WECHATPAY_PREPAY_MAX_PER_SECOND: "0" })).toThrow(/WECHATPAY_PREPAY_MAX_PER_SECOND must be ≥ 1/);
  });

  it("production demands an ADMIN_TOKEN of at least 32 characters and says how to make one", () => {
    const prod = { ...base, NODE_ENV: "production" };
    try {
      parseEnv({ ...prod, ADMIN_TOKEN: "a".repeat(31) });
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).variable).toBe("ADMIN_TOKEN");
      expect((e as Error).message).toMatch(/at least 32 characters in production.*openssl rand -base64 32/);
    }
    expect(parseEnv({ ...prod, ADMIN_TOKEN: "a".repeat(32) }).adminToken).toHaveLength(32);
    // outside production the old minimum (16) still applies
    expect(parseEnv({ ...base, ADMIN_TOKEN: "a".repeat(16) }).adminToken).toHaveLength(16);
  });
});

const directive = (csp: string, name: string) => csp.split("; ").find((d) => d.startsWith(`${name} `));

describe("security headers", () => {
  it("a nonce-based CSP: scripts only with the nonce (no unsafe-inline), no framing, no plugins", () => {
    const csp = contentSecurityPolicy("abc123==", { dev: false, https: true });
    const script = csp.split("; ").find((d) => d.startsWith("script-src "))!;
    expect(script).toBe("script-src 'self' 'nonce-abc123==' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("upgrade-insecure-requests");
    expect(contentSecurityPolicy("n", { dev: false, https: false })).not.toContain("upgrade-insecure-requests");
    expect(contentSecurityPolicy("n", { dev: true, https: false })).toContain("'unsafe-eval'");
  });

  it("img-src: our own origin, data: and blob: — plus the configured CDN origins (IMAGE_ORIGINS)", () => {
    expect(directive(contentSecurityPolicy("n", { dev: false, https: true }), "img-src")).toBe("img-src 'self' data: blob:");
    const csp = contentSecurityPolicy("n", {
      dev: false,
      https: true,
      imageOrigins: ["https://cdn.example.com", "https://img.example.net:8443"],
    });
    expect(directive(csp, "img-src")).toBe("img-src 'self' data: blob: https://cdn.example.com https://img.example.net:8443");
  });

  it("an image URL is shown only if img-src allows it: our paths always, https URLs of a configured origin", () => {
    const origins = ["https://cdn.example.com"];
    expect(imageAllowedByPolicy(`/media/${"a".repeat(64)}.png`, origins)).toBe(true);
    expect(imageAllowedByPolicy("/images/logos/chayu.v1.svg", [])).toBe(true);
    expect(imageAllowedByPolicy("https://cdn.example.com/p/1.jpg", origins)).toBe(true);
    expect(imageAllowedByPolicy("https://cdn.example.com:443/p/1.jpg", origins)).toBe(true);
    expect(imageAllowedByPolicy("https://cdn.example.com/p/1.jpg", [])).toBe(false);
    expect(imageAllowedByPolicy("https://evil.example.com/p/1.jpg", origins)).toBe(false);
    expect(imageAllowedByPolicy("https://cdn.example.com.evil.net/p/1.jpg", origins)).toBe(false);
  });

  it("production: <style> only with the nonce, never 'unsafe-inline'", () => {
    const csp = contentSecurityPolicy("abc123==", { dev: false, https: true });
    expect(directive(csp, "style-src")).toBe("style-src 'self' 'nonce-abc123=='");
    expect(csp).not.toContain("'unsafe-inline' 'nonce");
    expect(directive(csp, "script-src")).not.toContain("'unsafe-eval'");
  });

  it("development (npm run dev): the dev overlay's own <style> elements (which carry no nonce) are allowed; scripts stay nonce-only", () => {
    const csp = contentSecurityPolicy("abc123==", { dev: true, https: false });
    // A nonce in style-src would make browsers ignore 'unsafe-inline' (CSP Level 2+): it must not be there.
    expect(directive(csp, "style-src")).toBe("style-src 'self' 'unsafe-inline'");
    expect(directive(csp, "script-src")).toBe("script-src 'self' 'nonce-abc123==' 'strict-dynamic' 'unsafe-eval'");
    expect(directive(csp, "script-src")).not.toContain("'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("HSTS only in production; the Referer keeps our origin for WeChat's cashier", () => {
    expect(pageSecurityHeaders({ production: true })["strict-transport-security"]).toMatch(/^max-age=\d{8,}/);
    expect(pageSecurityHeaders({ production: false })["strict-transport-security"]).toBeUndefined();
    expect(pageSecurityHeaders({ production: true })["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(pageSecurityHeaders({ production: true })["permissions-policy"]).toContain("camera=()");
  });

  it("proxy.ts runs on API and media requests only when they carry no body (Next.js would buffer it before the route's cap)", () => {
    const [pages, bodiless] = proxyConfig.matcher;
    expect(pages!.source).toContain("api/|media/");
    expect(bodiless!.source).toBe("/(api|media)/:path*");
    const missing = (bodiless as { missing: { key: string; value?: string }[] }).missing;
    const lengthRule = new RegExp(`^${missing.find((m) => m.key === "content-length")!.value}$`);
    for (const n of ["1", "16385", "9961472", "007"]) expect(lengthRule.test(n), n).toBe(true);
    for (const n of ["0", "00"]) expect(lengthRule.test(n), n).toBe(false);
    expect(missing.find((m) => m.key === "transfer-encoding")!.value).toBeUndefined();
  });

  it("next.config.ts: the API's and the uploaded images' headers are static; a page POST buffers at most 16 KiB", async () => {
    const rules = await nextConfig.headers!();
    const headersOf = (source: string) =>
      Object.fromEntries(rules.find((r) => r.source === source)!.headers.map((h) => [h.key.toLowerCase(), h.value]));
    expect(headersOf("/api/:path*")["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(headersOf("/media/:path*")["content-security-policy"]).toBe("default-src 'none'; sandbox");
    expect(nextConfig.experimental?.proxyClientMaxBodySize).toBe(16 * 1024);
  });

  it("malformed percent-encoding is recognised (answered 404 by proxy.ts)", () => {
    expect(pathDecodes("/api/orders/%C0%AE")).toBe(false);
    expect(pathDecodes("/orders/%E4%B8")).toBe(false);
    expect(pathDecodes("/api/orders/C2611270715001234")).toBe(true);
    expect(pathDecodes("/orders/%E4%B8%AD")).toBe(true);
  });
});
