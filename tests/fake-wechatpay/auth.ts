// Verifies the caller's Authorization header exactly as §1 describes. Every failure is `401 SIGN_ERROR` with a
// `detail` that says what was wrong and, for signature mismatches, what message the fake expected (§1.3
// `sign_information`), because "签名错误" alone is the most time-consuming error to debug.
import { verify } from "node:crypto";
import { ApiError } from "./errors";
import type { MerchantIdentity } from "./keys";

export const AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048";
const FIELDS = ["mchid", "nonce_str", "timestamp", "serial_no", "signature"] as const;
/** §2.3 / §13.10: the request window is undocumented; the fake uses the same ±300 s as response verification. */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export interface AuthRequest {
  method: string;
  /** The request target exactly as received (path + `?` + raw query). */
  url: string;
  authorization: string | undefined;
  body: Buffer;
}

function signError(issue: string, extra?: Record<string, unknown>): ApiError {
  return new ApiError(401, "SIGN_ERROR", "签名信息错误，验签失败", { location: "authorization", issue, ...extra });
}

/** `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n` (§1.1), body appended as raw bytes. */
export function requestSignMessage(method: string, url: string, timestamp: string, nonce: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${method}\n${url}\n${timestamp}\n${nonce}\n`, "utf8"), body, Buffer.from("\n", "utf8")]);
}

/**
 * Parses `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…`: exactly one space after the scheme, the five pairs in any order
 * (§1.3), joined by `,` without extra whitespace, no duplicates, no unknown keys.
 */
export function parseAuthorization(header: string): Record<(typeof FIELDS)[number], string> {
  const prefix = `${AUTH_SCHEME} `;
  if (!header.startsWith(prefix)) {
    const scheme = header.split(" ")[0] ?? "";
    throw signError(`Authorization scheme must be "${AUTH_SCHEME}" followed by one space, got "${scheme.slice(0, 40)}"`);
  }
  const rest = header.slice(prefix.length);
  const out: Partial<Record<string, string>> = {};
  const pair = /^([a-z_]+)="([^"]*)"(,|$)/;
  let s = rest;
  while (s.length > 0) {
    const m = pair.exec(s);
    if (!m) throw signError(`malformed Authorization parameters near: ${s.slice(0, 40)}`);
    const [, key = "", value = "", sep] = m;
    if (!(FIELDS as readonly string[]).includes(key)) throw signError(`unknown Authorization parameter "${key}"`);
    if (out[key] !== undefined) throw signError(`duplicate Authorization parameter "${key}"`);
    out[key] = value;
    s = s.slice(m[0].length);
    if (sep === "," && s.length === 0) throw signError("trailing comma in Authorization");
  }
  for (const f of FIELDS) if (!out[f]) throw signError(`Authorization parameter "${f}" is missing or empty`);
  return out as Record<(typeof FIELDS)[number], string>;
}

/** Returns the verified caller mchid or throws `401 SIGN_ERROR`. */
export function authenticate(
  req: AuthRequest,
  merchants: ReadonlyMap<string, MerchantIdentity>,
  nowSec = Math.floor(Date.now() / 1000),
): string {
  if (!req.authorization) throw signError("Authorization header is missing");
  const auth = parseAuthorization(req.authorization);
  const merchant = merchants.get(auth.mchid);
  if (!merchant) throw signError(`mchid ${auth.mchid} is unknown to this service`);
  if (auth.serial_no !== merchant.serialNo) {
    throw signError(`serial_no ${auth.serial_no} is not the API certificate serial of merchant ${auth.mchid}`);
  }
  if (!/^\d{1,20}$/.test(auth.timestamp)) throw signError("timestamp must be Unix time in seconds (decimal digits)");
  const skew = Math.abs(nowSec - Number(auth.timestamp));
  if (skew > MAX_CLOCK_SKEW_SECONDS) {
    const hint = auth.timestamp.length >= 13 ? "; it looks like milliseconds, the protocol wants seconds" : "";
    throw signError(`timestamp ${auth.timestamp} is ${skew}s away from server time ${nowSec} (allowed ±${MAX_CLOCK_SKEW_SECONDS}s)${hint}`);
  }
  if (auth.nonce_str.length > 32) throw signError("nonce_str is longer than 32 characters");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(auth.signature)) throw signError("signature is not standard Base64");
  const message = requestSignMessage(req.method, req.url, auth.timestamp, auth.nonce_str, req.body);
  const ok = verify("sha256", message, merchant.publicKey, Buffer.from(auth.signature, "base64"));
  if (!ok) {
    const text = message.toString("utf8");
    throw signError("signature does not verify against the merchant public key for the message below", {
      sign_information: {
        method: req.method,
        url: req.url,
        sign_message_length: message.length,
        truncated_sign_message: text.length > 160 ? `${text.slice(0, 160)}…` : text,
      },
    });
  }
  return auth.mchid;
}
