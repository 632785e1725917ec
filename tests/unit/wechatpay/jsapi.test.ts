import { createPrivateKey, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { WechatPayConfigError, WechatPayValidationError, buildJsapiPayParams, buildJsapiPaySignMessage } from "../../../lib/wechatpay";
import { FIXTURES, pem } from "./helpers";

const kat = JSON.parse(readFileSync(path.join(FIXTURES, "vectors/wechatpay-kat.json"), "utf8")) as {
  jsapiPaySign: { key: string; appId: string; timeStamp: string; nonceStr: string; package: string; paySign: string };
};
const v = kat.jsapiPaySign;
const docKeyPem = readFileSync(path.join(FIXTURES, v.key), "utf8");
const prepayId = v.package.replace(/^prepay_id=/, "");

describe("JSAPI bridge parameters — paySign", () => {
  it("reproduces the official known answer (doc test key)", () => {
    const p = buildJsapiPayParams({
      appId: v.appId,
      prepayId,
      privateKeyPem: docKeyPem,
      timeStampSeconds: Number(v.timeStamp),
      nonceStr: v.nonceStr,
    });
    expect(p).toEqual({
      appId: v.appId,
      timeStamp: v.timeStamp,
      nonceStr: v.nonceStr,
      package: v.package,
      signType: "RSA",
      paySign: v.paySign,
    });
  });

  it("signs four lines, each ending in \\n (the last one too); signType is not signed", () => {
    expect(buildJsapiPaySignMessage("wxA", "1", "N", "prepay_id=P")).toBe("wxA\n1\nN\nprepay_id=P\n");
  });

  it("the same key as a KeyObject gives the same signature", () => {
    const p = buildJsapiPayParams({
      appId: v.appId,
      prepayId,
      privateKeyPem: createPrivateKey(docKeyPem),
      timeStampSeconds: Number(v.timeStamp),
      nonceStr: v.nonceStr,
    });
    expect(p.paySign).toBe(v.paySign);
  });

  it("defaults: timeStamp = now in seconds (10 digits), a fresh 32-char nonce; verifies with the merchant public key", () => {
    const before = Math.floor(Date.now() / 1000);
    const a = buildJsapiPayParams({
      appId: "wxd930ea5d5a258f4f",
      prepayId: "wx2026120700000000abcdef",
      privateKeyPem: pem.merchantPrivate,
    });
    const b = buildJsapiPayParams({
      appId: "wxd930ea5d5a258f4f",
      prepayId: "wx2026120700000000abcdef",
      privateKeyPem: pem.merchantPrivate,
    });
    expect(a.timeStamp).toMatch(/^\d{10}$/);
    expect(Number(a.timeStamp)).toBeGreaterThanOrEqual(before);
    expect(Number(a.timeStamp)).toBeLessThanOrEqual(before + 5);
    expect(a.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
    expect(a.package).toBe("prepay_id=wx2026120700000000abcdef");
    const message = `${a.appId}\n${a.timeStamp}\n${a.nonceStr}\n${a.package}\n`;
    const pub = createPublicKey(pem.merchantPublic);
    expect(verify("sha256", Buffer.from(message), pub, Buffer.from(a.paySign, "base64"))).toBe(true);
    // any other field value does not verify
    expect(verify("sha256", Buffer.from(message.replace(a.nonceStr, b.nonceStr)), pub, Buffer.from(a.paySign, "base64"))).toBe(false);
  });

  it.each([
    ["milliseconds instead of seconds", { timeStampSeconds: 1_554_208_460_000 }],
    ["a fractional timestamp", { timeStampSeconds: 1.5 }],
    ["a nonce with a newline (would forge a line)", { nonceStr: "abc\nprepay_id=x" }],
    ["a nonce longer than 32", { nonceStr: "a".repeat(33) }],
    ["an appId with a newline", { appId: "wx1\n2" }],
    ["an empty prepay id", { prepayId: "" }],
  ])("refuses %s", (_name, override) => {
    expect(() => buildJsapiPayParams({ appId: v.appId, prepayId, privateKeyPem: docKeyPem, ...override })).toThrow(
      WechatPayValidationError,
    );
  });

  it("refuses an unparsable key without echoing it", () => {
    const bogus = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----";
    let err: unknown;
    try {
      buildJsapiPayParams({ appId: v.appId, prepayId, privateKeyPem: bogus });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WechatPayConfigError);
    expect((err as Error).message).not.toContain("SECRETSECRET");
  });
});
