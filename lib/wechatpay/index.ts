// Public surface of the WeChat Pay APIv3 combine-payment client. Framework-free: node:* and zod only.
export { createWechatPayClient, stripNullish } from "./client";
export type { WechatPayClient, WechatPayClientConfig, TradeBillQuery, WithRequestId } from "./client";
export { deriveCombineState } from "./state";
export type { CombineState } from "./state";
export * from "./errors";
export * from "./schemas";
export {
  AUTHORIZATION_SCHEMA,
  RequestSigner,
  buildRequestMessage,
  formatAuthorization,
  generateNonce,
  loadPrivateKey,
  loadPublicKey,
  signMessage,
} from "./signing";
export type { AuthorizationParts, SignedRequest, RequestSignerOptions } from "./signing";
export {
  CombinedVerifier,
  MAX_CLOCK_SKEW_SECONDS,
  PUBLIC_KEY_ID_PREFIX,
  PlatformCertificateStore,
  PublicKeyVerifier,
  SIGNATURE_PROBE_PREFIX,
  getHeader,
  normalizeSerial,
  parsePlatformCertificate,
  verifyWechatPaySignature,
} from "./verification";
export type { HeaderBag, PlatformCertificate, VerifiedMessage, WechatPayVerifier } from "./verification";
export { AEAD_ALGORITHM, ApiV3Decryptor, decryptAeadAes256Gcm } from "./aead";
export { COMBINE_PAYMENT_EVENT, REFUND_EVENTS, isRefundEvent, parseCombineNotification } from "./notification";
export type { CombineNotification } from "./notification";
export { checkDownloadUrl, decompressBill, verifyBillHash } from "./bill";
export { buildQuery, escapeComponent } from "./http";
export type { FailureInfo, HttpSend, ResponseInfo } from "./http";
export { buildJsapiPayParams, buildJsapiPaySignMessage } from "./jsapi";
export type { BuildJsapiPayParamsInput, JsapiPayParams } from "./jsapi";
export {
  buildOauthAuthorizeUrl,
  exchangeOauthCode,
  OAUTH_DEFAULT_TIMEOUT_MS,
  OAUTH_ERRCODES,
  OAUTH_MAX_RESPONSE_BYTES,
  WechatOauthError,
} from "./oauth";
export type { ExchangeOauthCodeInput, OauthAuthorizeUrlInput, OauthIdentity, WechatOauthFailure } from "./oauth";
