import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CombinedVerifier,
  PlatformCertificateStore,
  PublicKeyVerifier,
  WechatPaySignatureError,
  parsePlatformCertificate,
  verifyWechatPaySignature,
  type PlatformCertificate,
  type WechatPayVerifier,
} from "../../../lib/wechatpay";
import { PLATFORM_SIGNER, WECHATPAY_SIGNER, ids, pem, wechatpayHeaders } from "./helpers";

const NOW = 1_795_000_000_000; // ms
const nowS = NOW / 1000;
const body = '{"h5_url":"https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1&package=1"}';
const pk = new PublicKeyVerifier(ids.wechatpayPublicKeyId, pem.wechatpayPublic);

async function failure(p: Promise<unknown>): Promise<WechatPaySignatureError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WechatPaySignatureError);
    return e as WechatPaySignatureError;
  }
  throw new Error("expected verification to fail");
}

const check = (headers: Record<string, string>, b: string | Buffer = body, verifier: WechatPayVerifier = pk, now = NOW) =>
  verifyWechatPaySignature({ headers, body: b, verifier, now });

describe("response/callback verification (§2)", () => {
  it("accepts a correctly signed message (string or bytes, Headers or plain object)", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS });
    await expect(check(h)).resolves.toMatchObject({ serial: ids.wechatpayPublicKeyId, timestamp: nowS });
    await expect(check(h, Buffer.from(body))).resolves.toBeTruthy();
    await expect(check(Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])))).resolves.toBeTruthy();
    await expect(verifyWechatPaySignature({ headers: new Headers(h), body, verifier: pk, now: NOW })).resolves.toBeTruthy();
  });

  it("verifies an empty body (204) over ts\\nnonce\\n\\n", async () => {
    await expect(check(wechatpayHeaders("", { tsSeconds: nowS }), "")).resolves.toBeTruthy();
    await expect(failure(check(wechatpayHeaders("", { tsSeconds: nowS }), " "))).resolves.toMatchObject({ reason: "BAD_SIGNATURE" });
  });

  for (const header of ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"]) {
    it(`missing ${header} → MISSING_HEADER`, async () => {
      const h = wechatpayHeaders(body, { tsSeconds: nowS });
      delete h[header];
      const e = await failure(check(h));
      expect(e.reason).toBe("MISSING_HEADER");
      expect(e.header).toBe(header);
    });
  }

  it("bad signature (signed by another key) → BAD_SIGNATURE", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS, signer: { ...PLATFORM_SIGNER, serial: ids.wechatpayPublicKeyId } });
    expect((await failure(check(h))).reason).toBe("BAD_SIGNATURE");
  });

  it("garbage signature → BAD_SIGNATURE", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS, signatureOverride: "AAAA" });
    expect((await failure(check(h))).reason).toBe("BAD_SIGNATURE");
  });

  it("tampered body → BAD_SIGNATURE", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS });
    expect((await failure(check(h, body.replace("wx1", "wx2")))).reason).toBe("BAD_SIGNATURE");
    expect((await failure(check(h, body + "\n"))).reason).toBe("BAD_SIGNATURE");
  });

  it("tampered nonce or timestamp header → BAD_SIGNATURE", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS });
    expect((await failure(check({ ...h, "Wechatpay-Nonce": h["Wechatpay-Nonce"] + "0" }))).reason).toBe("BAD_SIGNATURE");
    expect((await failure(check({ ...h, "Wechatpay-Timestamp": String(nowS - 1) }))).reason).toBe("BAD_SIGNATURE");
  });

  it("timestamp 301 s in the past → STALE_TIMESTAMP", async () => {
    expect((await failure(check(wechatpayHeaders(body, { tsSeconds: nowS - 301 })))).reason).toBe("STALE_TIMESTAMP");
  });
  it("timestamp 301 s in the future → STALE_TIMESTAMP", async () => {
    expect((await failure(check(wechatpayHeaders(body, { tsSeconds: nowS + 301 })))).reason).toBe("STALE_TIMESTAMP");
  });
  it("exactly 300 s off is rejected (|now − ts| < 300 s)", async () => {
    expect((await failure(check(wechatpayHeaders(body, { tsSeconds: nowS - 300 })))).reason).toBe("STALE_TIMESTAMP");
  });
  it("299 s off either way is accepted", async () => {
    await expect(check(wechatpayHeaders(body, { tsSeconds: nowS - 299 }))).resolves.toBeTruthy();
    await expect(check(wechatpayHeaders(body, { tsSeconds: nowS + 299 }))).resolves.toBeTruthy();
  });
  it("non-numeric timestamp → MALFORMED_HEADER", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS });
    expect(await failure(check({ ...h, "Wechatpay-Timestamp": "1.7e9" }))).toMatchObject({ reason: "MALFORMED_HEADER" });
  });

  it("unknown serial → UNKNOWN_SERIAL", async () => {
    const h = wechatpayHeaders(body, {
      tsSeconds: nowS,
      signer: { ...WECHATPAY_SIGNER, serial: "PUB_KEY_ID_0000000000000000000000000000000009" },
    });
    const e = await failure(check(h));
    expect(e.reason).toBe("UNKNOWN_SERIAL");
    expect(e.serial).toBe("PUB_KEY_ID_0000000000000000000000000000000009");
  });

  it("WECHATPAY/SIGNTEST/ probe → SIGNATURE_PROBE (never success)", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS, signatureOverride: "WECHATPAY/SIGNTEST/" + "A".repeat(300) });
    expect((await failure(check(h))).reason).toBe("SIGNATURE_PROBE");
  });

  it("a foreign signature type → UNSUPPORTED_SIGNATURE_TYPE; a missing one is treated as RSA", async () => {
    const h = wechatpayHeaders(body, { tsSeconds: nowS });
    expect((await failure(check({ ...h, "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3" }))).reason).toBe(
      "UNSUPPORTED_SIGNATURE_TYPE",
    );
    const { ["Wechatpay-Signature-Type"]: _drop, ...rest } = h;
    await expect(check(rest)).resolves.toBeTruthy();
  });
});

