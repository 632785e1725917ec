import type { KeyObject } from "node:crypto";
import type { ZodType } from "zod";
import { AEAD_ALGORITHM, ApiV3Decryptor } from "./aead";
import { checkDownloadUrl, decompressBill, downloadUrlImpliesGzip, verifyBillHash } from "./bill";
import {
  jsapiPayerProblemOf,
  WechatPayApiError,
  WechatPayConfigError,
  WechatPayDecryptError,
  WechatPayJsapiPayerError,
  WechatPayValidationError,
} from "./errors";
import {
  buildQuery,
  escapeComponent,
  fetchSend,
  parseApiError,
  Transport,
  type FailureInfo,
  type HttpSend,
  type ResponseInfo,
  type TransportRequest,
  type TransportResponse,
} from "./http";
import { parseCombineNotification, type CombineNotification } from "./notification";
import { parseResponseBody, parseWith } from "./response";
import {
  CertificatesResponseSchema,
  CombineCloseRequestSchema,
  CombineH5PrepayRequestSchema,
  CombineH5PrepayResponseSchema,
  CombineJsapiPrepayRequestSchema,
  CombineJsapiPrepayResponseSchema,
  CombineTransactionResponseSchema,
  AbnormalRefundRequestSchema,
  OutRefundNoSchema,
  RefundIdSchema,
  OutTradeNoSchema,
  RefundDirectRequestSchema,
  RefundPartnerRequestSchema,
  RefundResponseSchema,
  TradeBillRequestSchema,
  TradeBillResponseSchema,
  type CombineCloseRequest,
  type CombineH5PrepayMode,
  type CombineH5PrepayRequest,
  type CombineJsapiPrepayRequest,
  type CombineTransaction,
  type AbnormalRefundRequest,
  type RefundRequest,
  type RefundResponse,
  type TradeBillRequest,
  type TradeBillResponse,
} from "./schemas";
import { RequestSigner } from "./signing";
import {
  CombinedVerifier,
  normalizeSerial,
  parsePlatformCertificate,
  PlatformCertificateStore,
  PublicKeyVerifier,
  verifyWechatPaySignature,
  type HeaderBag,
  type PlatformCertificate,
  type VerifiedMessage,
  type WechatPayVerifier,
} from "./verification";

export interface WechatPayClientConfig {
  /** e.g. https://api.mch.weixin.qq.com: the only place the host is configured. */
  baseUrl: string;
  /** The caller = combine_mchid (the SP's mchid in partner mode). */
  mchid: string;
  /** Serial of the merchant API certificate (goes into Authorization serial_no). */
  merchantSerialNo: string;
  /** PEM (PKCS#8 or PKCS#1) or a KeyObject. Parsed once at construction. */
  merchantPrivateKey: string | KeyObject;
  /** Exactly 32 bytes, otherwise construction throws WechatPayConfigError. */
  apiV3Key: string;
  /** Public-key mode (微信支付公钥). */
  publicKey?: { id: string; key: string | KeyObject };
  /** Platform-certificate mode: download GET /v3/certificates. With publicKey too = migration mode. */
  platformCertificates?: { enabled: true; refreshIntervalMs?: number; minRefreshIntervalMs?: number };
  fetch?: typeof fetch;
  /** A cheaper HTTP exchange than `fetch` (see HttpSend); when given, `fetch` is not used. */
  send?: HttpSend;
  /** ms clock (signature timestamps and the ±300 s window). */
  now?: () => number;
  /** Per attempt; default 10 000. */
  timeoutMs?: number;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  userAgent?: string;
  /**
   * Told about every answer (each attempt): method, signed path (bill tokens masked), status, WeChat's Request-ID,
   * duration, attempt and `ref` (the combine_out_trade_no / out_refund_no the call is about). For logs.
   */
  onResponse?: (info: ResponseInfo) => void;
  /** Told about every attempt that got no answer (timeout, connection error), with the same fields but a message. */
  onFailure?: (info: FailureInfo) => void;
  /** Told when a /v3/certificates download fails (the client keeps working with what it has). */
  onCertificateRefreshError?: (error: unknown) => void;
}

export type WithRequestId<T> = T & { requestId?: string };

