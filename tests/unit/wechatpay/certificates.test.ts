import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWechatPayClient, type WechatPayClientConfig } from "../../../lib/wechatpay";
import {
  PLATFORM_SIGNER,
  WECHATPAY_SIGNER,
  apiV3Key,
  buildNotification,
  combineTransaction,
  ids,
  nonce12,
  pem,
  seal,
  startServer,
  type RecordedRequest,
  type Reply,
  type Signer,
  type TestServer,
  rejection,
} from "./helpers";

let server: TestServer;
beforeAll(async () => {
  server = await startServer(() => ({ status: 500 }));
});
afterAll(() => server.close());

/** Shared fake clock: the client's `now` and the server's signature timestamps move together. */
const clock = { offsetMs: 0 };
const nowMs = () => Date.now() + clock.offsetMs;
const nowS = () => Math.floor(nowMs() / 1000);
afterEach(() => {
  clock.offsetMs = 0;
  server.requests.length = 0;
});

interface CertOptions {
  list?: "cert" | "empty" | "404";
  serialNo?: string;
  /** AAD actually used to seal (the envelope always says "certificate") */
  aad?: string;
  key?: string;
  /** who signs the /v3/certificates answer; default: public key when asked for it (migration), else the platform cert */
  signer?: Signer;
}

function certificatesReply(req: RecordedRequest, o: CertOptions): Reply {
  if (o.list === "404") return { status: 404, body: '{"code":"NOT_FOUND","message":"无可用的平台证书"}' };
  const nonce = nonce12();
  const data =
    o.list === "empty"
      ? []
      : [
          {
            serial_no: o.serialNo ?? ids.platformCertificateSerialNo,
            effective_time: "2026-11-27T15:02:12+08:00",
            expire_time: "2031-11-26T15:02:12+08:00",
            encrypt_certificate: {
              algorithm: "AEAD_AES_256_GCM",
              nonce,
              associated_data: "certificate",
              ciphertext: seal(o.key ?? apiV3Key, nonce, o.aad ?? "certificate", pem.platformCertificate),
            },
          },
        ];
  const askedForPublicKey = String(req.headers["wechatpay-serial"] ?? "").startsWith("PUB_KEY_ID_");
  return {
    status: 200,
    body: JSON.stringify({ data }),
    signer: o.signer ?? (askedForPublicKey ? WECHATPAY_SIGNER : PLATFORM_SIGNER),
    tsSeconds: nowS(),
  };
}

function route(o: { certs: CertOptions; apiSigner?: Signer }) {
  server.handler = (req) => {
    if (req.url === "/v3/certificates") return certificatesReply(req, o.certs);
    const asked = String(req.headers["wechatpay-serial"] ?? "");
    const signer = o.apiSigner ?? (asked.startsWith("PUB_KEY_ID_") ? WECHATPAY_SIGNER : PLATFORM_SIGNER);
    return { status: 200, body: JSON.stringify(combineTransaction()), signer, tsSeconds: nowS() };
  };
}

const certDownloads = () => server.requests.filter((r) => r.url === "/v3/certificates");

function certClient(extra: Partial<WechatPayClientConfig> = {}, errors: unknown[] = []) {
  return createWechatPayClient({
    baseUrl: server.url,
    mchid: ids.combineMchid,
    merchantSerialNo: ids.merchantSerialNo,
    merchantPrivateKey: pem.merchantPrivate,
    apiV3Key,
    platformCertificates: { enabled: true },
    now: nowMs,
    retry: { maxAttempts: 1, baseDelayMs: 1 },
    onCertificateRefreshError: (e) => errors.push(e),
    ...extra,
  });
}

