import { verify as rsaVerify, X509Certificate, type KeyObject } from "node:crypto";
import { WechatPaySignatureError } from "./errors";
import { loadPublicKey } from "./signing";

/** §2.3: accept |now − ts| < 300 s, reject at 300 s and beyond (Go/Java SDK boundary). */
export const MAX_CLOCK_SKEW_SECONDS = 300;
export const SIGNATURE_PROBE_PREFIX = "WECHATPAY/SIGNTEST/";
export const SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048";
export const PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_";

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;

/**
 * Case-insensitive header read over either a fetch `Headers` or a plain object (node:http style). Pass the name in
 * lowercase for the fast path: Node lowercases incoming header names, so the first lookup usually hits.
 */
export function getHeader(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  let v = headers[name];
  if (v === undefined) {
    const lower = name.toLowerCase();
    v = headers[lower];
    if (v === undefined) {
      for (const k of Object.keys(headers)) {
        if (k.toLowerCase() === lower) {
          v = headers[k];
          break;
        }
      }
    }
  }
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Where verification keys come from. `getKey` may refresh (certificate mode); `preferredSerial` is the value we send as
 * `Wechatpay-Serial`, which also decides which key WeChat signs the response with while migrating (§2.4).
 */
export interface WechatPayVerifier {
  getKey(serial: string): KeyObject | undefined | Promise<KeyObject | undefined>;
  preferredSerial(): string | undefined | Promise<string | undefined>;
}

/** Public-key mode (微信支付公钥): one key, known by its PUB_KEY_ID_… id. Unknown serial = fail, nothing to refresh. */
export class PublicKeyVerifier implements WechatPayVerifier {
  readonly id: string;
  private readonly key: KeyObject;

  constructor(id: string, key: string | KeyObject) {
    this.id = id;
    this.key = loadPublicKey(key);
  }

  getKey(serial: string): KeyObject | undefined {
    return serial === this.id ? this.key : undefined;
  }

  preferredSerial(): string {
    return this.id;
  }
}

/**
 * Migration from platform certificates to the public key (Go's SHA256WithRSACombinedVerifier): choose by the
 * message's Wechatpay-Serial. The first verifier that knows the serial wins; the first preferred serial is sent.
 */
export class CombinedVerifier implements WechatPayVerifier {
  constructor(private readonly verifiers: readonly WechatPayVerifier[]) {}

  async getKey(serial: string): Promise<KeyObject | undefined> {
    for (const v of this.verifiers) {
      const k = await v.getKey(serial);
      if (k) return k;
    }
    return undefined;
  }

  async preferredSerial(): Promise<string | undefined> {
    for (const v of this.verifiers) {
      const s = await v.preferredSerial();
      if (s) return s;
    }
    return undefined;
  }
}

/** Certificate serials are hex; WeChat sends them uppercase without leading zeros, Node may differ. */
export function normalizeSerial(serial: string): string {
  return serial.toUpperCase().replace(/^0+(?=.)/, "");
}

export interface PlatformCertificate {
  serialNo: string;
  publicKey: KeyObject;
  /** ms since epoch */
  effectiveTime: number;
  /** ms since epoch */
  expireTime: number;
}

/** Reads a decrypted platform certificate PEM and checks its X.509 serial equals the announced serial_no (§2.5). */
export function parsePlatformCertificate(pem: string, announcedSerial: string): PlatformCertificate {
  const cert = new X509Certificate(pem);
  if (normalizeSerial(cert.serialNumber) !== normalizeSerial(announcedSerial)) {
    throw new Error(`certificate serial ${cert.serialNumber} does not match serial_no ${announcedSerial}`);
  }
  return {
    serialNo: normalizeSerial(announcedSerial),
    publicKey: cert.publicKey,
    effectiveTime: Date.parse(cert.validFrom),
    expireTime: Date.parse(cert.validTo),
  };
}

export interface PlatformCertificateStoreOptions {
  /** Downloads, decrypts and authenticates the current list. Throwing (404, network, bad signature) keeps the old cache. */
  download: () => Promise<PlatformCertificate[]>;
  now?: () => number;
  /** Periodic refresh; default 12 h (the Go SDK uses 24 h; certificates rotate with overlap). */
  refreshIntervalMs?: number;
  /** At most one download per this interval, whatever triggers it (unknown serials are attacker-controlled). Default 60 s. */
  minRefreshIntervalMs?: number;
  onRefreshError?: (error: unknown) => void;
}

/**
 * Platform-certificate mode (平台证书). Lazily downloads on first use, refreshes when a message names an unknown
 * serial (rate-limited) and when the cache is older than refreshIntervalMs. A failing or empty download never throws
 * out of here: it just leaves the cache as it was, and an unknown serial then fails verification.
 */
export class PlatformCertificateStore implements WechatPayVerifier {
  private readonly certs = new Map<string, PlatformCertificate>();
  private readonly downloadFn: () => Promise<PlatformCertificate[]>;
  private readonly now: () => number;
  private readonly refreshIntervalMs: number;
  private readonly minRefreshIntervalMs: number;
  private readonly onRefreshError: ((error: unknown) => void) | undefined;
  private lastAttemptAt: number | undefined;
  private lastSuccessAt: number | undefined;
  private inflight: Promise<void> | undefined;
  /** Last download failure, for diagnostics. */
  lastError: unknown;
  downloadCount = 0;

  constructor(opts: PlatformCertificateStoreOptions) {
    this.downloadFn = opts.download;
    this.now = opts.now ?? Date.now;
    this.refreshIntervalMs = opts.refreshIntervalMs ?? 12 * 60 * 60 * 1000;
    this.minRefreshIntervalMs = opts.minRefreshIntervalMs ?? 60_000;
    this.onRefreshError = opts.onRefreshError;
  }

  /** Serial → certificate currently trusted (read-only view, e.g. for the bootstrap check or diagnostics). */
  get certificates(): ReadonlyMap<string, PlatformCertificate> {
    return this.certs;
  }

  async getKey(serial: string): Promise<KeyObject | undefined> {
    // A public-key id is never a certificate serial: do not let such messages trigger downloads.
    if (serial.startsWith(PUBLIC_KEY_ID_PREFIX)) return undefined;
    await this.ensureFresh();
    const id = normalizeSerial(serial);
    let cert = this.certs.get(id);
    if (!cert && this.mayAttempt()) {
      await this.refresh();
      cert = this.certs.get(id);
    }
    return cert?.publicKey;
  }

  /** Newest certificate that is currently valid (falls back to the newest one at all). */
  async preferredSerial(): Promise<string | undefined> {
    await this.ensureFresh();
    return this.cachedPreferredSerial();
  }

  /** Same as preferredSerial() but never downloads (used for the /v3/certificates request itself). */
  cachedPreferredSerial(): string | undefined {
    const now = this.now();
    let best: PlatformCertificate | undefined;
    let bestValid = false;
    for (const c of this.certs.values()) {
      const valid = c.effectiveTime <= now && now < c.expireTime;
      if (!best || (valid && !bestValid) || (valid === bestValid && c.effectiveTime > best.effectiveTime)) {
        best = c;
        bestValid = valid;
      }
    }
    return best?.serialNo;
  }

  /** Download now (deduplicated with a download already running). Never rejects. */
  refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastAttemptAt = this.now();
    this.downloadCount++;
    this.inflight = (async () => {
      try {
        const list = await this.downloadFn();
        const now = this.now();
        // Merge rather than replace: an empty or partial answer must not drop keys that still sign live traffic.
        for (const c of list) this.certs.set(normalizeSerial(c.serialNo), c);
        for (const [serial, c] of this.certs) if (c.expireTime <= now) this.certs.delete(serial);
        this.lastSuccessAt = now;
        this.lastError = undefined;
      } catch (error) {
        this.lastError = error;
        try {
          this.onRefreshError?.(error);
        } catch {
          // a failing logger must not break verification
        }
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  private mayAttempt(): boolean {
    return this.lastAttemptAt === undefined || this.now() - this.lastAttemptAt >= this.minRefreshIntervalMs;
  }

  private async ensureFresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    const stale = this.lastSuccessAt === undefined || this.now() - this.lastSuccessAt >= this.refreshIntervalMs;
    if (stale && this.mayAttempt()) await this.refresh();
  }
}

export interface VerifiedMessage {
  serial: string;
  timestamp: number;
  nonce: string;
}

export interface VerifySignatureInput {
  headers: HeaderBag;
  /** The raw body exactly as received (never re-serialised JSON). Empty for 204. */
  body: string | Uint8Array;
  verifier: WechatPayVerifier;
  /** ms */
  now: number;
  requestId?: string;
}

const NL = Buffer.from("\n");

function buildVerifyMessage(timestamp: string, nonce: string, body: string | Uint8Array): Buffer {
  if (typeof body === "string") return Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, "utf8");
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, "utf8"), body, NL]);
}

