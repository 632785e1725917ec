import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ApiV3Decryptor, WechatPayConfigError, WechatPayDecryptError, decryptAeadAes256Gcm } from "../../../lib/wechatpay";
import { FIXTURES, apiV3Key, seal } from "./helpers";

const vectors = (
  JSON.parse(readFileSync(path.join(FIXTURES, "vectors/wechatpay-kat.json"), "utf8")) as {
    aesGcm: { source: string; key: string; nonce: string; associatedData: string; ciphertext: string; plaintext: string }[];
  }
).aesGcm;
const [javaVec, goVec] = vectors as [(typeof vectors)[0], (typeof vectors)[0]];

function expectDecryptError(fn: () => unknown, reason: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WechatPayDecryptError);
    expect((e as WechatPayDecryptError).reason).toBe(reason);
    return;
  }
  throw new Error("expected a WechatPayDecryptError");
}

describe("AEAD_AES_256_GCM known answers (§11.2)", () => {
  it("Java SDK vector (32-byte key) through the production decryptor", () => {
    expect(Buffer.from(javaVec.key).length).toBe(32);
    const d = new ApiV3Decryptor(javaVec.key);
    expect(d.decrypt(javaVec.nonce, javaVec.associatedData, javaVec.ciphertext).toString()).toBe(javaVec.plaintext);
    expect(decryptAeadAes256Gcm(javaVec.key, javaVec.nonce, javaVec.associatedData, javaVec.ciphertext).toString()).toBe(javaVec.plaintext);
  });

  it("Go SDK vector (16-byte key) through the low-level function only", () => {
    expect(decryptAeadAes256Gcm(goVec.key, goVec.nonce, goVec.associatedData, goVec.ciphertext).toString()).toBe(goVec.plaintext);
    expect(() => new ApiV3Decryptor(goVec.key)).toThrow(WechatPayConfigError);
  });
});

describe("AES-GCM failures (each one distinct)", () => {
  const v = javaVec;
  it("tampered tag", () => {
    const raw = Buffer.from(v.ciphertext, "base64");
    raw[raw.length - 1]! ^= 0x01;
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, v.nonce, v.associatedData, raw.toString("base64")), "AUTHENTICATION_FAILED");
  });
  it("tampered ciphertext byte", () => {
    const raw = Buffer.from(v.ciphertext, "base64");
    raw[0]! ^= 0x80;
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, v.nonce, v.associatedData, raw.toString("base64")), "AUTHENTICATION_FAILED");
  });
  it("wrong associated data", () => {
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, v.nonce, "associatedDatA", v.ciphertext), "AUTHENTICATION_FAILED");
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, v.nonce, "", v.ciphertext), "AUTHENTICATION_FAILED");
  });
  it("wrong nonce", () => {
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, "uluk4a9R25RX", v.associatedData, v.ciphertext), "AUTHENTICATION_FAILED");
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, "", v.associatedData, v.ciphertext), "BAD_NONCE");
  });
  it("wrong key (right length)", () => {
    expectDecryptError(
      () => decryptAeadAes256Gcm("b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb", v.nonce, v.associatedData, v.ciphertext),
      "AUTHENTICATION_FAILED",
    );
  });
  it("wrong key length: low level rejects 15/31/33 bytes, production decryptor rejects anything but 32", () => {
    for (const k of ["x".repeat(15), "x".repeat(31), "x".repeat(33)]) {
      expectDecryptError(() => decryptAeadAes256Gcm(k, v.nonce, v.associatedData, v.ciphertext), "BAD_KEY_LENGTH");
    }
    for (const k of ["x".repeat(16), "x".repeat(31), "x".repeat(33), "密钥".repeat(8) /* 16 chars, 48 bytes */]) {
      expect(() => new ApiV3Decryptor(k)).toThrow(WechatPayConfigError);
    }
  });
  it("ciphertext shorter than the tag", () => {
    expectDecryptError(() => decryptAeadAes256Gcm(v.key, v.nonce, v.associatedData, "AAAA"), "BAD_CIPHERTEXT");
  });
  it("algorithm other than AEAD_AES_256_GCM is refused before decrypting", () => {
    const d = new ApiV3Decryptor(apiV3Key);
    expectDecryptError(
      () => d.decryptResource({ algorithm: "AEAD_SM4_GCM", nonce: v.nonce, associated_data: "", ciphertext: v.ciphertext }),
      "UNSUPPORTED_ALGORITHM",
    );
  });
  it("empty or missing associated_data round-trips (docs: may be empty)", () => {
    const d = new ApiV3Decryptor(apiV3Key);
    const ct = seal(apiV3Key, "0123456789ab", "", "hello");
    expect(d.decrypt("0123456789ab", "", ct).toString()).toBe("hello");
    expect(d.decrypt("0123456789ab", undefined, ct).toString()).toBe("hello");
  });
  it("error messages never contain the key", () => {
    try {
      new ApiV3Decryptor(apiV3Key).decrypt("0123456789ab", "x", seal(apiV3Key, "0123456789ab", "y", "z"));
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(apiV3Key);
      expect(JSON.stringify(e)).not.toContain(apiV3Key);
    }
  });
});