describe("verifiers", () => {
  const cert = parsePlatformCertificate(pem.platformCertificate, ids.platformCertificateSerialNo);

  it("parsePlatformCertificate checks the X.509 serial against serial_no", () => {
    expect(cert.serialNo).toBe(ids.platformCertificateSerialNo);
    expect(cert.expireTime).toBe(Date.parse(new X509Certificate(pem.platformCertificate).validTo));
    expect(() => parsePlatformCertificate(pem.platformCertificate, "5B7E2D1C0A9F8E7D6C5B4A39281706F5E4D3C2B2")).toThrow(/does not match/);
    // leading zeros / case do not matter
    expect(parsePlatformCertificate(pem.platformCertificate, "00" + ids.platformCertificateSerialNo.toLowerCase()).serialNo).toBe(
      ids.platformCertificateSerialNo,
    );
  });

  function store(download: () => Promise<PlatformCertificate[]>, clock: { t: number }) {
    return new PlatformCertificateStore({ download, now: () => clock.t, refreshIntervalMs: 3_600_000, minRefreshIntervalMs: 60_000 });
  }

  it("certificate store: lazy first download, cache, rate-limited refresh on unknown serial, periodic refresh", async () => {
    const clock = { t: cert.effectiveTime + 1000 };
    let calls = 0;
    let list: PlatformCertificate[] = [];
    const s = store(async () => {
      calls++;
      return list;
    }, clock);
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBeUndefined(); // empty list: no crash, unknown
    expect(calls).toBe(1);
    list = [cert];
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBeUndefined(); // within 60 s: no new download
    expect(calls).toBe(1);
    clock.t += 60_000;
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBe(cert.publicKey); // unknown serial → refresh
    expect(calls).toBe(2);
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBe(cert.publicKey); // cached
    expect(await s.preferredSerial()).toBe(ids.platformCertificateSerialNo);
    expect(calls).toBe(2);
    clock.t += 3_600_000; // periodic
    await s.getKey(ids.platformCertificateSerialNo);
    expect(calls).toBe(3);
    expect(await s.getKey(ids.wechatpayPublicKeyId)).toBeUndefined(); // PUB_KEY_ID never triggers downloads
    expect(calls).toBe(3);
  });

  it("certificate store: a failing download (404) keeps the cache and never throws", async () => {
    const clock = { t: cert.effectiveTime + 1000 };
    let fail = false;
    const errors: unknown[] = [];
    const s = new PlatformCertificateStore({
      download: async () => {
        if (fail) throw new Error("404 NOT_FOUND");
        return [cert];
      },
      now: () => clock.t,
      onRefreshError: (e) => errors.push(e),
    });
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBe(cert.publicKey);
    fail = true;
    clock.t += 13 * 3_600_000;
    expect(await s.getKey(ids.platformCertificateSerialNo)).toBe(cert.publicKey);
    expect(errors).toHaveLength(1);
    expect(await s.getKey("ABCDEF")).toBeUndefined();
  });

  it("certificate store: concurrent lookups share one download", async () => {
    const clock = { t: cert.effectiveTime + 1000 };
    let calls = 0;
    const s = store(async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return [cert];
    }, clock);
    const keys = await Promise.all([1, 2, 3, 4].map(() => s.getKey(ids.platformCertificateSerialNo)));
    expect(keys.every((k) => k === cert.publicKey)).toBe(true);
    expect(calls).toBe(1);
  });

  it("combined verifier chooses the key by serial (migration)", async () => {
    const clock = { t: NOW };
    const s = store(async () => [cert], clock);
    const both = new CombinedVerifier([pk, s]);
    expect(await both.preferredSerial()).toBe(ids.wechatpayPublicKeyId);
    const h1 = wechatpayHeaders(body, { tsSeconds: nowS, signer: WECHATPAY_SIGNER });
    const h2 = wechatpayHeaders(body, { tsSeconds: nowS, signer: PLATFORM_SIGNER });
    await expect(check(h1, body, both)).resolves.toMatchObject({ serial: ids.wechatpayPublicKeyId });
    await expect(check(h2, body, both)).resolves.toMatchObject({ serial: ids.platformCertificateSerialNo });
    // a platform-key signature claiming the public key id is still rejected
    const forged = wechatpayHeaders(body, { tsSeconds: nowS, signer: { ...PLATFORM_SIGNER, serial: ids.wechatpayPublicKeyId } });
    expect((await failure(check(forged, body, both))).reason).toBe("BAD_SIGNATURE");
    // public-key-only verifier does not know the certificate
    expect((await failure(check(h2, body, pk))).reason).toBe("UNKNOWN_SERIAL");
  });
});
