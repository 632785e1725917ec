// Test-side WeChat Pay: everything here uses plain node:crypto / node:http and never imports the client's
// signer or verifier, so the tests check the client against an independent implementation.
import { createCipheriv, createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { WechatPayClientConfig } from "../../../lib/wechatpay";
import { testApiV3Key, testKeyFiles, testKeys } from "../../support/test-identity";

export const FIXTURES = path.resolve(import.meta.dirname, "../../fixtures");
const read = (f: keyof typeof testKeyFiles) => readFileSync(testKeyFiles[f], "utf8");

// The test identity's files and ids (plain data, no crypto: the checks below stay independent).
export const ids = testKeys;

export const pem = {
  merchantPrivate: read("merchantPrivateKey"),
  merchantPublic: read("merchantPublicKey"),
  wechatpayPrivate: read("wechatpayPrivateKey"),
  wechatpayPublic: read("wechatpayPublicKey"),
  platformPrivate: read("platformPrivateKey"),
  platformCertificate: read("platformCertificate"),
};
export const apiV3Key = testApiV3Key;

export const keys = {
  merchantPublic: createPublicKey(pem.merchantPublic),
  wechatpayPrivate: createPrivateKey(pem.wechatpayPrivate),
  platformPrivate: createPrivateKey(pem.platformPrivate),
};

/** The test merchant's client, verifying with the WeChat Pay public key; tests add retry, timeout, hooks. */
export function testClientConfig(baseUrl: string): WechatPayClientConfig {
  return {
    baseUrl,
    mchid: ids.combineMchid,
    merchantSerialNo: ids.merchantSerialNo,
    merchantPrivateKey: pem.merchantPrivate,
    apiV3Key,
    publicKey: { id: ids.wechatpayPublicKeyId, key: pem.wechatpayPublic },
  };
}

export interface Signer {
  serial: string;
  key: KeyObject;
}
export const WECHATPAY_SIGNER: Signer = { serial: ids.wechatpayPublicKeyId, key: keys.wechatpayPrivate };
export const PLATFORM_SIGNER: Signer = { serial: ids.platformCertificateSerialNo, key: keys.platformPrivate };

export const hex32 = () => randomBytes(16).toString("hex").toUpperCase();

/** Wechatpay-* headers for `body`, signed like WeChat does (§2.2), with knobs for the failure tests. */
export function wechatpayHeaders(
  body: string | Buffer,
  opts: { signer?: Signer; tsSeconds?: number; nonce?: string; signatureOverride?: string; requestId?: string } = {},
): Record<string, string> {
  const signer = opts.signer ?? WECHATPAY_SIGNER;
  const ts = String(opts.tsSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? hex32();
  const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), Buffer.from(body), Buffer.from("\n")]);
  const signature = opts.signatureOverride ?? sign("sha256", message, signer.key).toString("base64");
  const h: Record<string, string> = {
    "Wechatpay-Timestamp": ts,
    "Wechatpay-Nonce": nonce,
    "Wechatpay-Signature": signature,
    "Wechatpay-Serial": signer.serial,
    "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
  };
  if (opts.requestId) h["Request-ID"] = opts.requestId;
  return h;
}

/** AES-GCM seal as WeChat does (§7.3): returns base64(ciphertext‖tag). */
export function seal(key: string | Buffer, nonce: string, aad: string, plaintext: string): string {
  const k = Buffer.from(key);
  const c = createCipheriv(k.length === 16 ? "aes-128-gcm" : "aes-256-gcm", k, Buffer.from(nonce, "utf8"));
  if (aad) c.setAAD(Buffer.from(aad, "utf8"));
  const ct = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return Buffer.concat([ct, c.getAuthTag()]).toString("base64");
}

export function nonce12(): string {
  return randomBytes(9).toString("base64").replace(/[+/]/g, "x");
}