export interface TradeBillQuery {
  bill_date: string;
  bill_type?: "ALL" | "SUCCESS" | "REFUND";
  tar_type?: "GZIP";
  sub_mchid?: string;
}

export interface WechatPayClient {
  readonly mchid: string;
  /** POST /v3/combine-transactions/h5. Mode is taken from the request: sub_mchid on every sub-order = partner, on none = direct. */
  combineH5Prepay(req: CombineH5PrepayRequest): Promise<{ h5_url: string; requestId?: string }>;
  /**
   * POST /v3/combine-transactions/jsapi (inside WeChat): as H5 but with combine_payer_info.openid (obtained under
   * combine_appid) and no h5_info. The prepay_id lives 2 hours; sign it for the page with buildJsapiPayParams.
   * Refusals about the payer or appid throw WechatPayJsapiPayerError (a WechatPayApiError with `problem`).
   */
  combineJsapiPrepay(req: CombineJsapiPrepayRequest): Promise<{ prepay_id: string; requestId?: string }>;
  /** GET /v3/combine-transactions/out-trade-no/{no}. */
  combineQuery(combineOutTradeNo: string): Promise<WithRequestId<CombineTransaction>>;
  /** POST …/{no}/close → 204, or 400 ORDER_CLOSED → alreadyClosed. 202 USER_PAYING throws WechatPayApiError (query, then decide). */
  combineClose(combineOutTradeNo: string, body: CombineCloseRequest): Promise<{ alreadyClosed: boolean; requestId?: string }>;
  /** GET /v3/bill/tradebill. */
  applyTradeBill(q: TradeBillQuery): Promise<WithRequestId<TradeBillResponse>>;
  /** Signed GET of download_url, gunzip when GZIP, SHA-1 checked. Returns the decompressed file bytes. */
  downloadBill(bill: TradeBillResponse, opts?: { tarType?: "GZIP" }): Promise<Buffer & { requestId?: string }>;
  /**
   * POST /v3/refund/domestic/refunds (docs/wechatpay.md §14.1). Partner mode = `sub_mchid` present (required for
   * the SP: the sub-order's store); direct mode = absent. The body is serialised once, so a retry after a timeout
   * or SYSTEM_ERROR re-sends identical bytes under the same out_refund_no (§14.5). The answer only means accepted.
   */
  createRefund(req: RefundRequest): Promise<WithRequestId<RefundResponse>>;
  /** GET /v3/refund/domestic/refunds/{out_refund_no}[?sub_mchid=…] (§14.2; sub_mchid required in partner mode). */
  queryRefund(outRefundNo: string, opts?: { sub_mchid?: string }): Promise<WithRequestId<RefundResponse>>;
  /**
   * POST /v3/refund/domestic/refunds/{refund_id}/apply-abnormal-refund (§14.3): an ABNORMAL refund (the payer's
   * card cannot take it) goes to the merchant's bank account instead. Answers the refund (§14.1.3).
   */
  applyAbnormalRefund(refundId: string, req: AbnormalRefundRequest): Promise<WithRequestId<RefundResponse>>;
  /** verify → decrypt → validate a callback. Pass the raw body text exactly as received. */
  parseNotification(headers: HeaderBag, rawBody: string | Uint8Array): Promise<CombineNotification>;
  /** Verify any WeChat-signed message (response or callback) against the configured keys. */
  verifySignature(headers: HeaderBag, rawBody: string | Uint8Array): Promise<VerifiedMessage>;
  /** Certificate mode: force a /v3/certificates download now (rate limits still apply to automatic refreshes). */
  refreshPlatformCertificates(): Promise<void>;
}

/** Remove undefined and null keys recursively: WeChat forbids null, and JSON.stringify alone would keep null. */
export function stripNullish<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => stripNullish(v)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && v !== null) out[k] = stripNullish(v);
    return out as T;
  }
  return value;
}

