// The APIv3 pipeline: User-Agent → Authorization (§1) → injected faults → route → signed response (§2).
import type { IncomingMessage, ServerResponse } from "node:http";
import { authenticate } from "./auth";
import { handleBillDownload, handleTradeBill } from "./bills";
import { handleCertificates, handleClose, handleJsapiPrepay, handlePrepay, handleQuery } from "./combine-api";
import { handleAbnormalRefund, handleRefundCreate, handleRefundQuery, refundCallSubjects } from "./refunds";
import type { ApiCall, ApiResult, FakeContext } from "./context";
import { ApiError, INTERNAL_CODES, makeRequestId } from "./errors";
import { REFUSALS, type ApiFault } from "./faults";
import { headerValue, readBody, send, splitTarget } from "./http-util";
import { responseSigner, signatureHeaders, type SignatureTamper } from "./signing";

type Handler = (ctx: FakeContext, call: ApiCall) => ApiResult;
const ROUTES: { method: string; re: RegExp; handler: Handler }[] = [
  { method: "POST", re: /^\/v3\/combine-transactions\/h5$/, handler: handlePrepay },
  { method: "POST", re: /^\/v3\/combine-transactions\/jsapi$/, handler: handleJsapiPrepay },
  { method: "GET", re: /^\/v3\/combine-transactions\/out-trade-no\/([^/]+)$/, handler: handleQuery },
  { method: "POST", re: /^\/v3\/combine-transactions\/out-trade-no\/([^/]+)\/close$/, handler: handleClose },
  { method: "GET", re: /^\/v3\/certificates$/, handler: handleCertificates },
  { method: "POST", re: /^\/v3\/refund\/domestic\/refunds$/, handler: handleRefundCreate },
  { method: "GET", re: /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/, handler: handleRefundQuery },
  { method: "POST", re: /^\/v3\/refund\/domestic\/refunds\/([^/]+)\/apply-abnormal-refund$/, handler: handleAbnormalRefund },
  { method: "GET", re: /^\/v3\/bill\/tradebill$/, handler: handleTradeBill },
  { method: "GET", re: /^\/v3\/billdownload\/file$/, handler: handleBillDownload },
];

const DEFAULT_DELAY_MS = 12_000; // past the client's default 10 s timeout

export class ApiHandler {
  /** Pending `delay` faults, released (not answered) by close(). */
  private readonly delays = new Set<() => void>();

  constructor(private readonly ctx: FakeContext) {}

  /** Calls per "mchid API" in the current real-clock second (maxQps); one entry per merchant and API, never per call. */
  private readonly rates = new Map<string, { second: number; count: number }>();

  resetRates(): void {
    this.rates.clear();
  }

  /**
   * WeChat limits each API per merchant number per second. Every authenticated call counts, refused ones
   * included (it reached the gateway); a call over the limit has no effect.
   */
  private overFrequencyLimit(mchid: string, method: string, rawPath: string): boolean {
    const max = this.ctx.maxQps;
    if (max === null) return false;
    const route = ROUTES.findIndex((r) => r.method === method && r.re.test(rawPath));
    const key = `${mchid} ${route}`;
    const second = Math.floor(Date.now() / 1000);
    const rate = this.rates.get(key);
    if (!rate || rate.second !== second) {
      this.rates.set(key, { second, count: 1 });
      return false;
    }
    rate.count += 1;
    return rate.count > max;
  }