export function combineTransaction(overrides: { trade_state?: string; states?: string[] } = {}) {
  const states = overrides.states ?? [overrides.trade_state ?? "SUCCESS", overrides.trade_state ?? "SUCCESS"];
  return {
    combine_appid: ids.combineAppid,
    combine_mchid: ids.combineMchid,
    combine_out_trade_no: "C2026112700000001",
    scene_info: { device_id: "WEB0001" },
    combine_payer_info: { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
    sub_orders: states.map((s, i) => ({
      mchid: ids.combineMchid,
      sub_mchid: ids.subMerchants[i]!.subMchid,
      trade_type: "MWEB",
      trade_state: s,
      bank_type: "OTHERS",
      attach: `store-${i}`,
      success_time: "2026-11-27T15:04:05.120+08:00",
      transaction_id: `42000000002026112700000000${i}`,
      out_trade_no: `S202611270000000${i}`,
      amount: { total_amount: 100 * (i + 1), payer_amount: 100 * (i + 1), currency: "CNY", payer_currency: "CNY" },
      some_future_field: { x: 1 },
    })),
    some_future_top_level: true,
  };
}

/** A notification as WeChat would POST it: encrypted resource + signed raw body. */
export function buildNotification(
  plaintext: unknown,
  opts: {
    key?: string;
    aad?: string;
    event_type?: string;
    algorithm?: string;
    signer?: Signer;
    tsSeconds?: number;
    mutateCiphertext?: (b64: string) => string;
    nonceInEnvelope?: string;
    /** seal this text instead of JSON.stringify(plaintext) */
    rawPlaintext?: string;
  } = {},
): { headers: Record<string, string>; body: string } {
  const nonce = nonce12();
  const aad = opts.aad ?? "transaction";
  let ciphertext = seal(opts.key ?? apiV3Key, nonce, aad, opts.rawPlaintext ?? JSON.stringify(plaintext));
  if (opts.mutateCiphertext) ciphertext = opts.mutateCiphertext(ciphertext);
  const body = JSON.stringify({
    id: "EV-2026112700000000001",
    create_time: "2026-11-27T15:04:06+08:00",
    resource_type: "encrypt-resource",
    event_type: opts.event_type ?? "TRANSACTION.SUCCESS",
    summary: "支付成功",
    resource: {
      original_type: "transaction",
      algorithm: opts.algorithm ?? "AEAD_AES_256_GCM",
      ciphertext,
      associated_data: aad,
      nonce: opts.nonceInEnvelope ?? nonce,
    },
  });
  return { headers: wechatpayHeaders(body, { signer: opts.signer, tsSeconds: opts.tsSeconds }), body };
}

// ---- local HTTP server ----------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  /** request-target as received on the wire (path + query) */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  auth: { ok: boolean; reason?: string; params: Record<string, string> };
}

export interface Reply {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** sign the body (default true for 2xx) */
  sign?: boolean;
  signer?: Signer;
  tsSeconds?: number;
  signatureOverride?: string;
  requestId?: string;
  delayMs?: number;
}

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

const AUTH_RE = /^WECHATPAY2-SHA256-RSA2048 (.+)$/;

export function parseAuthorization(header: string | undefined): Record<string, string> | undefined {
  const m = header ? AUTH_RE.exec(header) : null;
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const part of m[1]!.split(",")) {
    const pm = /^(\w+)="([^"]*)"$/.exec(part);
    if (!pm) return undefined;
    params[pm[1]!] = pm[2]!;
  }
  return params;
}

/** Independent check of the request signature: rebuilds the five-line message from what actually arrived. */
function checkAuth(method: string, url: string, body: string, header: string | undefined): RecordedRequest["auth"] {
  const params = parseAuthorization(header);
  if (!params) return { ok: false, reason: "bad Authorization header", params: {} };
  for (const k of ["mchid", "nonce_str", "timestamp", "serial_no", "signature"]) {
    if (!params[k]) return { ok: false, reason: `missing ${k}`, params };
  }
  if (params.mchid !== ids.combineMchid) return { ok: false, reason: "mchid", params };
  if (params.serial_no !== ids.merchantSerialNo) return { ok: false, reason: "serial_no", params };
  const message = `${method}\n${url}\n${params.timestamp}\n${params.nonce_str}\n${body}\n`;
  const ok = verify("sha256", Buffer.from(message, "utf8"), keys.merchantPublic, Buffer.from(params.signature!, "base64"));
  return ok ? { ok, params } : { ok, reason: "signature", params };
}

export interface TestServer {
  url: string;
  origin: string;
  requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const state: TestServer = { url: "", origin: "", requests: [], handler, close: async () => {} };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const rec: RecordedRequest = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        auth: checkAuth(req.method ?? "", req.url ?? "", body, req.headers.authorization),
      };
      state.requests.push(rec);
      let reply: Reply;
      if (!rec.auth.ok) {
        reply = { status: 401, body: JSON.stringify({ code: "SIGN_ERROR", message: `test server: ${rec.auth.reason}` }) };
      } else {
        try {
          reply = await state.handler(rec);
        } catch (e) {
          reply = { status: 599, body: String(e) };
        }
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      const status = reply.status ?? 200;
      const out = reply.body ?? "";
      const headers: Record<string, string> = { ...(reply.headers ?? {}) };
      if (reply.requestId) headers["Request-ID"] = reply.requestId;
      if ((reply.sign ?? (status >= 200 && status < 300)) === true) {
        Object.assign(
          headers,
          wechatpayHeaders(out, { signer: reply.signer, tsSeconds: reply.tsSeconds, signatureOverride: reply.signatureOverride }),
        );
      }
      if (out.length && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
      if (res.destroyed) return;
      res.writeHead(status, headers);
      res.end(out);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;
  state.url = state.origin;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}