function detectPrepayMode(req: unknown, what = "combine H5 prepay request"): CombineH5PrepayMode {
  const subs = (req as { sub_orders?: unknown } | null)?.sub_orders;
  if (!Array.isArray(subs) || subs.length === 0) return "direct";
  const withSub = subs.filter((s) => s && typeof s === "object" && "sub_mchid" in s).length;
  if (withSub === 0) return "direct";
  if (withSub === subs.length) return "partner";
  throw new WechatPayValidationError("request", `invalid ${what} (sub_orders: sub_mchid must be on every sub-order or on none)`, [
    { path: ["sub_orders"], message: "sub_mchid must be set on every sub-order (partner mode) or on none (direct mode)" },
  ]);
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new WechatPayConfigError(field, "must be a non-empty string");
  return value;
}

function positiveInt(value: number | undefined, field: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < min) throw new WechatPayConfigError(field, `must be a number ≥ ${min}`);
  return Math.floor(value);
}

class WechatPayClientImpl implements WechatPayClient {
  readonly mchid: string;
  private readonly now: () => number;
  private readonly transport: Transport;
  private readonly decryptor: ApiV3Decryptor;
  private readonly publicKeyVerifier: PublicKeyVerifier | undefined;
  private readonly certStore: PlatformCertificateStore | undefined;
  private readonly verifier: WechatPayVerifier;

