import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto";
import { WechatPayConfigError } from "./errors";

export const AUTHORIZATION_SCHEMA = "WECHATPAY2-SHA256-RSA2048";

const NONCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Random bytes are drawn from a pooled CSPRNG buffer (as crypto.randomUUID does) so a nonce costs no syscall.
let pool = Buffer.alloc(0);
let poolPos = 0;
function randomByte(): number {
  if (poolPos >= pool.length) {
    pool = randomBytes(4096);
    poolPos = 0;
  }
  return pool[poolPos++]!;
}

/** 32 chars of [0-9A-Za-z], like the official SDKs (§1.1 line 4). */
export function generateNonce(length = 32): string {
  let out = "";
  while (out.length < length) {
    const b = randomByte();
    // 248 = 4 × 62: rejecting bytes ≥ 248 keeps the distribution uniform.
    if (b < 248) out += NONCE_ALPHABET[b % 62];
  }
  return out;
}

/**
 * The five-line request message (§1.1). Every line ends with "\n", the last one too, so a bodiless request
 * ends with "\n\n". `canonicalUrl` must be the path+query exactly as it goes on the wire.
 */
export function buildRequestMessage(method: string, canonicalUrl: string, timestamp: string | number, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${canonicalUrl}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** SHA256withRSA (RSASSA-PKCS1-v1_5 + SHA-256), standard Base64 (§1.2). */
export function signMessage(privateKey: KeyObject, message: string | Buffer): string {
  return sign("sha256", typeof message === "string" ? Buffer.from(message, "utf8") : message, privateKey).toString("base64");
}

export interface AuthorizationParts {
  mchid: string;
  nonce: string;
  timestamp: string | number;
  serialNo: string;
  signature: string;
}

/** `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"` (Go SDK order; order is free, §1.3). */
export function formatAuthorization(p: AuthorizationParts): string {
  return (
    `${AUTHORIZATION_SCHEMA} mchid="${p.mchid}",nonce_str="${p.nonce}",timestamp="${p.timestamp}",` +
    `serial_no="${p.serialNo}",signature="${p.signature}"`
  );
}

/** Env files often carry PEMs with literal "\n"; accept both. */
function normalizePem(pem: string): string {
  return pem.includes("\\n") ? pem.replace(/\\n/g, "\n") : pem;
}

/** Parse once at construction: re-parsing a PEM costs more than the RSA operation it feeds. */
export function loadPrivateKey(key: string | KeyObject, field = "merchantPrivateKey"): KeyObject {
  if (typeof key !== "string") {
    if (key.type !== "private") throw new WechatPayConfigError(field, "expected a private KeyObject");
    return key;
  }
  try {
    // createPrivateKey reads both PKCS#8 ("BEGIN PRIVATE KEY") and PKCS#1 ("BEGIN RSA PRIVATE KEY").
    const k = createPrivateKey({ key: normalizePem(key), format: "pem" });
    if (k.asymmetricKeyType !== "rsa") throw new Error("not an RSA key");
    return k;
  } catch {
    // Deliberately no cause/PEM in the message: it would end up in logs.
    throw new WechatPayConfigError(field, "could not parse the RSA private key PEM");
  }
}

export function loadPublicKey(key: string | KeyObject, field = "publicKey.key"): KeyObject {
  if (typeof key !== "string") {
    if (key.type === "private") return createPublicKey(key);
    return key;
  }
  try {
    // Accepts "BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY" and "BEGIN CERTIFICATE".
    return createPublicKey({ key: normalizePem(key), format: "pem" });
  } catch {
    throw new WechatPayConfigError(field, "could not parse the public key PEM");
  }
}

export interface SignedRequest {
  authorization: string;
  timestamp: string;
  nonce: string;
  signature: string;
  message: string;
}

export interface RequestSignerOptions {
  mchid: string;
  serialNo: string;
  privateKey: string | KeyObject;
  /** ms clock; injectable for tests. */
  now?: () => number;
}

/** Holds the parsed merchant key so each request only pays for the RSA signature. */
export class RequestSigner {
  private readonly key: KeyObject;
  private readonly mchid: string;
  private readonly serialNo: string;
  private readonly now: () => number;

  constructor(opts: RequestSignerOptions) {
    this.key = loadPrivateKey(opts.privateKey);
    this.mchid = opts.mchid;
    this.serialNo = opts.serialNo;
    this.now = opts.now ?? Date.now;
  }

  sign(method: string, canonicalUrl: string, body: string, fixed?: { timestamp?: string; nonce?: string }): SignedRequest {
    const timestamp = fixed?.timestamp ?? String(Math.floor(this.now() / 1000));
    const nonce = fixed?.nonce ?? generateNonce();
    const message = buildRequestMessage(method, canonicalUrl, timestamp, nonce, body);
    const signature = signMessage(this.key, message);
    return {
      authorization: formatAuthorization({ mchid: this.mchid, nonce, timestamp, serialNo: this.serialNo, signature }),
      timestamp,
      nonce,
      signature,
      message,
    };
  }
}
