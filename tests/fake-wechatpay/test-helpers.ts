// Test-side helpers for the fake's own tests. Deliberately independent of the fake's modules (and of
// lib/wechatpay): signing, verification and decryption are re-implemented here with plain node:crypto, so the
// fake and its checks cannot agree on the same mistake.
import { execFile } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { testApiV3Key, testKeyFiles, testKeys } from "../support/test-identity";
import {
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  createSign,
  createVerify,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from "node:crypto";

const read = (f: keyof typeof testKeyFiles) => fs.readFileSync(testKeyFiles[f], "utf8");

// The test identity's files and ids (plain data, no crypto: the checks below stay independent).
export const ids = testKeys;
export const merchantKey = createPrivateKey(read("merchantPrivateKey"));
export const wechatpayPublicKey = createPublicKey(read("wechatpayPublicKey"));
export const platformCertPem = read("platformCertificate");
export const platformPublicKey = new X509Certificate(platformCertPem).publicKey;
export const apiV3Key = Buffer.from(testApiV3Key, "utf8");
export const sub = (i: number) => ids.subMerchants[i % ids.subMerchants.length]!;

export interface Signer {
  mchid: string;
  serial: string;
  key: KeyObject;
}
export const defaultSigner: Signer = { mchid: ids.combineMchid, serial: ids.merchantSerialNo, key: merchantKey };

/** §1.1–1.3 written out by hand. */
export function authorization(
  method: string,
  url: string,
  body: string,
  s: Signer = defaultSigner,
  o: { timestamp?: number; nonce?: string } = {},
): string {
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(16).toString("hex").toUpperCase();
  const signer = createSign("RSA-SHA256");
  signer.update(`${method}\n${url}\n${ts}\n${nonce}\n${body}\n`);
  const sig = signer.sign(s.key, "base64");
  return `WECHATPAY2-SHA256-RSA2048 mchid="${s.mchid}",nonce_str="${nonce}",signature="${sig}",timestamp="${ts}",serial_no="${s.serial}"`;
}

export interface ApiReply {
  status: number;
  headers: Headers;
  raw: Buffer;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  signer?: Signer;
  headers?: Record<string, string>;
  /** Replace the computed Authorization (or set null to omit it). */
  authorization?: string | null;
  userAgent?: string | null;
  wechatpaySerial?: string | null;
  contentType?: string;
}

/** A signed APIv3 call to the fake; `path` is signed and sent byte-for-byte. */
export async function call(base: string, method: string, pathAndQuery: string, body?: unknown, o: CallOptions = {}): Promise<ApiReply> {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { Accept: "application/json", ...(o.headers ?? {}) };
  if (o.userAgent !== null) headers["User-Agent"] = o.userAgent ?? "fake-wechatpay-tests/1.0";
  if (o.wechatpaySerial !== null) headers["Wechatpay-Serial"] = o.wechatpaySerial ?? ids.wechatpayPublicKeyId;
  if (body !== undefined) headers["Content-Type"] = o.contentType ?? "application/json";
  const auth = o.authorization === undefined ? authorization(method, pathAndQuery, text, o.signer) : o.authorization;
  if (auth !== null) headers.Authorization = auth;
  const res = await fetch(base + pathAndQuery, { method, headers, body: body === undefined ? undefined : text, redirect: "manual" });
  const raw = Buffer.from(await res.arrayBuffer());
  const t = raw.toString("utf8");
  let json: unknown;
  try {
    json = t ? JSON.parse(t) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, raw, text: t, json };
}

/** §2.2 verification with the key chosen by Wechatpay-Serial. Returns the serial that verified, or throws. */
export function verifySigned(headers: Headers | Record<string, string | string[] | undefined>, body: Buffer, maxSkewS = 300): string {
  const get = (n: string) => {
    if (headers instanceof Headers) return headers.get(n) ?? undefined;
    const v = headers[n.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const ts = get("Wechatpay-Timestamp");
  const nonce = get("Wechatpay-Nonce");
  const sig = get("Wechatpay-Signature");
  const serial = get("Wechatpay-Serial");
  if (!ts || !nonce || !sig || !serial) throw new Error("missing Wechatpay-* header");
  if (get("Wechatpay-Signature-Type") !== "WECHATPAY2-SHA256-RSA2048") throw new Error("bad signature type");
  if (sig.startsWith("WECHATPAY/SIGNTEST/")) throw new Error("signature probe");
  if (Math.abs(Date.now() / 1000 - Number(ts)) >= maxSkewS) throw new Error("stale timestamp");
  const key =
    serial === ids.wechatpayPublicKeyId ? wechatpayPublicKey : serial === ids.platformCertificateSerialNo ? platformPublicKey : undefined;
  if (!key) throw new Error(`unknown serial ${serial}`);
  const v = createVerify("RSA-SHA256");
  v.update(Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), body, Buffer.from("\n")]));
  if (!v.verify(key, sig, "base64")) throw new Error("bad signature");
  return serial;
}