  constructor(config: WechatPayClientConfig) {
    if (!config || typeof config !== "object") throw new WechatPayConfigError("config", "missing");
    let base: URL;
    try {
      base = new URL(requireString(config.baseUrl, "baseUrl"));
    } catch (e) {
      if (e instanceof WechatPayConfigError) throw e;
      throw new WechatPayConfigError("baseUrl", "must be an absolute http(s) URL");
    }
    if (base.protocol !== "https:" && base.protocol !== "http:") throw new WechatPayConfigError("baseUrl", "must be an http(s) URL");
    if (base.search || base.hash) throw new WechatPayConfigError("baseUrl", "must not contain a query or fragment");
    this.mchid = requireString(config.mchid, "mchid");
    const serialNo = requireString(config.merchantSerialNo, "merchantSerialNo");
    if (typeof config.apiV3Key !== "string") throw new WechatPayConfigError("apiV3Key", "must be a string");
    this.decryptor = new ApiV3Decryptor(config.apiV3Key);
    this.now = config.now ?? Date.now;

    const signer = new RequestSigner({ mchid: this.mchid, serialNo, privateKey: config.merchantPrivateKey, now: this.now });

    if (config.publicKey) {
      this.publicKeyVerifier = new PublicKeyVerifier(requireString(config.publicKey.id, "publicKey.id"), config.publicKey.key);
    }
    if (config.platformCertificates?.enabled) {
      const pc = config.platformCertificates;
      this.certStore = new PlatformCertificateStore({
        download: () => this.downloadPlatformCertificates(),
        now: this.now,
        refreshIntervalMs: positiveInt(pc.refreshIntervalMs, "platformCertificates.refreshIntervalMs", 12 * 60 * 60 * 1000),
        minRefreshIntervalMs: positiveInt(pc.minRefreshIntervalMs, "platformCertificates.minRefreshIntervalMs", 60_000, 0),
        onRefreshError: config.onCertificateRefreshError,
      });
    }
    const verifiers = [this.publicKeyVerifier, this.certStore].filter((v): v is NonNullable<typeof v> => v !== undefined);
    if (verifiers.length === 0) {
      throw new WechatPayConfigError("publicKey", "configure publicKey and/or platformCertificates to verify WeChat Pay signatures");
    }
    this.verifier = verifiers.length === 1 ? verifiers[0]! : new CombinedVerifier(verifiers);

    const fetchImpl = config.fetch ?? globalThis.fetch;
    if (!config.send && typeof fetchImpl !== "function") throw new WechatPayConfigError("fetch", "no fetch implementation available");
    this.transport = new Transport({
      baseUrl: base.href,
      send: config.send ?? fetchSend(fetchImpl),
      signer,
      userAgent: config.userAgent ?? `wechatpay-combine-checkout/0.1 (${process.platform}) Node/${process.versions.node}`,
      timeoutMs: positiveInt(config.timeoutMs, "timeoutMs", 10_000),
      maxAttempts: positiveInt(config.retry?.maxAttempts, "retry.maxAttempts", 3),
      baseDelayMs: positiveInt(config.retry?.baseDelayMs, "retry.baseDelayMs", 200, 0),
      maxDelayMs: positiveInt(config.retry?.maxDelayMs, "retry.maxDelayMs", 5_000, 0),
      onResponse: config.onResponse,
      onFailure: config.onFailure,
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------------------------

  /** Sends with Wechatpay-Serial set and verifies 2xx answers unless told not to (bill stream). */
  private async call(req: Omit<TransportRequest, "wechatpaySerial">, verify = true): Promise<TransportResponse> {
    const serial = await this.verifier.preferredSerial();
    const res = await this.transport.send({ ...req, ...(serial ? { wechatpaySerial: serial } : {}) });
    if (verify) {
      await verifyWechatPaySignature({
        headers: res.headers,
        body: res.body,
        verifier: this.verifier,
        now: this.now(),
        requestId: res.requestId,
      });
    }
    // 202 = accepted but not processed (close: USER_PAYING). It is signed like any 2xx, but it is not a success.
    if (res.status === 202) {
      const err = parseApiError(202, res.body, res.requestId);
      throw err.code === "UNKNOWN"
        ? new WechatPayApiError({ status: 202, code: "USER_PAYING", message: err.message, requestId: res.requestId })
        : err;
    }
    return res;
  }

  private async callJson<T>(req: Omit<TransportRequest, "wechatpaySerial">, schema: ZodType<T>, what: string) {
    const res = await this.call(req);
    return { data: parseResponseBody(schema, res.body, what, res.requestId), requestId: res.requestId };
  }

  /**
   * Certificate download. Bootstrap choice (same as wechatpay-go's downloader): the response is fetched unverified,
   * every entry is decrypted with the APIv3 key (which only WeChat and we hold) and its X.509 serial checked, and
   * only then is the response signature verified against the certificates it contains — plus any key we already
   * trust (cached certificates; the public key in migration mode, where WeChat signs with it).
   */
  private async downloadPlatformCertificates(): Promise<PlatformCertificate[]> {
    const serial = this.publicKeyVerifier?.id ?? this.certStore?.cachedPreferredSerial();
    const res = await this.transport.send({
      method: "GET",
      path: "/v3/certificates",
      idempotent: true,
      ...(serial ? { wechatpaySerial: serial } : {}),
    });
    const what = "GET /v3/certificates response";
    const parsed = parseResponseBody(CertificatesResponseSchema, res.body, what, res.requestId);
    const certs = parsed.data.map((entry) => {
      if (entry.encrypt_certificate.algorithm !== AEAD_ALGORITHM) {
        throw new WechatPayDecryptError("UNSUPPORTED_ALGORITHM", `certificate ${entry.serial_no}: unsupported algorithm`);
      }
      const pem = this.decryptor.decryptResource(entry.encrypt_certificate).toString("utf8");
      try {
        return parsePlatformCertificate(pem, entry.serial_no);
      } catch (cause) {
        throw new WechatPayValidationError(
          "response",
          `certificate ${entry.serial_no} is invalid`,
          [{ path: ["data"], message: String(cause) }],
          { cause, requestId: res.requestId },
        );
      }
    });
    const fresh = new Map(certs.map((c) => [c.serialNo, c.publicKey]));
    const known = this.certStore?.certificates;
    const bootstrap: WechatPayVerifier = {
      getKey: (s) => fresh.get(normalizeSerial(s)) ?? known?.get(normalizeSerial(s))?.publicKey ?? this.publicKeyVerifier?.getKey(s),
      preferredSerial: () => undefined,
    };
    await verifyWechatPaySignature({
      headers: res.headers,
      body: res.body,
      verifier: bootstrap,
      now: this.now(),
      requestId: res.requestId,
    });
    return certs;
  }

  // ---- API calls ---------------------------------------------------------------------------------------------

  async combineH5Prepay(req: CombineH5PrepayRequest): Promise<{ h5_url: string; requestId?: string }> {
    const input = stripNullish(req);
    const mode = detectPrepayMode(input);
    const parsed = parseWith(CombineH5PrepayRequestSchema(mode), input, "request", `combine H5 prepay request (${mode} mode)`);
    if (parsed.combine_mchid !== this.mchid) {
      throw new WechatPayValidationError("request", "invalid combine H5 prepay request (combine_mchid must be the calling mchid)", [
        { path: ["combine_mchid"], message: "must equal the client's mchid (the signer)" },
      ]);
    }
    // Serialised once: these bytes are signed and sent, and re-sent unchanged on retry (idempotent re-entry, §3.3).
    const body = JSON.stringify(parsed);
    const { data, requestId } = await this.callJson(
      { method: "POST", path: "/v3/combine-transactions/h5", body, idempotent: true, ref: parsed.combine_out_trade_no },
      CombineH5PrepayResponseSchema,
      "combine H5 prepay response",
    );
    return { h5_url: data.h5_url, requestId };
  }

  async combineJsapiPrepay(req: CombineJsapiPrepayRequest): Promise<{ prepay_id: string; requestId?: string }> {
    const input = stripNullish(req);
    const mode = detectPrepayMode(input, "combine JSAPI prepay request");
    const parsed = parseWith(CombineJsapiPrepayRequestSchema(mode), input, "request", `combine JSAPI prepay request (${mode} mode)`);
    if (parsed.combine_mchid !== this.mchid) {
      throw new WechatPayValidationError("request", "invalid combine JSAPI prepay request (combine_mchid must be the calling mchid)", [
        { path: ["combine_mchid"], message: "must equal the client's mchid (the signer)" },
      ]);
    }
    // Serialised once, like H5: a retry re-sends identical bytes (idempotent re-entry of the same combine number).
    const body = JSON.stringify(parsed);
    try {
      const { data, requestId } = await this.callJson(
        { method: "POST", path: "/v3/combine-transactions/jsapi", body, idempotent: true, ref: parsed.combine_out_trade_no },
        CombineJsapiPrepayResponseSchema,
        "combine JSAPI prepay response",
      );
      return { prepay_id: data.prepay_id, requestId };
    } catch (e) {
      const problem = e instanceof WechatPayApiError ? jsapiPayerProblemOf(e) : undefined;
      if (problem && e instanceof WechatPayApiError) throw new WechatPayJsapiPayerError(e, problem);
      throw e;
    }
  }

  private orderNo(no: string): string {
    return parseWith(OutTradeNoSchema, no, "request", "combine_out_trade_no");
  }

  async combineQuery(combineOutTradeNo: string): Promise<WithRequestId<CombineTransaction>> {
    const no = this.orderNo(combineOutTradeNo);
    const { data, requestId } = await this.callJson(
      { method: "GET", path: `/v3/combine-transactions/out-trade-no/${escapeComponent(no)}`, idempotent: true, ref: no },
      CombineTransactionResponseSchema,
      "combine query response",
    );
    return { ...data, requestId };
  }

  async combineClose(combineOutTradeNo: string, body: CombineCloseRequest): Promise<{ alreadyClosed: boolean; requestId?: string }> {
    const no = this.orderNo(combineOutTradeNo);
    const parsed = parseWith(CombineCloseRequestSchema, stripNullish(body), "request", "combine close request");
    parsed.sub_orders.forEach((s, i) => {
      if (s.sub_mchid !== undefined && s.mchid !== this.mchid) {
        throw new WechatPayValidationError("request", "invalid combine close request (partner sub-order mchid must be the calling mchid)", [
          { path: ["sub_orders", i, "mchid"], message: "must equal the client's mchid in partner mode" },
        ]);
      }
    });
    try {
      const res = await this.call({
        method: "POST",
        path: `/v3/combine-transactions/out-trade-no/${escapeComponent(no)}/close`,
        body: JSON.stringify(parsed),
        idempotent: true,
        ref: no,
      });
      return { alreadyClosed: false, requestId: res.requestId };
    } catch (e) {
      // §6: closing a closed order is success for us (e.g. our earlier attempt went through but the answer was lost).
      if (e instanceof WechatPayApiError && e.status >= 400 && e.status < 500 && e.is("ORDER_CLOSED")) {
        return { alreadyClosed: true, requestId: e.requestId };
      }
      throw e;
    }
  }

  async applyTradeBill(q: TradeBillQuery | TradeBillRequest): Promise<WithRequestId<TradeBillResponse>> {
    const p = parseWith(TradeBillRequestSchema, stripNullish(q), "request", "trade bill request");
    const query = buildQuery({ bill_date: p.bill_date, bill_type: p.bill_type, tar_type: p.tar_type, sub_mchid: p.sub_mchid });
    const { data, requestId } = await this.callJson(
      { method: "GET", path: `/v3/bill/tradebill${query}`, idempotent: true },
      TradeBillResponseSchema,
      "trade bill response",
    );
    return { ...data, requestId };
  }

  async downloadBill(bill: TradeBillResponse, opts?: { tarType?: "GZIP" }): Promise<Buffer & { requestId?: string }> {
    const b = parseWith(TradeBillResponseSchema, bill, "request", "trade bill descriptor");
    checkDownloadUrl(b.download_url, this.transport.baseOrigin);
    const gzip = opts?.tarType === "GZIP" || downloadUrlImpliesGzip(b.download_url);
    // The bill stream carries no Wechatpay-* headers (§2.3): integrity comes from the SHA-1 instead.
    const res = await this.call({ method: "GET", url: b.download_url, idempotent: true }, false);
    const content = await decompressBill(res.body, gzip, res.requestId);
    verifyBillHash(content, b.hash_type, b.hash_value, res.requestId);
    return Object.assign(content, { requestId: res.requestId });
  }

  async createRefund(req: RefundRequest): Promise<WithRequestId<RefundResponse>> {
    const input = stripNullish(req);
    const partner = typeof input === "object" && input !== null && "sub_mchid" in input;
    const parsed = parseWith(
      partner ? RefundPartnerRequestSchema : RefundDirectRequestSchema,
      input,
      "request",
      `refund request (${partner ? "partner" : "direct"} mode)`,
    );
    const body = JSON.stringify(parsed);
    const { data, requestId } = await this.callJson(
      { method: "POST", path: "/v3/refund/domestic/refunds", body, idempotent: true, ref: parsed.out_refund_no },
      RefundResponseSchema,
      "refund response",
    );
    return { ...data, requestId };
  }

  async applyAbnormalRefund(refundId: string, req: AbnormalRefundRequest): Promise<WithRequestId<RefundResponse>> {
    const id = parseWith(RefundIdSchema, refundId, "request", "refund_id");
    const parsed = parseWith(AbnormalRefundRequestSchema, stripNullish(req), "request", "abnormal refund request");
    const body = JSON.stringify(parsed);
    const { data, requestId } = await this.callJson(
      {
        method: "POST",
        path: `/v3/refund/domestic/refunds/${escapeComponent(id)}/apply-abnormal-refund`,
        body,
        idempotent: false,
        ref: parsed.out_refund_no,
      },
      RefundResponseSchema,
      "abnormal refund response",
    );
    return { ...data, requestId };
  }

  async queryRefund(outRefundNo: string, opts?: { sub_mchid?: string }): Promise<WithRequestId<RefundResponse>> {
    const no = parseWith(OutRefundNoSchema, outRefundNo, "request", "out_refund_no");
    const query = buildQuery({ sub_mchid: opts?.sub_mchid });
    const { data, requestId } = await this.callJson(
      { method: "GET", path: `/v3/refund/domestic/refunds/${escapeComponent(no)}${query}`, idempotent: true, ref: no },
      RefundResponseSchema,
      "refund query response",
    );
    return { ...data, requestId };
  }

  parseNotification(headers: HeaderBag, rawBody: string | Uint8Array): Promise<CombineNotification> {
    return parseCombineNotification({ verifier: this.verifier, decryptor: this.decryptor, now: this.now }, headers, rawBody);
  }

  verifySignature(headers: HeaderBag, rawBody: string | Uint8Array): Promise<VerifiedMessage> {
    return verifyWechatPaySignature({ headers, body: rawBody, verifier: this.verifier, now: this.now() });
  }

  async refreshPlatformCertificates(): Promise<void> {
    await this.certStore?.refresh();
  }
}

export function createWechatPayClient(config: WechatPayClientConfig): WechatPayClient {
  return new WechatPayClientImpl(config);
}