interface PendingVerification {
  serial: string;
  timestamp: string;
  ts: number;
  nonce: string;
  signature: string;
  body: string | Uint8Array;
  requestId: string | undefined;
}

// Module-level on purpose: no closure per call in the hot path (keeps the public-key path within ~2 % of a bare verify).
function finishVerification(m: PendingVerification, key: KeyObject | undefined): VerifiedMessage {
  const { serial, requestId } = m;
  if (!key)
    throw new WechatPaySignatureError("UNKNOWN_SERIAL", `no verification key for Wechatpay-Serial ${serial}`, { serial, requestId });
  const ok = rsaVerify("sha256", buildVerifyMessage(m.timestamp, m.nonce, m.body), key, Buffer.from(m.signature, "base64"));
  if (!ok) throw new WechatPaySignatureError("BAD_SIGNATURE", "signature does not match the message", { serial, requestId });
  return { serial, timestamp: m.ts, nonce: m.nonce };
}

function isPromiseLike<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}

function missing(name: string, requestId: string | undefined): WechatPaySignatureError {
  return new WechatPaySignatureError("MISSING_HEADER", `missing ${name} header`, { header: name, requestId });
}

/**
 * §2.2 verification of a response or callback: headers present → not a probe → fresh timestamp → known serial →
 * RSA-SHA256 over `ts\nnonce\nbody\n`. Rejects with WechatPaySignatureError and a distinct reason for each failure.
 * The checks before the key lookup are synchronous so the public-key path costs no more than the RSA verify itself.
 */