/** §7.3 with Node's separate auth tag. */
export function decrypt(r: { nonce: string; associated_data: string; ciphertext: string }): string {
  const data = Buffer.from(r.ciphertext, "base64");
  const d = createDecipheriv("aes-256-gcm", apiV3Key, Buffer.from(r.nonce, "utf8"));
  d.setAAD(Buffer.from(r.associated_data, "utf8"));
  d.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString("utf8");
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** A notify_url receiver on port 0. `reply` decides each answer (default: verify + decrypt → 204, else 401). */
export interface Reply {
  status: number;
  body?: string;
  delayMs?: number;
}
export async function startReceiver(reply?: (r: Received, n: number) => Reply) {
  const received: Received[] = [];
  const decide: (r: Received, n: number) => Reply =
    reply ??
    ((r: Received): Reply => {
      try {
        verifySigned(r.headers, r.body);
        decrypt(JSON.parse(r.body.toString("utf8")).resource);
        return { status: 204 };
      } catch (e) {
        return { status: 401, body: JSON.stringify({ code: "FAIL", message: (e as Error).message }) };
      }
    });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = { headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      received.push(r);
      const d = decide(r, received.length);
      const answer = () => {
        res.writeHead(d.status, d.body ? { "Content-Type": "application/json" } : {});
        res.end(d.body);
      };
      if (d.delayMs) setTimeout(answer, d.delayMs);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error("waitFor timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

let seq = 0;
/** Unique 6–32 char order numbers. */
export function orderNo(prefix = "C"): string {
  seq += 1;
  return `${prefix}${Date.now().toString(36)}${seq}${randomBytes(2).toString("hex")}`.slice(0, 32);
}

export function partnerBody(o: { combineNo?: string; notifyUrl?: string; amounts?: number[] } = {}) {
  const combineNo = o.combineNo ?? orderNo("C");
  const amounts = o.amounts ?? [1000, 230];
  return {
    combine_appid: ids.combineAppid,
    combine_mchid: ids.combineMchid,
    combine_out_trade_no: combineNo,
    scene_info: {
      payer_client_ip: "203.0.113.7",
      device_id: "WEB0001",
      h5_info: { type: "Wap", app_name: "测试商城", app_url: "https://shop.example.com" },
    },
    sub_orders: amounts.map((a, i) => ({
      mchid: ids.combineMchid,
      sub_mchid: sub(i).subMchid,
      attach: `store=${sub(i).storeId}`,
      amount: { total_amount: a, currency: "CNY" },
      out_trade_no: `${combineNo}S${i}`.slice(-32),
      description: `测试商品${i + 1}`,
      settle_info: { profit_sharing: false },
    })),
    notify_url: o.notifyUrl ?? "https://shop.example.com/api/wechatpay/notify",
  };
}

export function directBody(o: { combineNo?: string; notifyUrl?: string; amounts?: number[] } = {}) {
  const b = partnerBody(o);
  return {
    ...b,
    sub_orders: b.sub_orders.map(({ sub_mchid: _s, ...s }, i) => ({ ...s, mchid: sub(i).mchid })),
  };
}

export type PrepayBody = ReturnType<typeof partnerBody>;

/** The close body matching a prepay body (§6). */
interface CloseSource {
  combine_appid: string;
  sub_orders: { mchid: string; out_trade_no: string; sub_mchid?: string }[];
}
export function closeBody(b: CloseSource | Record<string, unknown>): CloseSource {
  const src = b as CloseSource;
  return {
    combine_appid: src.combine_appid,
    sub_orders: src.sub_orders.map((s) => ({
      mchid: s.mchid,
      out_trade_no: s.out_trade_no,
      ...(s.sub_mchid ? { sub_mchid: s.sub_mchid } : {}),
    })),
  };
}

/** Control API call (throws on non-2xx); the shared client under its historical name here. */
export { fakeControl as control } from "./control-client";

/** Opens the cashier like a mobile browser on the merchant's page would. */
export function openCashier(h5Url: string, o: { referer?: string | null; userAgent?: string; redirectUrl?: string } = {}) {
  const url = o.redirectUrl ? `${h5Url}&redirect_url=${encodeURIComponent(o.redirectUrl)}` : h5Url;
  const headers: Record<string, string> = {
    "User-Agent": o.userAgent ?? "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1",
  };
  if (o.referer !== null) headers.Referer = o.referer ?? "http://localhost:3000/cart";
  return fetch(url, { headers, redirect: "manual" });
}

/** Submits the cashier's form (what tapping a button does). */
export function submitCashier(base: string, html: string, action: "pay" | "cancel", userAgent = "Mozilla/5.0 Mobile") {
  const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(html)?.[1] ?? "";
  const unescape = (s: string) =>
    s
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">");
  const form = new URLSearchParams({
    prepay_id: field("prepay_id"),
    package: field("package"),
    redirect_url: unescape(field("redirect_url")),
    action,
  });
  const formAction = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? "";
  return fetch(base + formAction, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": userAgent },
    body: form.toString(),
    redirect: "manual",
  });
}

/** The fake's CLI as a command: tsx and cli.ts. */
export const FAKE_CLI = {
  tsx: path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx"),
  cli: path.resolve(import.meta.dirname, "cli.ts"),
};

/** Runs the fake's CLI against the fake at `fakeUrl`; resolves with its exit code and output (never rejects). */
export function runFakeCli(fakeUrl: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      FAKE_CLI.tsx,
      [FAKE_CLI.cli, ...args],
      { env: { ...process.env, FAKE_WECHATPAY_URL: fakeUrl }, timeout: 20_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
