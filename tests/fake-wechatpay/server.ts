// A faithful local fake of WeChat Pay APIv3 combine H5 payment (TEST ONLY). See README.md for what it emulates,
// the rule → reference-section map, and what it deliberately does not emulate.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { KeyObject } from "node:crypto";
import { createPublicKey } from "node:crypto";
import { ApiHandler } from "./api";
import { BillOverrides } from "./bill-overrides";
import { handleBridge, isBridgePath } from "./bridge";
import { CASHIER_CONFIRM_PATH, CASHIER_PATH, handleCashier } from "./cashier";
import type { FakeContext } from "./context";
import { handleControl } from "./control";
import { Faults } from "./faults";
import { sendJson, splitTarget } from "./http-util";
import { defaultKeysDir, loadKeys, type MerchantIdentity } from "./keys";
import { Notifier } from "./notifier";
import { handleOauth, isOauthPath } from "./oauth";
import { DEFAULT_WECHAT_USER, FakeOauth } from "./oauth-codes";
import type { VerifyMode } from "./signing";
import { DEFAULT_REFUND_DELAY_MS, DEFAULT_REFUND_MIN_INTERVAL_SECONDS } from "./refunds";
import { FakeStore } from "./store";
import { BusinessClock } from "./time";

export interface FakeWechatPayOptions {
  /** Default 3100; 0 = a random free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default tests/fixtures/keys. */
  keysDir?: string;
  /** How it SIGNS responses and notifications (§2.4); default public-key. */
  verifyMode?: VerifyMode;
  /** Hostnames allowed as Referer / redirect_url host (the merchant's configured H5 domains, §4). */
  h5Domains?: string[];
  /** 1 = WeChat's real notification retry schedule (§7.6); tests use e.g. 0.001. */
  notifyTimeScale?: number;
  /** What h5_url and download_url start with; default http://<host>:<port>. */
  publicBaseUrl?: string;
  log?: (line: string) => void;
  // ---- additions beyond the team contract ----
  /** How long the fake waits for the merchant's notification reply (§7.5: 5 s). */
  notifyTimeoutMs?: number;
  /**
   * More merchants that may call the API (each with its own key pair), e.g. to prove that an order of one mchid
   * reads as ORDER_NOT_EXIST for another (§5) or that bill tokens are per merchant (§8.2).
   */
  extraMerchants?: { mchid: string; serialNo: string; publicKey: string | KeyObject }[];
  /** The initiator's short name shown on the cashier (§0). Default "测试商户（仅供测试）". */
  merchantShortName?: string;
  /**
   * Refunds: ms from acceptance (PROCESSING) to SUCCESS + REFUND.SUCCESS notification. Default 10 000 ×
   * notifyTimeScale; null = never on its own (tests decide with `refund-result`).
   */
  refundDelayMs?: number | null;
  /**
   * Refunds: the shortest time between two accepted refunds of one sub-order (§14.1.2: 60 s, the default);
   * sooner → 429 FREQUENCY_LIMITED. Changeable at run time with POST /__fake/settings.
   */
  refundMinIntervalSeconds?: number;
  /**
   * WeChat's per-second frequency limit: calls of one API per caller mchid per second beyond this → 429
   * FREQUENCY_LIMITED. Default none. Changeable at run time with POST /__fake/settings.
   */
  maxQps?: number | null;
  /**
   * The fake WeChat user of a browser without the fake_wechat_user cookie (OAuth: the openid is stable per appid and
   * user). Default "default". Changeable at run time with POST /__fake/settings {wechatUser}.
   */
  wechatUser?: string;
}

export interface RunningFakeWechatPay {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startFakeWechatPay(opts: FakeWechatPayOptions = {}): Promise<RunningFakeWechatPay> {
  const keys = loadKeys(opts.keysDir ?? defaultKeysDir);
  const host = opts.host ?? "127.0.0.1";
  const log = opts.log ?? (() => undefined);
  const mode = opts.verifyMode ?? "public-key";
  if (!["public-key", "certificate", "migration"].includes(mode)) throw new Error(`unknown verifyMode ${mode}`);
  const timeScale = opts.notifyTimeScale ?? 1;
  if (!(timeScale >= 0)) throw new Error("notifyTimeScale must be >= 0");
  const refundMinIntervalMs = (opts.refundMinIntervalSeconds ?? DEFAULT_REFUND_MIN_INTERVAL_SECONDS) * 1000;
  if (!(refundMinIntervalMs >= 0)) throw new Error("refundMinIntervalSeconds must be >= 0");
  const maxQps = opts.maxQps ?? null;
  if (maxQps !== null && !(Number.isInteger(maxQps) && maxQps >= 1)) throw new Error("maxQps must be an integer >= 1");