export function verifyWechatPaySignature(input: VerifySignatureInput): Promise<VerifiedMessage> {
  try {
    const { headers, requestId } = input;
    const timestamp = getHeader(headers, "wechatpay-timestamp");
    if (!timestamp) throw missing("Wechatpay-Timestamp", requestId);
    const nonce = getHeader(headers, "wechatpay-nonce");
    if (!nonce) throw missing("Wechatpay-Nonce", requestId);
    const signature = getHeader(headers, "wechatpay-signature");
    if (!signature) throw missing("Wechatpay-Signature", requestId);
    const serial = getHeader(headers, "wechatpay-serial");
    if (!serial) throw missing("Wechatpay-Serial", requestId);

    const signatureType = getHeader(headers, "wechatpay-signature-type");
    if (signatureType && signatureType !== SIGNATURE_TYPE) {
      throw new WechatPaySignatureError("UNSUPPORTED_SIGNATURE_TYPE", `unsupported Wechatpay-Signature-Type ${signatureType}`, {
        header: "Wechatpay-Signature-Type",
        serial,
        requestId,
      });
    }
    // §2.6: the probe is a deliberately bad signature; it would fail below anyway, but a distinct reason lets the
    // caller log it as "WeChat checked us" rather than "forgery".
    if (signature.startsWith(SIGNATURE_PROBE_PREFIX)) {
      throw new WechatPaySignatureError("SIGNATURE_PROBE", "signature probe (WECHATPAY/SIGNTEST/) rejected as required", {
        serial,
        requestId,
      });
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new WechatPaySignatureError("MALFORMED_HEADER", "Wechatpay-Timestamp is not a decimal number", {
        header: "Wechatpay-Timestamp",
        serial,
        requestId,
      });
    }
    const ts = Number(timestamp);
    const skew = Math.abs(input.now / 1000 - ts);
    if (!(skew < MAX_CLOCK_SKEW_SECONDS)) {
      throw new WechatPaySignatureError("STALE_TIMESTAMP", `Wechatpay-Timestamp is ${Math.round(skew)} s away from local time`, {
        serial,
        requestId,
      });
    }
    const msg: PendingVerification = { serial, timestamp, ts, nonce, signature, body: input.body, requestId };
    const key = input.verifier.getKey(serial);
    return isPromiseLike(key) ? key.then((k) => finishVerification(msg, k)) : Promise.resolve(finishVerification(msg, key));
  } catch (e) {
    return Promise.reject(e);
  }
}