  close(): void {
    for (const release of this.delays) release();
    this.delays.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.delays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      timer.unref();
      this.delays.add(release);
    });
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = this.ctx;
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const { rawPath, rawQuery } = splitTarget(url);
    let result: ApiResult;
    let callerMchid: string | undefined;
    let fault: ApiFault | undefined;
    let errorCode: string | undefined;
    let internalCode = 0;
    try {
      const body = await readBody(req);
      // §1.4: v3 may reject a request without User-Agent. The fake always does, before looking at the signature.
      if (!headerValue(req, "user-agent")) {
        throw new ApiError(400, "INVALID_REQUEST", "HTTP请求头缺少User-Agent", {
          location: "header",
          field: "User-Agent",
          issue: "User-Agent header is required",
        });
      }
      callerMchid = authenticate({ method, url, authorization: headerValue(req, "authorization"), body }, ctx.merchants);
      if (this.overFrequencyLimit(callerMchid, method, rawPath)) {
        throw new ApiError(429, "FREQUENCY_LIMITED", "请求频率超限，请降低请求频率");
      }
      fault = ctx.faults.takeApi(rawPath, body, refundCallSubjects(ctx, rawPath, body));
      if (fault?.kind === "system_error") throw new ApiError(500, "SYSTEM_ERROR", "系统异常，请稍后重试");
      if (fault?.kind === "rate_limit") throw new ApiError(429, "FREQUENCY_LIMITED", "请求频率超限，请降低请求频率");
      if (fault?.kind === "user_paying") throw new ApiError(202, "USER_PAYING", "用户支付中，请稍后查询");
      if (fault?.kind === "not_enough") throw new ApiError(403, "NOT_ENOUGH", "商户可用退款余额不足");
      if (fault?.kind === "refuse") {
        const code = fault.code ?? "NO_AUTH";
        throw new ApiError(REFUSALS[code].status, code, fault.message ?? REFUSALS[code].message);
      }
      result = this.route({ method, url, rawPath, rawQuery, params: [], headers: req.headers, body, callerMchid });
    } catch (err) {
      if (err instanceof ApiError) {
        result = { status: err.status, json: err.toBody() };
        errorCode = err.code;
        internalCode = err.requestIdCode;
      } else {
        ctx.log(`internal error on ${method} ${url}: ${(err as Error).stack ?? String(err)}`);
        result = { status: 500, json: { code: "SYSTEM_ERROR", message: "系统异常，请稍后重试" } };
        errorCode = "SYSTEM_ERROR";
        internalCode = INTERNAL_CODES.SYSTEM_ERROR ?? 1;
      }
    }

    if (fault?.kind === "delay") await this.sleep(fault.delayMs ?? DEFAULT_DELAY_MS);
    if (res.destroyed) return this.record(method, url, result.status, errorCode, "-", callerMchid, fault);

    const requestId = makeRequestId(internalCode);
    if ("unsigned" in result) {
      // §2.3 / §8.2: the bill stream carries no Wechatpay-* headers at all.
      send(res, result.status, { "Content-Type": result.unsigned.contentType, "Request-ID": requestId }, result.unsigned.body);
      return this.record(method, url, result.status, errorCode, requestId, callerMchid, fault);
    }
    let status = result.status;
    let body = result.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(result.json), "utf8");
    if (fault?.kind === "malformed_json") {
      // A 200 whose JSON is cut in half — and still correctly signed, so only JSON/schema validation catches it.
      const text = body.length > 0 ? body.toString("utf8") : '{"code":"SUCCESS","message":"ok"}';
      body = Buffer.from(text.slice(0, Math.max(1, Math.floor(text.length / 2))), "utf8");
      status = 200;
    }
    const tamper: SignatureTamper | undefined =
      fault?.kind === "bad_signature" || fault?.kind === "stale_timestamp" || fault?.kind === "signature_probe" ? fault.kind : undefined;
    const signer = responseSigner(ctx.mode, ctx.keys, headerValue(req, "wechatpay-serial"));
    const headers: Record<string, string> = { ...signatureHeaders(signer, body, tamper), "Request-ID": requestId };
    if (body.length > 0) headers["Content-Type"] = "application/json; charset=utf-8";
    send(res, status, headers, body);
    this.record(method, url, status, errorCode, requestId, callerMchid, fault);
  }

  private route(call: ApiCall): ApiResult {
    let pathMatched = false;
    for (const r of ROUTES) {
      const m = r.re.exec(call.rawPath);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== call.method) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p ?? ""));
      } catch {
        throw new ApiError(400, "PARAM_ERROR", "参数错误", { location: "path", issue: "path parameter is not valid percent-encoding" });
      }
      return r.handler(this.ctx, { ...call, params });
    }
    if (pathMatched) throw new ApiError(405, "METHOD_NOT_ALLOWED", `不支持的请求方法 ${call.method}`);
    throw new ApiError(404, "NOT_FOUND", "请求的资源不存在");
  }

  private record(
    method: string,
    path: string,
    status: number,
    code: string | undefined,
    requestId: string,
    mchid: string | undefined,
    fault: ApiFault | undefined,
  ): void {
    this.ctx.store.requests.push({
      method,
      path,
      status,
      ...(code ? { code } : {}),
      requestId,
      ...(mchid ? { mchid } : {}),
      ...(fault ? { fault: fault.kind } : {}),
      at: new Date().toISOString(),
    });
    this.ctx.log(`${method} ${path} → ${status}${code ? ` ${code}` : ""}${fault ? ` [fault ${fault.kind}]` : ""}`);
  }
}
