import type { KeyObject } from "node:crypto";
import { WechatPayValidationError } from "./errors";
import { generateNonce, loadPrivateKey, signMessage } from "./signing";

/**
 * The six fields the page hands to WeixinJSBridge.invoke('getBrandWCPayRequest', …) (docs/wechatpay.md "JSAPI"):
 * the casing is WeChat's (appId with a capital I, timeStamp as a string of seconds). `signType` is not signed.
 */
export interface JsapiPayParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: "RSA";
  paySign: string;
}

export interface BuildJsapiPayParamsInput {
  /** The combine_appid the prepay was made with (the 服务号): the bridge refuses any other. */
  appId: string;
  prepayId: string;
  /** The merchant API private key of the mchid that called prepay (the same key that signs requests). */
  privateKeyPem: string | KeyObject;
  /** Seconds since the epoch; default now. Milliseconds are refused (WeChat wants 10 digits). */
  timeStampSeconds?: number;
  /** Default: 32 characters of [0-9A-Za-z] from the CSPRNG. */
  nonceStr?: string;
}

/** The four signed lines, each ending in "\n" — the last one too. */
export function buildJsapiPaySignMessage(appId: string, timeStamp: string, nonceStr: string, pkg: string): string {
  return `${appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`;
}

function invalid(field: string, message: string): WechatPayValidationError {
  return new WechatPayValidationError("request", `invalid JSAPI pay parameters (${field}: ${message})`, [{ path: [field], message }]);
}

// A value with a newline would let one field forge the next line of the signed message.
const SAFE = /^[\x21-\x7e]+$/;

/**
 * Signs a prepay_id for the bridge: Base64(SHA256withRSA(merchant key, appId\ntimeStamp\nnonceStr\npackage\n)).
 * Pure apart from the clock and the nonce, so a re-tap within the prepay's life re-signs without calling WeChat.
 */
export function buildJsapiPayParams(input: BuildJsapiPayParamsInput): JsapiPayParams {
  const { appId, prepayId } = input;
  if (!SAFE.test(appId) || appId.length > 32) throw invalid("appId", "must be 1–32 printable ASCII characters");
  if (!SAFE.test(prepayId) || prepayId.length > 64) throw invalid("prepayId", "must be 1–64 printable ASCII characters");
  const seconds = input.timeStampSeconds ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds >= 1e10) {
    throw invalid("timeStampSeconds", "must be whole seconds since the epoch (10 digits), not milliseconds");
  }
  const nonceStr = input.nonceStr ?? generateNonce(32);
  if (!/^[0-9A-Za-z]{1,32}$/.test(nonceStr)) throw invalid("nonceStr", "must be 1–32 characters of [0-9A-Za-z]");
  const timeStamp = String(seconds);
  const pkg = `prepay_id=${prepayId}`;
  const key = loadPrivateKey(input.privateKeyPem, "privateKeyPem");
  const paySign = signMessage(key, buildJsapiPaySignMessage(appId, timeStamp, nonceStr, pkg));
  return { appId, timeStamp, nonceStr, package: pkg, signType: "RSA", paySign };
}
