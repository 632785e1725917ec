// How WeChat Pay signs what it sends (§2): responses and callbacks carry Wechatpay-Timestamp/Nonce/Signature/Serial
// over `timestamp\nnonce\nbody\n`, signed SHA256withRSA with either the WeChat Pay public-key pair (serial
// PUB_KEY_ID_…) or the legacy platform certificate (serial = certificate serial) (§2.4). Also AES-256-GCM
// for callback resources and /v3/certificates (§7.3, §2.5).
import { createCipheriv, randomBytes, randomInt, sign, type KeyObject } from "node:crypto";
import type { FakeKeys } from "./keys";

export type VerifyMode = "public-key" | "certificate" | "migration";

export interface Signer {
  serial: string;
  key: KeyObject;
  kind: "public-key" | "certificate";
}

export const SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048";
/** §2.6: probes start with this prefix and are deliberately invalid. */
export const SIGNATURE_PROBE_PREFIX = "WECHATPAY/SIGNTEST/";

export function publicKeySigner(keys: FakeKeys): Signer {
  return { serial: keys.wechatpayPublicKeyId, key: keys.wechatpayPrivateKey, kind: "public-key" };
}

export function certificateSigner(keys: FakeKeys): Signer {
  return { serial: keys.platformCertificateSerialNo, key: keys.platformPrivateKey, kind: "certificate" };
}

/**
 * §2.4: while migrating, an API response is signed with the public key when the request carried
 * `Wechatpay-Serial: PUB_KEY_ID_…` (exactly our key id), and with the certificate otherwise.
 */
export function responseSigner(mode: VerifyMode, keys: FakeKeys, requestSerial: string | undefined): Signer {
  if (mode === "public-key") return publicKeySigner(keys);
  if (mode === "certificate") return certificateSigner(keys);
  return requestSerial === keys.wechatpayPublicKeyId ? publicKeySigner(keys) : certificateSigner(keys);
}

/**
 * Callbacks in migration mode: real WeChat ramps the share signed with the public key up over days (§2.4).
 * The fake picks deterministically: delivery attempts alternate, even-numbered (0, 2, …) with the public key,
 * odd-numbered with the certificate, so a merchant that only configured one key fails within two attempts.
 */
export function notifySigner(mode: VerifyMode, keys: FakeKeys, deliveryCounter: number): Signer {
  if (mode === "public-key") return publicKeySigner(keys);
  if (mode === "certificate") return certificateSigner(keys);
  return deliveryCounter % 2 === 0 ? publicKeySigner(keys) : certificateSigner(keys);
}

const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export function randomAlnum(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

export function rsaSign(key: KeyObject, message: Buffer): string {
  return sign("sha256", message, key).toString("base64");
}

/** `timestamp\nnonce\nbody\n` as bytes (§2.2): body bytes are appended raw, never re-encoded. */
export function verificationMessage(timestamp: string, nonce: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, "utf8"), body, Buffer.from("\n", "utf8")]);
}

export type SignatureTamper = "bad_signature" | "stale_timestamp" | "signature_probe";

/** The Wechatpay-* headers for a body, optionally damaged the way an injected fault asks for. */
export function signatureHeaders(signer: Signer, body: Buffer, tamper?: SignatureTamper): Record<string, string> {
  const nowSec = Math.floor(Date.now() / 1000);
  // stale_timestamp: a correctly signed message whose timestamp is 10 minutes old, outside any ±5 min window (§2.3).
  const timestamp = String(tamper === "stale_timestamp" ? nowSec - 600 : nowSec);
  const nonce = randomHex(16).toUpperCase();
  let signature = rsaSign(signer.key, verificationMessage(timestamp, nonce, body));
  if (tamper === "bad_signature") {
    // Still valid base64 of the right length, but one byte flipped: only a real RSA verification notices.
    const raw = Buffer.from(signature, "base64");
    raw[10] = (raw[10] ?? 0) ^ 0x5a;
    signature = raw.toString("base64");
  } else if (tamper === "signature_probe") {
    signature = `${SIGNATURE_PROBE_PREFIX}${randomBytes(192).toString("base64")}`;
  }
  return {
    "Wechatpay-Timestamp": timestamp,
    "Wechatpay-Nonce": nonce,
    "Wechatpay-Signature": signature,
    "Wechatpay-Serial": signer.serial,
    "Wechatpay-Signature-Type": SIGNATURE_TYPE,
  };
}

/** AEAD_AES_256_GCM as WeChat uses it (§7.3): nonce = 12 ASCII chars used as raw IV bytes, output base64(ciphertext‖tag). */
export function aesGcmEncrypt(apiV3Key: Buffer, nonce: string, associatedData: string, plaintext: string): string {
  const cipher = createCipheriv("aes-256-gcm", apiV3Key, Buffer.from(nonce, "utf8"));
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([ct, cipher.getAuthTag()]).toString("base64");
}
