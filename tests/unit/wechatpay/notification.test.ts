import { describe, expect, it } from "vitest";
import {
  KNOWN_TRADE_STATES,
  WechatPayConfigError,
  WechatPayDecryptError,
  WechatPaySignatureError,
  WechatPayValidationError,
  createWechatPayClient,
  type WechatPayClientConfig,
} from "../../../lib/wechatpay";
import { PLATFORM_SIGNER, apiV3Key, buildNotification, combineTransaction, ids, rejection, testClientConfig } from "./helpers";

const config: WechatPayClientConfig = testClientConfig("http://127.0.0.1:9"); // never contacted in these tests
const client = createWechatPayClient(config);

describe("parseNotification (§7)", () => {
  it("verifies, decrypts and validates a combine payment notification", async () => {
    const tx = combineTransaction();
    const n = buildNotification(tx);
    const parsed = await client.parseNotification(n.headers, n.body);
    expect(parsed.kind).toBe("combine_transaction");
    if (parsed.kind !== "combine_transaction") throw new Error("narrowing");
    expect(parsed.id).toBe("EV-2026112700000000001");
    expect(parsed.event_type).toBe("TRANSACTION.SUCCESS");
    expect(parsed.envelope.resource.original_type).toBe("transaction");
    expect(parsed.serial).toBe(ids.wechatpayPublicKeyId);
    expect(parsed.resource.combine_out_trade_no).toBe(tx.combine_out_trade_no);
    expect(parsed.resource.sub_orders).toHaveLength(2);
    expect(parsed.resource.sub_orders[1]!.amount.total_amount).toBe(200);
    // unknown extra keys are tolerated and kept
    expect((parsed.resource as Record<string, unknown>).some_future_top_level).toBe(true);
  });

  it("accepts all seven trade_state values", async () => {
    for (const s of KNOWN_TRADE_STATES) {
      const n = buildNotification(combineTransaction({ trade_state: s }));
      const parsed = await client.parseNotification(new Headers(n.headers), n.body);
      if (parsed.kind !== "combine_transaction") throw new Error("kind");
      expect(parsed.resource.sub_orders.map((o) => o.trade_state)).toEqual([s, s]);
    }
  });

  it("accepts an empty associated_data", async () => {
    const n = buildNotification(combineTransaction(), { aad: "" });
    await expect(client.parseNotification(n.headers, n.body)).resolves.toMatchObject({ kind: "combine_transaction" });
  });

  it("accepts a Uint8Array raw body", async () => {
    const n = buildNotification(combineTransaction());
    await expect(client.parseNotification(n.headers, new TextEncoder().encode(n.body))).resolves.toMatchObject({
      kind: "combine_transaction",
    });
  });

  it("hands back other event types decrypted but untyped (caller decides)", async () => {
    const n = buildNotification({ anything: 1 }, { event_type: "SECURITY_ECHO.SUCCESS" });
    const parsed = await client.parseNotification(n.headers, n.body);
    expect(parsed).toMatchObject({ kind: "other", event_type: "SECURITY_ECHO.SUCCESS", resource: { anything: 1 } });
  });

  it("REFUND.* is typed (docs/wechatpay.md §14.4): a plaintext without the refund fields is invalid", async () => {
    const n = buildNotification({ anything: 1 }, { event_type: "REFUND.SUCCESS", aad: "" });
    const e = await rejection(client.parseNotification(n.headers, n.body));
    expect(e).toBeInstanceOf(WechatPayValidationError);
  });

  it("signature failure comes first: nothing is decrypted", async () => {
    const n = buildNotification(combineTransaction());
    const tampered = n.body.replace("支付成功", "支付失败");
    const e = await rejection(client.parseNotification(n.headers, tampered));
    expect(e).toBeInstanceOf(WechatPaySignatureError);
    expect((e as WechatPaySignatureError).reason).toBe("BAD_SIGNATURE");
  });

  it("signature probe → SIGNATURE_PROBE", async () => {
    const n = buildNotification(combineTransaction());
    const e = await rejection(
      client.parseNotification({ ...n.headers, "Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + n.headers["Wechatpay-Signature"] }, n.body),
    );
    expect(e).toMatchObject({ kind: "signature", reason: "SIGNATURE_PROBE" });
  });

  it("stale notification → STALE_TIMESTAMP", async () => {
    const n = buildNotification(combineTransaction(), { tsSeconds: Math.floor(Date.now() / 1000) - 301 });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toMatchObject({ reason: "STALE_TIMESTAMP" });
  });

  it("signed by the platform certificate while only the public key is configured → UNKNOWN_SERIAL", async () => {
    const n = buildNotification(combineTransaction(), { signer: PLATFORM_SIGNER });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toMatchObject({ reason: "UNKNOWN_SERIAL" });
  });

  it("tampered ciphertext tag (validly re-signed) → WechatPayDecryptError", async () => {
    const n = buildNotification(combineTransaction(), {
      mutateCiphertext: (b64) => {
        const raw = Buffer.from(b64, "base64");
        raw[raw.length - 3]! ^= 0xff;
        return raw.toString("base64");
      },
    });
    const e = await rejection(client.parseNotification(n.headers, n.body));
    expect(e).toBeInstanceOf(WechatPayDecryptError);
    expect((e as WechatPayDecryptError).reason).toBe("AUTHENTICATION_FAILED");
  });

  it("wrong APIv3 key → WechatPayDecryptError", async () => {
    const n = buildNotification(combineTransaction(), { key: "Z".repeat(32) });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toBeInstanceOf(WechatPayDecryptError);
  });

  it("wrong nonce in the envelope → WechatPayDecryptError", async () => {
    const n = buildNotification(combineTransaction(), { nonceInEnvelope: "AAAAAAAAAAAA" });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toBeInstanceOf(WechatPayDecryptError);
  });

  it("algorithm other than AEAD_AES_256_GCM → UNSUPPORTED_ALGORITHM", async () => {
    const n = buildNotification(combineTransaction(), { algorithm: "AEAD_SM4_GCM" });
    expect(await rejection(client.parseNotification(n.headers, n.body))).toMatchObject({
      kind: "decrypt",
      reason: "UNSUPPORTED_ALGORITHM",
    });
  });

  it("plaintext that is not a combine transaction → WechatPayValidationError (notification)", async () => {
    const bad = combineTransaction() as Record<string, unknown>;
    delete bad.combine_out_trade_no;
    const e = await rejection(client.parseNotification(...(Object.values(buildNotification(bad)) as [Record<string, string>, string])));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect((e as WechatPayValidationError).target).toBe("notification");
    expect((e as WechatPayValidationError).issues[0]!.path).toEqual(["combine_out_trade_no"]);

    const noSubs = buildNotification({ ...combineTransaction(), sub_orders: [] });
    expect(await rejection(client.parseNotification(noSubs.headers, noSubs.body))).toBeInstanceOf(WechatPayValidationError);
  });

  it("decrypted plaintext that is not JSON → WechatPayValidationError", async () => {
    const n = buildNotification(null, { rawPlaintext: "{not json" });
    const e = await rejection(client.parseNotification(n.headers, n.body));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect(e.message).toMatch(/not valid JSON/);
  });

  it("envelope without resource → WechatPayValidationError", async () => {
    const { wechatpayHeaders } = await import("./helpers");
    const body = JSON.stringify({ id: "EV-1", create_time: "x", event_type: "TRANSACTION.SUCCESS", resource_type: "encrypt-resource" });
    const e = await rejection(client.parseNotification(wechatpayHeaders(body), body));
    expect(e).toMatchObject({ kind: "validation", target: "notification" });
    const notJson = "<xml/>";
    expect(await rejection(client.parseNotification(wechatpayHeaders(notJson), notJson))).toMatchObject({ kind: "validation" });
  });

  it("no error message ever contains the APIv3 key or a PEM", async () => {
    const cases = [
      buildNotification(combineTransaction(), { key: "Z".repeat(32) }),
      buildNotification(combineTransaction(), { algorithm: "X" }),
      buildNotification({ nope: true }),
    ];
    for (const n of cases) {
      const e = await rejection(client.parseNotification(n.headers, n.body));
      const text = `${e.message} ${JSON.stringify(e)} ${String(e.stack)}`;
      expect(text).not.toContain(apiV3Key);
      expect(text).not.toContain("PRIVATE KEY");
    }
  });
});

describe("client construction", () => {
  it("rejects an APIv3 key that is not 32 bytes", () => {
    expect(() => createWechatPayClient({ ...config, apiV3Key: "testAPIv3Key0000" })).toThrow(WechatPayConfigError);
    expect(() => createWechatPayClient({ ...config, apiV3Key: apiV3Key + "x" })).toThrow(/32 bytes/);
  });
  it("requires a verification key source", () => {
    const { publicKey: _pk, ...rest } = config;
    expect(() => createWechatPayClient(rest)).toThrow(WechatPayConfigError);
  });
  it("rejects a bad merchant key or public key without echoing it", () => {
    try {
      createWechatPayClient({ ...config, merchantPrivateKey: "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----" });
      throw new Error("should throw");
    } catch (e) {
      expect(e).toBeInstanceOf(WechatPayConfigError);
      expect((e as Error).message).not.toContain("TOPSECRET");
    }
    expect(() => createWechatPayClient({ ...config, publicKey: { id: "PUB_KEY_ID_1", key: "nope" } })).toThrow(WechatPayConfigError);
    expect(() => createWechatPayClient({ ...config, baseUrl: "not a url" })).toThrow(WechatPayConfigError);
  });
});
