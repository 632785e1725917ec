import { ApiErrorResponseSchema } from "./schemas";
import { WechatPayApiError, WechatPayNetworkError, type WechatPayErrorDetail } from "./errors";
import type { RequestSigner } from "./signing";
import { getHeader, type HeaderBag } from "./verification";

export interface ResponseInfo {
  method: string;
  /** Signed path+query (no host). */
  path: string;
  status: number;
  requestId?: string;
  durationMs: number;
  attempt: number;
  /** The order or refund number the call is about (combine_out_trade_no, out_refund_no), when there is one. */
  ref?: string;
}

/** An attempt that got no answer (timeout, connection refused, reset): reported through onFailure. */
export interface FailureInfo {
  method: string;
  path: string;
  durationMs: number;
  attempt: number;
  timeout: boolean;
  /** The transport error, e.g. "connect ECONNREFUSED 127.0.0.1:3100" (never a header or body). */
  message: string;
  ref?: string;
}

/**
 * One HTTP exchange, all the client needs of an HTTP library: send these bytes, get the status, the headers and the
 * body's bytes. Redirects are not followed (a 3xx is an answer like any other); `signal` aborts the attempt (its
 * timeout). fetchSend adapts any `fetch`; a server may pass a cheaper one (lib/wechatpay-server.ts).
 */
export type HttpSend = (
  url: string,
  init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; signal: AbortSignal },
) => Promise<{ status: number; headers: HeaderBag; body: Buffer }>;