  const merchants = new Map<string, MerchantIdentity>([
    [keys.combineMchid, { mchid: keys.combineMchid, serialNo: keys.merchantSerialNo, publicKey: keys.merchantPublicKey }],
  ]);
  for (const m of opts.extraMerchants ?? []) {
    merchants.set(m.mchid, {
      mchid: m.mchid,
      serialNo: m.serialNo,
      publicKey: typeof m.publicKey === "string" ? createPublicKey(m.publicKey) : m.publicKey,
    });
  }

  const clock = new BusinessClock();
  const faults = new Faults();
  const store = new FakeStore();
  let baseUrl = "";
  const ctx: FakeContext = {
    keys,
    mode,
    clock,
    store,
    faults,
    bills: new BillOverrides(),
    oauth: new FakeOauth(opts.wechatUser ?? DEFAULT_WECHAT_USER),
    notifier: new Notifier({ keys, mode, clock, faults, timeScale, timeoutMs: opts.notifyTimeoutMs ?? 5000, log }),
    merchants,
    h5Domains: opts.h5Domains ?? ["localhost", "127.0.0.1"],
    merchantShortName: opts.merchantShortName ?? "测试商户（仅供测试）",
    publicBaseUrl: () => baseUrl,
    log,
    refundDelayMs: opts.refundDelayMs === undefined ? DEFAULT_REFUND_DELAY_MS * timeScale : opts.refundDelayMs,
    refundMinIntervalMs,
    maxQps,
  };
  const api = new ApiHandler(ctx);
  // Sub-merchants onboarded through the control API (POST /__fake/sub-merchants) live until the next reset.
  const baseSubMerchants = [...ctx.keys.subMerchants];
  const reset = () => {
    ctx.keys.subMerchants.splice(0, ctx.keys.subMerchants.length, ...baseSubMerchants);
    ctx.notifier.reset();
    store.reset();
    faults.clear();
    ctx.bills.clear();
    ctx.oauth.reset();
    ctx.refundMinIntervalMs = refundMinIntervalMs;
    ctx.maxQps = maxQps;
    api.resetRates();
    clock.reset();
    log("reset");
  };

  const server = http.createServer((req, res) => {
    const { rawPath } = splitTarget(req.url ?? "/");
    const done = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        log(`unhandled error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) sendJson(res, 500, { code: "SYSTEM_ERROR", message: "fake internal error" });
      });
    if (rawPath === "/__fake" || rawPath.startsWith("/__fake/")) return void done(handleControl(ctx, { reset }, req, res));
    if (rawPath === CASHIER_PATH || rawPath === CASHIER_CONFIRM_PATH) return void done(handleCashier(ctx, req, res));
    if (rawPath.startsWith("/v3/")) return void done(api.handle(req, res));
    if (isOauthPath(rawPath)) return handleOauth(ctx, req, res);
    if (isBridgePath(rawPath)) return void done(handleBridge(ctx, req, res));
    if (rawPath === "/" && req.method === "GET") {
      return sendJson(res, 200, {
        service: "fake WeChat Pay APIv3 (TEST ONLY)",
        verifyMode: mode,
        h5Domains: ctx.h5Domains,
        mpAppid: ctx.keys.mpAppid,
        jsapiBridge: `${ctx.publicBaseUrl()}/jsapi/bridge.js`,
        readme: "tests/fake-wechatpay/README.md",
      });
    }
    sendJson(res, 404, { code: "NOT_FOUND", message: "请求的资源不存在" });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 3100, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  baseUrl = (opts.publicBaseUrl ?? url).replace(/\/+$/, "");
  log(`listening on ${url} (verifyMode ${mode}, h5Domains ${ctx.h5Domains.join(",")})`);

  let closed = false;
  return {
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      api.close();
      ctx.notifier.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
