// Authentication of callers (§1), signing of everything the fake sends (§2), /v3/certificates (§2.5), API faults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDecipheriv, generateKeyPairSync, X509Certificate } from "node:crypto";
import http from "node:http";
import { startFakeWechatPay } from "./server";
import {
  apiV3Key,
  authorization,
  call,
  control,
  defaultSigner,
  ids,
  merchantKey,
  partnerBody,
  platformCertPem,
  verifySigned,
  type ApiReply,
} from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
let fake: Fake;
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherSigner = { mchid: "1900000999", serial: "7A6B5C4D3E2F1A0B9C8D7E6F5A4B3C2D1E0F9A8B", key: other.privateKey };

beforeAll(async () => {
  fake = await startFakeWechatPay({
    port: 0,
    notifyTimeScale: 0.001,
    extraMerchants: [{ mchid: otherSigner.mchid, serialNo: otherSigner.serial, publicKey: other.publicKey }],
  });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

const QUERY = (no = "UNKNOWN0001") => `/v3/combine-transactions/out-trade-no/${no}`;

function expectWechatHeaders(r: ApiReply) {
  for (const h of [
    "Wechatpay-Timestamp",
    "Wechatpay-Nonce",
    "Wechatpay-Signature",
    "Wechatpay-Serial",
    "Wechatpay-Signature-Type",
    "Request-ID",
  ]) {
    expect(r.headers.get(h), h).toBeTruthy();
  }
  expect(r.headers.get("Request-ID")).toMatch(/^[0-9A-F]{32}-\d+$/);
  return verifySigned(r.headers, r.raw);
}

function expectSignError(r: ApiReply, issue: RegExp) {
  expect(r.status).toBe(401);
  expect(r.json.code).toBe("SIGN_ERROR");
  expect(r.json.detail.location).toBe("authorization");
  expect(r.json.detail.issue).toMatch(issue);
  expectWechatHeaders(r); // error responses are signed too
  expect(r.headers.get("Request-ID")).not.toMatch(/-0$/);
}

describe("request authentication (§1)", () => {
  it("accepts a correctly signed call and answers with a verifiable signature and Request-ID <hex>-0", async () => {
    const b = partnerBody();
    const r = await call(fake.url, "POST", "/v3/combine-transactions/h5", b);
    expect(r.status).toBe(200);
    expect(expectWechatHeaders(r)).toBe(ids.wechatpayPublicKeyId);
    expect(r.headers.get("Request-ID")).toMatch(/-0$/);
  });

  it("accepts the five Authorization fields in any order (PHP SDK order)", async () => {
    const base = authorization("GET", QUERY(), "");
    const fields = Object.fromEntries([...base.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const php = `WECHATPAY2-SHA256-RSA2048 mchid="${fields.mchid}",serial_no="${fields.serial_no}",timestamp="${fields.timestamp}",nonce_str="${fields.nonce_str}",signature="${fields.signature}"`;
    const r = await call(fake.url, "GET", QUERY(), undefined, { authorization: php });
    expect(r.status).toBe(404); // authenticated; the order just does not exist
    expect(r.json.code).toBe("ORDER_NOT_EXIST");
  });

  it("rejects a missing header, a Bearer token, a missing field and a duplicated field", async () => {
    expectSignError(await call(fake.url, "GET", QUERY(), undefined, { authorization: null }), /missing/);
    expectSignError(await call(fake.url, "GET", QUERY(), undefined, { authorization: "Bearer abc" }), /scheme/);
    const good = authorization("GET", QUERY(), "");
    expectSignError(
      await call(fake.url, "GET", QUERY(), undefined, { authorization: good.replace(/,nonce_str="[^"]*"/, "") }),
      /nonce_str/,
    );
    expectSignError(await call(fake.url, "GET", QUERY(), undefined, { authorization: `${good},mchid="${ids.combineMchid}"` }), /duplicate/);
    expectSignError(
      await call(fake.url, "GET", QUERY(), undefined, {
        authorization: good.replace("WECHATPAY2-SHA256-RSA2048 ", "WECHATPAY2-SHA256-RSA2048  "),
      }),
      /malformed|scheme/,
    );
  });

  it("rejects an unknown mchid and a serial_no that is not the merchant's certificate serial", async () => {
    expectSignError(await call(fake.url, "GET", QUERY(), undefined, { signer: { ...defaultSigner, mchid: "1234567890" } }), /unknown/);
    expectSignError(
      await call(fake.url, "GET", QUERY(), undefined, { signer: { ...defaultSigner, serial: ids.wechatpayPublicKeyId } }),
      /serial_no/,
    );
  });

  it("enforces the ±300 s timestamp window", async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const ts of [now - 310, now + 310]) {
      const a = authorization("GET", QUERY(), "", defaultSigner, { timestamp: ts });
      expectSignError(await call(fake.url, "GET", QUERY(), undefined, { authorization: a }), /away from server time/);
    }
    const ms = authorization("GET", QUERY(), "", defaultSigner, { timestamp: Date.now() });
    expectSignError(await call(fake.url, "GET", QUERY(), undefined, { authorization: ms }), /milliseconds/);
    const ok = authorization("GET", QUERY(), "", defaultSigner, { timestamp: now - 250 });
    expect((await call(fake.url, "GET", QUERY(), undefined, { authorization: ok })).status).toBe(404);
  });

  it("signature covers method, path+query as sent, and the exact body; the 401 carries sign_information", async () => {
    // Signed for one query order, sent with another: the URL line must be byte-identical.
    const signedUrl = "/v3/bill/tradebill?bill_date=2026-11-01&bill_type=ALL";
    const sentUrl = "/v3/bill/tradebill?bill_type=ALL&bill_date=2026-11-01";
    const r = await call(fake.url, "GET", sentUrl, undefined, { authorization: authorization("GET", signedUrl, "") });
    expectSignError(r, /signature does not verify/);
    const info = r.json.detail.sign_information;
    expect(info.method).toBe("GET");
    expect(info.url).toBe(sentUrl);
    expect(info.sign_message_length).toBeGreaterThan(0);
    expect(info.truncated_sign_message).toContain(`GET\n${sentUrl}\n`);

    const body = JSON.stringify(partnerBody());
    const tampered = body.replace('"total_amount":1000', '"total_amount":1');
    const r2 = await call(fake.url, "POST", "/v3/combine-transactions/h5", tampered, {
      authorization: authorization("POST", "/v3/combine-transactions/h5", body),
    });
    expectSignError(r2, /signature does not verify/);
    const r3 = await call(fake.url, "POST", "/v3/combine-transactions/h5", body, {
      authorization: authorization("GET", "/v3/combine-transactions/h5", body),
    });
    expectSignError(r3, /signature does not verify/);
    // Signed with another key under our mchid + serial.
    expectSignError(
      await call(fake.url, "GET", QUERY(), undefined, { signer: { ...defaultSigner, key: other.privateKey } }),
      /signature does not verify/,
    );
  });

  it("requires a User-Agent (400 INVALID_REQUEST, documented choice)", async () => {
    // fetch always adds a User-Agent, so use node:http, which sends none unless told to.
    const url = new URL(fake.url + QUERY());
    const r = await new Promise<ApiReply>((resolve, reject) => {
      const req = http.request(
        url,
        { method: "GET", headers: { Authorization: authorization("GET", QUERY(), ""), Accept: "application/json" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const raw = Buffer.concat(chunks);
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
            resolve({ status: res.statusCode ?? 0, headers, raw, text: raw.toString(), json: JSON.parse(raw.toString()) });
          });
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe("INVALID_REQUEST");
    expect(r.json.detail.field).toBe("User-Agent");
    expectWechatHeaders(r);
  });

  it("signs 404 / 405 answers and records every request", async () => {
    const r = await call(fake.url, "GET", "/v3/nothing-here");
    expect(r.status).toBe(404);
    expectWechatHeaders(r);
    const m = await call(fake.url, "GET", "/v3/combine-transactions/h5");
    expect(m.status).toBe(405);
    const log = await control(fake.url, "/requests");
    expect(log.map((e: { path: string; status: number }) => [e.path, e.status])).toEqual([
      ["/v3/nothing-here", 404],
      ["/v3/combine-transactions/h5", 405],
    ]);
    expect(log[0]).toMatchObject({ method: "GET", code: "NOT_FOUND", mchid: ids.combineMchid });
  });

  it("orders are scoped to the calling mchid: another merchant reads ORDER_NOT_EXIST", async () => {
    const b = partnerBody();
    expect((await call(fake.url, "POST", "/v3/combine-transactions/h5", b)).status).toBe(200);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(200);
    const r = await call(fake.url, "GET", QUERY(b.combine_out_trade_no), undefined, { signer: otherSigner });
    expect(r.status).toBe(404);
    expect(r.json.code).toBe("ORDER_NOT_EXIST");
  });
});

describe("GET /v3/certificates and the three signing modes (§2.4, §2.5)", () => {
  it("public-key mode: {data:[]} signed with PUB_KEY_ID", async () => {
    const r = await call(fake.url, "GET", "/v3/certificates");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ data: [] });
    expect(expectWechatHeaders(r)).toBe(ids.wechatpayPublicKeyId);
  });

  it("certificate mode: serves the encrypted certificate and signs with it", async () => {
    const cf = await startFakeWechatPay({ port: 0, verifyMode: "certificate" });
    try {
      const r = await call(cf.url, "GET", "/v3/certificates?algorithm_type=RSA", undefined, { wechatpaySerial: null });
      expect(r.status).toBe(200);
      expect(expectWechatHeaders(r)).toBe(ids.platformCertificateSerialNo);
      const entry = r.json.data[0];
      expect(entry.serial_no).toBe(ids.platformCertificateSerialNo);
      expect(entry.effective_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
      const ec = entry.encrypt_certificate;
      expect(ec).toMatchObject({ algorithm: "AEAD_AES_256_GCM", associated_data: "certificate" });
      expect(ec.nonce).toHaveLength(12);
      const data = Buffer.from(ec.ciphertext, "base64");
      const d = createDecipheriv("aes-256-gcm", apiV3Key, Buffer.from(ec.nonce, "utf8"));
      d.setAAD(Buffer.from("certificate"));
      d.setAuthTag(data.subarray(-16));
      const pem = Buffer.concat([d.update(data.subarray(0, -16)), d.final()]).toString("utf8");
      expect(pem).toBe(platformCertPem);
      expect(new X509Certificate(pem).serialNumber).toBe(ids.platformCertificateSerialNo);
      // Even when the request names the public key, certificate mode answers with the certificate.
      const q = await call(cf.url, "GET", QUERY());
      expect(verifySigned(q.headers, q.raw)).toBe(ids.platformCertificateSerialNo);
    } finally {
      await cf.close();
    }
  });

  it("migration mode: response key follows the request's Wechatpay-Serial", async () => {
    const mf = await startFakeWechatPay({ port: 0, verifyMode: "migration" });
    try {
      const withPub = await call(mf.url, "GET", QUERY(), undefined, { wechatpaySerial: ids.wechatpayPublicKeyId });
      expect(verifySigned(withPub.headers, withPub.raw)).toBe(ids.wechatpayPublicKeyId);
      const withCert = await call(mf.url, "GET", QUERY(), undefined, { wechatpaySerial: ids.platformCertificateSerialNo });
      expect(verifySigned(withCert.headers, withCert.raw)).toBe(ids.platformCertificateSerialNo);
      const without = await call(mf.url, "GET", "/v3/certificates", undefined, { wechatpaySerial: null });
      expect(verifySigned(without.headers, without.raw)).toBe(ids.platformCertificateSerialNo);
      expect(without.json.data).toHaveLength(1);
    } finally {
      await mf.close();
    }
  });
});

describe("API faults (/__fake/faults target api)", () => {
  const H5 = "/v3/combine-transactions/h5";

  it("system_error: 500 SYSTEM_ERROR and the call had no effect", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "system_error" });
    const b = partnerBody();
    const r = await call(fake.url, "POST", H5, b);
    expect(r.status).toBe(500);
    expect(r.json.code).toBe("SYSTEM_ERROR");
    expectWechatHeaders(r);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(404);
    expect((await call(fake.url, "POST", H5, b)).status).toBe(200); // consumed: next call is normal
  });

  it("rate_limit: 429 FREQUENCY_LIMITED, for `count` calls, only on the given path prefix", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "rate_limit", count: 2, path: H5 });
    expect((await call(fake.url, "GET", QUERY())).status).toBe(404); // other path: untouched
    const r1 = await call(fake.url, "POST", H5, partnerBody());
    const r2 = await call(fake.url, "POST", H5, partnerBody());
    expect([r1.status, r2.status]).toEqual([429, 429]);
    expect(r1.json.code).toBe("FREQUENCY_LIMITED");
    expect((await call(fake.url, "POST", H5, partnerBody())).status).toBe(200);
  });

  it("user_paying: 202 USER_PAYING", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "user_paying" });
    const r = await call(fake.url, "GET", QUERY());
    expect(r.status).toBe(202);
    expect(r.json.code).toBe("USER_PAYING");
  });

  it("delay: the call is processed but the answer is held delayMs", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "delay", delayMs: 400 });
    const b = partnerBody();
    const started = Date.now();
    const aborted = await fetch(fake.url + H5, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "t", Authorization: authorization("POST", H5, JSON.stringify(b)) },
      body: JSON.stringify(b),
      signal: AbortSignal.timeout(100),
    }).then(
      () => false,
      () => true,
    );
    expect(aborted).toBe(true); // the client's timeout fired first
    await new Promise((r) => setTimeout(r, 450));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(200); // it was created anyway
  });

  it("refuse: the chosen 4xx before any effect (default 403 NO_AUTH)", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "refuse", path: H5 });
    await control(fake.url, "/faults", { target: "api", kind: "refuse", code: "SIGN_ERROR", path: H5 });
    const b = partnerBody();
    const r1 = await call(fake.url, "POST", H5, b);
    const r2 = await call(fake.url, "POST", H5, b);
    expect([r1.status, r1.json.code, r2.status, r2.json.code]).toEqual([403, "NO_AUTH", 401, "SIGN_ERROR"]);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(404);
    await expect(control(fake.url, "/faults", { target: "api", kind: "refuse", code: "NOPE" })).rejects.toThrow(/400/);
  });

  it("delay_then_refuse: the first call is processed with its answer held, the retry is refused", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "delay_then_refuse", delayMs: 400, code: "PARAM_ERROR", path: H5 });
    const b = partnerBody();
    const body = JSON.stringify(b);
    const aborted = await fetch(fake.url + H5, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": "t", Authorization: authorization("POST", H5, body) },
      body,
      signal: AbortSignal.timeout(100),
    }).then(
      () => false,
      () => true,
    );
    expect(aborted).toBe(true);
    const retry = await call(fake.url, "POST", H5, b);
    expect([retry.status, retry.json.code]).toEqual([400, "PARAM_ERROR"]);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(200); // the first one created it
    expect((await call(fake.url, "POST", H5, b)).status).toBe(200); // both consumed
  });

  it("malformed_json: 200 with a truncated body that is still correctly signed", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "malformed_json" });
    const r = await call(fake.url, "POST", H5, partnerBody());
    expect(r.status).toBe(200);
    expect(() => JSON.parse(r.text)).toThrow();
    expect(verifySigned(r.headers, r.raw)).toBe(ids.wechatpayPublicKeyId);
  });

  it("bad_signature, stale_timestamp, signature_probe damage only the response signature", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "bad_signature" });
    const bad = await call(fake.url, "POST", H5, partnerBody());
    expect(bad.status).toBe(200);
    expect(() => verifySigned(bad.headers, bad.raw)).toThrow("bad signature");

    await control(fake.url, "/faults", { target: "api", kind: "stale_timestamp" });
    const stale = await call(fake.url, "POST", H5, partnerBody());
    const ts = Number(stale.headers.get("Wechatpay-Timestamp"));
    expect(Date.now() / 1000 - ts).toBeGreaterThan(590);
    expect(() => verifySigned(stale.headers, stale.raw)).toThrow("stale timestamp");
    expect(verifySigned(stale.headers, stale.raw, 10_000)).toBe(ids.wechatpayPublicKeyId); // signature itself is valid

    await control(fake.url, "/faults", { target: "api", kind: "signature_probe" });
    const probe = await call(fake.url, "POST", H5, partnerBody());
    expect(probe.headers.get("Wechatpay-Signature")).toMatch(/^WECHATPAY\/SIGNTEST\//);
    expect(() => verifySigned(probe.headers, probe.raw)).toThrow();
  });

  it("lists, clears and validates faults; the request log names the fault", async () => {
    await control(fake.url, "/faults", { target: "api", kind: "system_error", count: 5 });
    expect((await control(fake.url, "/faults")).api).toHaveLength(1);
    expect((await call(fake.url, "GET", QUERY())).status).toBe(500);
    await control(fake.url, "/faults", undefined, "DELETE");
    expect((await call(fake.url, "GET", QUERY())).status).toBe(404);
    const log = await control(fake.url, "/requests");
    expect(log[0].fault).toBe("system_error");
    await expect(control(fake.url, "/faults", { target: "api", kind: "nope" })).rejects.toThrow(/400/);
  });
});

it("does not sign with the merchant key by mistake (sanity of the test helpers)", () => {
  expect(merchantKey.asymmetricKeyType).toBe("rsa");
});