/** HttpSend over a `fetch` (the global one by default, or a test's). */
export function fetchSend(fetchImpl: typeof fetch): HttpSend {
  return async (url, init) => {
    const res = await fetchImpl(url, { ...init, redirect: "manual" });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
}

export interface TransportOptions {
  baseUrl: string;
  send: HttpSend;
  signer: RequestSigner;
  userAgent: string;
  /** Per attempt, covers connect + headers + body. */
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onResponse?: (info: ResponseInfo) => void;
  onFailure?: (info: FailureInfo) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface TransportRequest {
  method: "GET" | "POST";
  /** Path (+ query) under baseUrl, already percent-escaped: it is signed byte-for-byte. */
  path?: string;
  /** Absolute URL (bill download_url). Its path+query is signed; the request goes to the URL as given. */
  url?: string;
  /** JSON text, serialised once by the caller: these exact bytes are signed and sent. */
  body?: string;
  wechatpaySerial?: string;
  /**
   * Whether repeating this request after a network error or a retryable answer (5xx, 429) is safe: true for
   * every call but the abnormal refund (§14.3), which WeChat refuses once the first one was accepted.
   */
  idempotent: boolean;
  /** For logs only: the order or refund number this call is about (reported through onResponse/onFailure). */
  ref?: string;
}

export interface TransportResponse {
  status: number;
  headers: HeaderBag;
  body: Buffer;
  requestId?: string;
  /** The signed path+query, for error context. */
  path: string;
  attempts: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Like encodeURIComponent but also escapes !'()* so that the WHATWG URL parser inside fetch leaves the string
 * untouched: what we sign is then byte-identical to what goes on the wire (matches Go's url.PathEscape for order numbers).
 */
export function escapeComponent(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `?a=1&b=2` from defined values, in the given order; empty string when nothing is set. */
export function buildQuery(params: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined) parts.push(`${escapeComponent(k)}=${escapeComponent(v)}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

export function readRequestId(headers: HeaderBag): string | undefined {
  // Case-insensitive, which covers Request-ID / Request-Id / request-id (§1.5).
  return getHeader(headers, "request-id");
}

/** §9.1, lenient: non-JSON gateway pages and missing fields become code UNKNOWN. */
export function parseApiError(status: number, body: Buffer, requestId: string | undefined): WechatPayApiError {
  let code = "UNKNOWN";
  let message = `WeChat Pay answered HTTP ${status}`;
  let detail: WechatPayErrorDetail | undefined;
  const text = body.toString("utf8");
  if (text.trim().startsWith("{")) {
    try {
      const parsed = ApiErrorResponseSchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        if (parsed.data.code) code = parsed.data.code;
        if (parsed.data.message) message = parsed.data.message;
        if (parsed.data.detail) detail = parsed.data.detail as WechatPayErrorDetail;
      }
    } catch {
      // keep the generic values
    }
  }
  return new WechatPayApiError({ status, code, message, detail, requestId });
}

/** Signs, sends, times out, retries. Knows nothing about response signatures (the caller verifies 2xx bodies). */
export class Transport {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: TransportOptions) {
    const u = new URL(opts.baseUrl);
    this.origin = u.origin;
    this.basePath = u.pathname.replace(/\/+$/, "");
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
  }

  get baseOrigin(): string {
    return this.origin;
  }

  private target(req: TransportRequest): { url: string; canonical: string } {
    if (req.url !== undefined) {
      const u = new URL(req.url);
      return { url: req.url, canonical: u.pathname + u.search };
    }
    const canonical = this.basePath + (req.path ?? "/");
    return { url: this.origin + canonical, canonical };
  }

  private backoffMs(attempt: number, retryAfterHeader: string | null): number {
    const exp = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
    // "Equal jitter": spreads retries from many instances without ever dropping to zero.
    let delay = exp / 2 + (this.random() * exp) / 2;
    const retryAfter = retryAfterHeader !== null ? Number(retryAfterHeader) : NaN;
    if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, Math.min(retryAfter * 1000, this.opts.maxDelayMs));
    return delay;
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const { url, canonical } = this.target(req);
    const maxAttempts = Math.max(1, this.opts.maxAttempts);
    const body = req.body ?? "";
    // Whether an earlier attempt went unanswered or got a 5xx: WeChat may have acted on it, so a refusal of a later
    // attempt does not mean the request had no effect (§9.4). Carried on the error the caller finally gets. A GET
    // changes nothing at WeChat, so only writes can leave such a doubt.
    const writes = req.method !== "GET";
    let unknownBefore = false;
    for (let attempt = 1; ; attempt++) {
      // Re-signed per attempt (fresh timestamp/nonce); the body bytes stay identical, which is what makes
      // re-sending a prepay safe (§3.3 idempotent re-entry).
      const signed = this.opts.signer.sign(req.method, canonical, body);
      const headers: Record<string, string> = {
        Authorization: signed.authorization,
        Accept: "application/json",
        "User-Agent": this.opts.userAgent,
      };
      if (req.body !== undefined) headers["Content-Type"] = "application/json";
      if (req.wechatpaySerial) headers["Wechatpay-Serial"] = req.wechatpaySerial;

      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.opts.timeoutMs);
      const started = performance.now();
      let res: Awaited<ReturnType<HttpSend>>;
      try {
        res = await this.opts.send(url, {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          signal: controller.signal,
        });
      } catch (cause) {
        clearTimeout(timer);
        this.reportFailure({
          method: req.method,
          path: redactToken(stripQuery(canonical)),
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          attempt,
          timeout: timedOut,
          message: timedOut ? `timed out after ${this.opts.timeoutMs} ms` : describe(cause),
          ...(req.ref !== undefined ? { ref: req.ref } : {}),
        });
        if (req.idempotent && attempt < maxAttempts) {
          unknownBefore = writes;
          await this.sleep(this.backoffMs(attempt, null));
          continue;
        }
        throw new WechatPayNetworkError(
          timedOut
            ? `${req.method} ${stripQuery(canonical)} timed out after ${this.opts.timeoutMs} ms`
            : `${req.method} ${stripQuery(canonical)} failed: ${describe(cause)}`,
          { timeout: timedOut, attempts: attempt, cause },
        );
      }
      clearTimeout(timer);
      const requestId = readRequestId(res.headers);
      this.report({
        method: req.method,
        path: redactToken(canonical),
        status: res.status,
        requestId,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        attempt,
        ...(req.ref !== undefined ? { ref: req.ref } : {}),
      });

      if (res.status >= 200 && res.status < 300) {
        return { status: res.status, headers: res.headers, body: res.body, requestId, path: canonical, attempts: attempt };
      }
      const error = parseApiError(res.status, res.body, requestId);
      error.afterUnknownAttempt = unknownBefore;
      if (error.retryable && req.idempotent && attempt < maxAttempts) {
        // A 429 is refused before any effect; a 5xx may have had one.
        if (res.status >= 500) unknownBefore = writes;
        await this.sleep(this.backoffMs(attempt, getHeader(res.headers, "retry-after") ?? null));
        continue;
      }
      throw error;
    }
  }

  private report(info: ResponseInfo): void {
    if (!this.opts.onResponse) return;
    try {
      this.opts.onResponse(info);
    } catch {
      // logging must never change the outcome of a payment call
    }
  }

  private reportFailure(info: FailureInfo): void {
    if (!this.opts.onFailure) return;
    try {
      this.opts.onFailure(info);
    } catch {
      // same: a logging hook never changes the outcome
    }
  }
}

/** The bill download token is a (short-lived) credential: keep it out of logs. */
function redactToken(path: string): string {
  return path.replace(/([?&]token=)[^&]*/g, "$1***");
}

/** Bill download tokens live in the query: keep them out of error messages. */
function stripQuery(path: string): string {
  const i = path.indexOf("?");
  return i === -1 ? path : path.slice(0, i);
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = (cause as Error & { cause?: unknown }).cause;
    const code = inner && typeof inner === "object" && "code" in inner ? String((inner as { code: unknown }).code) : undefined;
    return code ? `${cause.message} (${code})` : cause.message;
  }
  return String(cause);
}