describe("platform-certificate mode", () => {
  it("downloads once, decrypts, caches, and sends the certificate serial as Wechatpay-Serial", async () => {
    route({ certs: { list: "cert" } });
    const client = certClient();
    await client.combineQuery("C2026112700000001");
    await client.combineQuery("C2026112700000001");
    expect(certDownloads()).toHaveLength(1);
    const [dl, q1, q2] = server.requests;
    expect(dl!.url).toBe("/v3/certificates");
    expect(dl!.auth.ok).toBe(true);
    expect(dl!.headers["wechatpay-serial"]).toBeUndefined(); // nothing known yet
    expect(q1!.headers["wechatpay-serial"]).toBe(ids.platformCertificateSerialNo);
    expect(q2!.headers["wechatpay-serial"]).toBe(ids.platformCertificateSerialNo);
    // notifications signed by the platform certificate verify from the cache
    const n = buildNotification(combineTransaction(), { signer: PLATFORM_SIGNER, tsSeconds: nowS() });
    await expect(client.parseNotification(n.headers, n.body)).resolves.toMatchObject({
      kind: "combine_transaction",
      serial: ids.platformCertificateSerialNo,
    });
    expect(certDownloads()).toHaveLength(1);
  });

  it("empty list: no crash, unknown serial rejected; refresh on unknown serial at most once per 60 s", async () => {
    const o = { certs: { list: "empty" as CertOptions["list"] } };
    route(o);
    const errors: unknown[] = [];
    const client = certClient({}, errors);
    expect(await rejection(client.combineQuery("C2026112700000001"))).toMatchObject({ kind: "signature", reason: "UNKNOWN_SERIAL" });
    expect(await rejection(client.combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
    expect(certDownloads()).toHaveLength(1); // rate limited

    o.certs.list = "cert"; // WeChat now serves the certificate
    clock.offsetMs = 59_000;
    expect(await rejection(client.combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
    expect(certDownloads()).toHaveLength(1);
    clock.offsetMs = 61_000;
    await expect(client.combineQuery("C2026112700000001")).resolves.toMatchObject({ combine_mchid: ids.combineMchid });
    expect(certDownloads()).toHaveLength(2);
  });

  it("404 on /v3/certificates: reported, never thrown from the store; calls fail with UNKNOWN_SERIAL", async () => {
    route({ certs: { list: "404" } });
    const errors: unknown[] = [];
    const client = certClient({}, errors);
    expect(await rejection(client.combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
    expect(errors[0]).toMatchObject({ kind: "api", status: 404 });
    const n = buildNotification(combineTransaction(), { signer: PLATFORM_SIGNER, tsSeconds: nowS() });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
  });

  it("refreshes periodically (refreshIntervalMs)", async () => {
    route({ certs: { list: "cert" } });
    const client = certClient({ platformCertificates: { enabled: true, refreshIntervalMs: 120_000 } });
    await client.combineQuery("C2026112700000001");
    clock.offsetMs = 100_000;
    await client.combineQuery("C2026112700000001");
    expect(certDownloads()).toHaveLength(1);
    clock.offsetMs = 121_000;
    await client.combineQuery("C2026112700000001");
    expect(certDownloads()).toHaveLength(2);
    // the refresh request now names the certificate it already trusts
    expect(certDownloads()[1]!.headers["wechatpay-serial"]).toBe(ids.platformCertificateSerialNo);
  });

  it("bootstrap: a certificate list whose signature does not verify with the certificates it carries is not trusted", async () => {
    route({ certs: { list: "cert", signer: { ...WECHATPAY_SIGNER, serial: ids.platformCertificateSerialNo } } });
    const errors: unknown[] = [];
    const client = certClient({}, errors);
    expect(await rejection(client.combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
    expect(errors[0]).toMatchObject({ kind: "signature", reason: "BAD_SIGNATURE" });
  });

  it("bootstrap: serial_no not matching the X.509 serial is not trusted", async () => {
    route({ certs: { list: "cert", serialNo: "1234567890ABCDEF" } });
    const errors: unknown[] = [];
    expect(await rejection(certClient({}, errors).combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
    expect(errors[0]).toMatchObject({ kind: "validation" });
  });

  it("bootstrap: a certificate encrypted with another key or AAD is not trusted", async () => {
    for (const certs of [
      { list: "cert", key: "Q".repeat(32) },
      { list: "cert", aad: "transaction" },
    ] as CertOptions[]) {
      route({ certs });
      const errors: unknown[] = [];
      expect(await rejection(certClient({}, errors).combineQuery("C2026112700000001"))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
      expect(errors[0]).toMatchObject({ kind: "decrypt" });
    }
  });
});

describe("migration mode (public key + platform certificates)", () => {
  const both = () =>
    certClient({ publicKey: { id: ids.wechatpayPublicKeyId, key: pem.wechatpayPublic }, platformCertificates: { enabled: true } });

  it("sends the public key id, verifies public-key responses without downloading certificates", async () => {
    route({ certs: { list: "cert" } });
    const client = both();
    await client.combineQuery("C2026112700000001");
    expect(certDownloads()).toHaveLength(0);
    expect(server.requests[0]!.headers["wechatpay-serial"]).toBe(ids.wechatpayPublicKeyId);
  });

  it("chooses the key by Wechatpay-Serial: a certificate-signed callback triggers the download, then verifies", async () => {
    route({ certs: { list: "cert" } });
    const client = both();
    const byKey = buildNotification(combineTransaction(), { signer: WECHATPAY_SIGNER, tsSeconds: nowS() });
    await expect(client.parseNotification(byKey.headers, byKey.body)).resolves.toMatchObject({ serial: ids.wechatpayPublicKeyId });
    const byCert = buildNotification(combineTransaction(), { signer: PLATFORM_SIGNER, tsSeconds: nowS() });
    await expect(client.parseNotification(byCert.headers, byCert.body)).resolves.toMatchObject({ serial: ids.platformCertificateSerialNo });
    expect(certDownloads()).toHaveLength(1);
    // the download asked for public-key signing and was verified with the public key
    expect(certDownloads()[0]!.headers["wechatpay-serial"]).toBe(ids.wechatpayPublicKeyId);
    // API responses signed by the certificate also verify
    route({ certs: { list: "cert" }, apiSigner: PLATFORM_SIGNER });
    await expect(client.combineQuery("C2026112700000001")).resolves.toBeTruthy();
  });
});
