// Loads the TEST-ONLY identities from tests/fixtures/keys (see its README). Everything the fake knows about
// "who exists" (merchant numbers, appid, serials, sub-merchants) comes from keys.json, so the app's env and the
// fake can never drift apart silently.
import fs from "node:fs";
import path from "node:path";
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";

export interface SubMerchant {
  storeId: string;
  /** 特约商户号 used in partner (服务商) mode. */
  subMchid: string;
  /** The store's own mchid used as a direct-mode (普通商户) participant. */
  mchid: string;
}

/** A merchant that may call the API: whose Authorization the fake can verify. */
export interface MerchantIdentity {
  mchid: string;
  /** serial_no of the merchant API certificate, compared exactly (uppercase hex). */
  serialNo: string;
  publicKey: KeyObject;
}

export interface FakeKeys {
  combineMchid: string;
  combineAppid: string;
  /**
   * The service provider's verified 服务号 (公众号): the only appid JSAPI combine prepay accepts as combine_appid and
   * the appid of the fake OAuth, with its AppSecret. Bound to combineMchid like combineAppid.
   */
  mpAppid: string;
  mpAppSecret: string;
  merchantSerialNo: string;
  wechatpayPublicKeyId: string;
  platformCertificateSerialNo: string;
  subMerchants: SubMerchant[];
  apiV3Key: Buffer;
  merchantPublicKey: KeyObject;
  wechatpayPrivateKey: KeyObject;
  platformPrivateKey: KeyObject;
  platformCertificatePem: string;
  platformCertificate: X509Certificate;
}

export const defaultKeysDir = path.resolve(import.meta.dirname, "../fixtures/keys");

interface KeysJson {
  combineMchid: string;
  combineAppid: string;
  mpAppid: string;
  mpAppSecret: string;
  merchantSerialNo: string;
  wechatpayPublicKeyId: string;
  platformCertificateSerialNo: string;
  apiV3KeyFile?: string;
  subMerchants: SubMerchant[];
}

export function loadKeys(dir: string = defaultKeysDir): FakeKeys {
  const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
  const json = JSON.parse(read("keys.json")) as KeysJson;
  for (const field of [
    "combineMchid",
    "combineAppid",
    "mpAppid",
    "mpAppSecret",
    "merchantSerialNo",
    "wechatpayPublicKeyId",
    "platformCertificateSerialNo",
  ] as const) {
    if (typeof json[field] !== "string" || json[field] === "") throw new Error(`keys.json: ${field} missing in ${dir}`);
  }
  // The key file has no newline by contract; trim defensively so an editor's trailing newline does not change the AES key.
  const apiV3Key = Buffer.from(read(json.apiV3KeyFile ?? "apiv3-key.txt").trim(), "utf8");
  if (apiV3Key.length !== 32) throw new Error(`apiv3 key must be 32 bytes (AES-256-GCM, §7.3), got ${apiV3Key.length}`);
  const platformCertificatePem = read("platform-certificate.pem");
  const platformCertificate = new X509Certificate(platformCertificatePem);
  if (platformCertificate.serialNumber.toUpperCase() !== json.platformCertificateSerialNo.toUpperCase()) {
    throw new Error("platform-certificate.pem serial does not match keys.json platformCertificateSerialNo");
  }
  return {
    combineMchid: json.combineMchid,
    combineAppid: json.combineAppid,
    mpAppid: json.mpAppid,
    mpAppSecret: json.mpAppSecret,
    merchantSerialNo: json.merchantSerialNo,
    wechatpayPublicKeyId: json.wechatpayPublicKeyId,
    platformCertificateSerialNo: json.platformCertificateSerialNo,
    subMerchants: json.subMerchants ?? [],
    apiV3Key,
    merchantPublicKey: createPublicKey(read("merchant-public-key.pem")),
    wechatpayPrivateKey: createPrivateKey(read("wechatpay-private-key.pem")),
    platformPrivateKey: createPrivateKey(read("platform-private-key.pem")),
    platformCertificatePem,
    platformCertificate,
  };
}
