// Refund client: known answers (docs/wechatpay.md §14.9), request shapes in partner and direct mode, the
// REFUND.* notification, and the §14.5 retry classification. The test server and the sealing/signing
// helpers are independent of lib/wechatpay.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  RequestSigner,
  RefundNotificationSchema,
  WechatPayApiError,
  WechatPayNetworkError,
  WechatPaySignatureError,
  WechatPayValidationError,
  classifyRefundFailure,
  isOutcomeUnknown,
  isRefusalAfterUnknown,
  createWechatPayClient,
  decryptAeadAes256Gcm,
  type WechatPayClientConfig,
} from "../../../lib/wechatpay";
import {
  FIXTURES,
  buildNotification,
  ids,
  rejection,
  startServer,
  wechatpayHeaders,
  type Handler,
  type TestServer,
  testClientConfig,
} from "./helpers";

// docs/wechatpay.md §14.9 vectors.
const kat = JSON.parse(readFileSync(path.join(FIXTURES, "vectors/refund-kat.json"), "utf8")) as {
  requestSignature: {
    mchid: string;
    serialNo: string;
    timestamp: string;
    nonce: string;
    cases: { name: string; method: string; url: string; body: string; signature: string }[];
  };
  refundNotification: { key: string; nonce: string; associatedData: string; plaintext: string; ciphertext: string };
};
const docKeyPem = readFileSync(path.join(FIXTURES, "official-doc-test-key.pem"), "utf8");

describe("refund known answers (docs/wechatpay.md §14.9)", () => {
  const rs = kat.requestSignature;
  for (const c of rs.cases) {
    it(`signs the ${c.name} message exactly`, () => {
      const signer = new RequestSigner({ mchid: rs.mchid, serialNo: rs.serialNo, privateKey: docKeyPem });
      const signed = signer.sign(c.method, c.url, c.body, { timestamp: rs.timestamp, nonce: rs.nonce });
      expect(signed.signature).toBe(c.signature);
    });
  }

  it("decrypts the refund notification vector and validates the plaintext", () => {
    const v = kat.refundNotification;
    const plain = decryptAeadAes256Gcm(v.key, v.nonce, v.associatedData, v.ciphertext).toString("utf8");
    expect(plain).toBe(v.plaintext);
    const parsed = RefundNotificationSchema.parse(JSON.parse(plain));
    expect(parsed).toMatchObject({ sub_mchid: "1900000109", refund_status: "SUCCESS", amount: { total: 100, refund: 40 } });
  });

  it("the vector fails with the wrong associated data (it is authenticated)", () => {
    const v = kat.refundNotification;
    expect(() => decryptAeadAes256Gcm(v.key, v.nonce, "", v.ciphertext)).toThrow(/authentication failed/);
  });

  it("parseNotification: the §14.9 ciphertext inside a signed REFUND.SUCCESS envelope → kind refund", async () => {
    const v = kat.refundNotification;
    const client = createWechatPayClient({ ...testClientConfig("http://127.0.0.1:9"), apiV3Key: v.key });
    const { body } = buildNotification(undefined, {
      key: v.key,
      aad: v.associatedData,
      event_type: "REFUND.SUCCESS",
      rawPlaintext: v.plaintext,
    });
    // buildNotification seals with a fresh nonce; swap in the vector's own nonce + ciphertext and re-sign.
    const envelope = JSON.parse(body) as { resource: Record<string, string> };
    envelope.resource = { ...envelope.resource, nonce: v.nonce, ciphertext: v.ciphertext, original_type: "refund" };
    const raw = JSON.stringify(envelope);
    const n = await client.parseNotification(wechatpayHeaders(raw), raw);
    expect(n.kind).toBe("refund");
    if (n.kind !== "refund") throw new Error("unreachable");
    expect(n.resource.out_refund_no).toBe("R20250101000001");
    expect(n.resource.amount.refund).toBe(40);
  });
});

let server: TestServer;
const none: Handler = () => ({ status: 500, body: '{"code":"NOT_ROUTED","message":"set a handler"}' });
beforeAll(async () => {
  server = await startServer(none);
});
afterAll(() => server.close());
afterEach(() => {
  server.handler = none;
  server.requests.length = 0;
});

function makeClient(overrides: Partial<WechatPayClientConfig> = {}) {
  return createWechatPayClient({
    ...testClientConfig(server.url),
    retry: { maxAttempts: 3, baseDelayMs: 1 },
    timeoutMs: 1_000,
    userAgent: "test-agent/1.0",
    ...overrides,
  });
}

const sub = ids.subMerchants[0]!;
const refundBody = {
  sub_mchid: sub.subMchid,
  out_trade_no: "C26112700000000ABCD-1",
  out_refund_no: "R26112700000000ABCD",
  reason: "退货",
  notify_url: "https://shop.example.com/api/wechatpay/refund-notify",
  amount: { refund: 40, total: 100, currency: "CNY" as const },
};
const refundAnswer = {
  refund_id: "50300000000000000000000001",
  out_refund_no: refundBody.out_refund_no,
  transaction_id: "4200001234202611270000000001",
  out_trade_no: refundBody.out_trade_no,
  channel: "ORIGINAL",
  user_received_account: "支付用户零钱",
  create_time: "2026-11-27T15:04:05+08:00",
  status: "PROCESSING",
  funds_account: "AVAILABLE",
  amount: {
    total: 100,
    refund: 40,
    payer_total: 100,
    payer_refund: 40,
    settlement_refund: 40,
    settlement_total: 100,
    discount_refund: 0,
    currency: "CNY",
    from: [],
  },
  promotion_detail: [],
};

describe("createRefund / queryRefund", () => {
  it("partner mode: POST /v3/refund/domestic/refunds with sub_mchid in the body, parsed answer", async () => {
    server.handler = () => ({ body: JSON.stringify(refundAnswer) });
    const r = await makeClient().createRefund(refundBody);
    expect(r.status).toBe("PROCESSING");
    expect(r.amount.refund).toBe(40);
    const req = server.requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/v3/refund/domestic/refunds");
    expect(JSON.parse(req.body)).toEqual(refundBody);
    expect(req.headers["wechatpay-serial"]).toBe(ids.wechatpayPublicKeyId);
  });

  it("direct mode: no sub_mchid; sending one with direct fields only is rejected before sending", async () => {
    server.handler = () => ({ body: JSON.stringify(refundAnswer) });
    const { sub_mchid: _, ...direct } = refundBody;
    await makeClient().createRefund(direct);
    expect(JSON.parse(server.requests[0]!.body)).not.toHaveProperty("sub_mchid");
  });

  it("rejects bad input before sending: reason > 80 bytes, refund > total, neither id, bad out_refund_no", async () => {
    const c = makeClient();
    for (const bad of [
      { ...refundBody, reason: "退".repeat(27) }, // 81 bytes
      { ...refundBody, amount: { refund: 101, total: 100, currency: "CNY" as const } },
      { ...refundBody, out_trade_no: undefined },
      { ...refundBody, out_refund_no: "R#1" },
      { ...refundBody, notify_url: "https://shop.example.com/n?x=1" },
    ]) {
      const e = await rejection(c.createRefund(bad));
      expect(e).toBeInstanceOf(WechatPayValidationError);
      expect(classifyRefundFailure(e).class).toBe("final");
    }
    expect(server.requests).toHaveLength(0);
  });

  it("SYSTEM_ERROR is retried with byte-identical bodies (same out_refund_no), then succeeds", async () => {
    let n = 0;
    server.handler = () =>
      ++n < 3 ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"系统超时"}' } : { body: JSON.stringify(refundAnswer) };
    await makeClient().createRefund(refundBody);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.body)).size).toBe(1);
  });

  it("queryRefund: partner → ?sub_mchid= in the signed URL; direct → no query; path escaped", async () => {
    server.handler = () => ({ body: JSON.stringify({ ...refundAnswer, status: "SUCCESS", success_time: "2026-11-27T15:05:00+08:00" }) });
    const r = await makeClient().queryRefund("R|2026*1", { sub_mchid: sub.subMchid });
    expect(r.status).toBe("SUCCESS");
    expect(server.requests[0]!.url).toBe(`/v3/refund/domestic/refunds/R%7C2026%2A1?sub_mchid=${sub.subMchid}`);
    await makeClient().queryRefund("R1");
    expect(server.requests[1]!.url).toBe("/v3/refund/domestic/refunds/R1");
  });

  it("a refusal of a retry after a 5xx or a time-out carries afterUnknownAttempt: it does not prove the refund was never made (§9.4)", async () => {
    let n = 0;
    server.handler = () =>
      ++n === 1
        ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"系统超时"}' }
        : { status: 403, body: '{"code":"NO_AUTH","message":"x"}' };
    const afterFiveHundred = await rejection(makeClient().createRefund(refundBody));
    expect(afterFiveHundred).toMatchObject({ status: 403, code: "NO_AUTH", afterUnknownAttempt: true });
    expect(isOutcomeUnknown(afterFiveHundred)).toBe(true);
    expect(isRefusalAfterUnknown(afterFiveHundred)).toBe(true);

    n = 0;
    server.handler = () =>
      ++n === 1
        ? { status: 200, body: JSON.stringify(refundAnswer), delayMs: 300 }
        : { status: 401, body: '{"code":"SIGN_ERROR","message":"x"}' };
    const afterTimeout = await rejection(makeClient({ timeoutMs: 100 }).createRefund(refundBody));
    expect(afterTimeout).toMatchObject({ status: 401, code: "SIGN_ERROR", afterUnknownAttempt: true });

    // a 429 is refused before any effect, and a first refusal stands on its own
    n = 0;
    server.handler = () =>
      ++n === 1
        ? { status: 429, body: '{"code":"FREQUENCY_LIMITED","message":"x"}' }
        : { status: 400, body: '{"code":"PARAM_ERROR","message":"x"}' };
    const afterRateLimit = await rejection(makeClient().createRefund(refundBody));
    expect(afterRateLimit).toMatchObject({ code: "PARAM_ERROR", afterUnknownAttempt: false });
    expect(isOutcomeUnknown(afterRateLimit)).toBe(false);

    // a GET changes nothing at WeChat: its answer after a 5xx is as good as any
    n = 0;
    server.handler = () =>
      ++n === 1
        ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"x"}' }
        : { status: 404, body: '{"code":"RESOURCE_NOT_EXISTS","message":"x"}' };
    const query = await rejection(makeClient().queryRefund("R1"));
    expect(query).toMatchObject({ code: "RESOURCE_NOT_EXISTS", afterUnknownAttempt: false });
  });

  it("an unsigned 200 is not trusted: signature error, outcome unknown", async () => {
    server.handler = () => ({ body: JSON.stringify(refundAnswer), sign: false });
    const e = await rejection(makeClient().createRefund(refundBody));
    expect(e).toBeInstanceOf(WechatPaySignatureError);
    expect(classifyRefundFailure(e)).toMatchObject({ class: "unknown", code: "UNVERIFIED" });
  });
});

describe("what WeChat may send in a refund, and what we may send", () => {
  /** The answer as raw JSON text, so number forms like 12.0 reach the client as written. */
  const answerWith = (amountJson: string) => JSON.stringify({ ...refundAnswer, amount: "@AMOUNT@" }).replace('"@AMOUNT@"', amountJson);

  it("amount.refund_fee is taken as sent: whole fen, written 12.0, or a fraction (one SDK spec types it as any number)", async () => {
    for (const [json, fee] of [
      ['{"total":100,"refund":40,"refund_fee":0,"currency":"CNY"}', 0],
      ['{"total":100,"refund":40,"refund_fee":12.0,"currency":"CNY"}', 12],
      ['{"total":100,"refund":40,"refund_fee":0.24,"currency":"CNY"}', 0.24],
    ] as const) {
      server.handler = () => ({ body: answerWith(json) });
      const r = await makeClient().createRefund(refundBody);
      expect([r.amount.refund, r.amount.total, r.amount.refund_fee]).toEqual([40, 100, fee]);
    }
  });

  it("an amount we count with that is not whole fen is refused, named, never rounded", async () => {
    server.handler = () => ({ body: answerWith('{"total":100,"refund":40.5,"currency":"CNY"}') });
    const e = await rejection(makeClient().createRefund(refundBody));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect((e as Error).message).toContain("amount.refund: must be a whole number of fen, got 40.5");
    // signed but unreadable: the refund may exist, so the outcome is unknown and the advice says why
    expect(classifyRefundFailure(e)).toMatchObject({ class: "unknown", code: "UNVERIFIED" });
    expect(classifyRefundFailure(e).advice).toContain("whole number of fen");
    // the same rule in the notification
    const plain = { out_trade_no: "S1", out_refund_no: "R1", refund_id: "1", refund_status: "SUCCESS", sp_mchid: "1" };
    expect(RefundNotificationSchema.safeParse({ ...plain, amount: { total: 100, refund: 40 } }).success).toBe(true);
    const bad = RefundNotificationSchema.safeParse({ ...plain, amount: { total: 100.5, refund: 40 } });
    expect(bad.error?.issues[0]).toMatchObject({ path: ["amount", "total"], message: "must be a whole number of fen, got 100.5" });
  });

  it("a refund's notify_url may have 256 characters (§14.1.1 string(256)); 257 is refused before sending", async () => {
    const url = (n: number) => {
      const base = "https://shop.example.com/";
      return base + "r".repeat(n - base.length);
    };
    server.handler = () => ({ body: JSON.stringify(refundAnswer) });
    await makeClient().createRefund({ ...refundBody, notify_url: url(256) });
    expect(JSON.parse(server.requests[0]!.body).notify_url).toHaveLength(256);
    const e = await rejection(makeClient().createRefund({ ...refundBody, notify_url: url(257) }));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect((e as Error).message).toContain("at most 256 characters");
    expect(server.requests).toHaveLength(1);
  });
});

describe("applyAbnormalRefund (docs/wechatpay.md §14.3)", () => {
  it("POST …/refunds/{refund_id}/apply-abnormal-refund with sub_mchid, out_refund_no and MERCHANT_BANK_CARD", async () => {
    server.handler = () => ({
      body: JSON.stringify({ ...refundAnswer, channel: "OTHER_BANKCARD", user_received_account: "商户银行账户" }),
    });
    const r = await makeClient().applyAbnormalRefund(refundAnswer.refund_id, {
      sub_mchid: sub.subMchid,
      out_refund_no: refundBody.out_refund_no,
      type: "MERCHANT_BANK_CARD",
    });
    expect(r.channel).toBe("OTHER_BANKCARD");
    const req = server.requests[0]!;
    expect([req.method, req.url]).toEqual(["POST", `/v3/refund/domestic/refunds/${refundAnswer.refund_id}/apply-abnormal-refund`]);
    expect(JSON.parse(req.body)).toEqual({ sub_mchid: sub.subMchid, out_refund_no: refundBody.out_refund_no, type: "MERCHANT_BANK_CARD" });
  });

  it("is not retried on SYSTEM_ERROR (a repeat of an accepted request is refused, so the caller decides)", async () => {
    server.handler = () => ({ status: 500, body: '{"code":"SYSTEM_ERROR","message":"系统超时"}' });
    const e = await rejection(
      makeClient().applyAbnormalRefund(refundAnswer.refund_id, { out_refund_no: "R1", type: "MERCHANT_BANK_CARD" }),
    );
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(server.requests).toHaveLength(1);
  });

  it("refuses before sending: a user's bank card (needs encrypted personal data), a bad refund_id", async () => {
    const c = makeClient();
    const bad = [
      c.applyAbnormalRefund(refundAnswer.refund_id, { out_refund_no: "R1", type: "USER_BANK_CARD" as never }),
      c.applyAbnormalRefund("50/../1", { out_refund_no: "R1", type: "MERCHANT_BANK_CARD" }),
      c.applyAbnormalRefund(refundAnswer.refund_id, { out_refund_no: "R#1", type: "MERCHANT_BANK_CARD" }),
    ];
    for (const p of bad) expect(await rejection(p)).toBeInstanceOf(WechatPayValidationError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("refund failure classification (docs/wechatpay.md §14.5)", () => {
  const api = (status: number, code: string) => new WechatPayApiError({ status, code, message: code });
  it.each([
    [500, "SYSTEM_ERROR", "unknown"],
    [429, "FREQUENCY_LIMITED", "retry_later"], // refused before anything was created: time alone fixes it
    [429, "RATELIMIT_EXCEEDED", "retry_later"],
    [429, "SOME_NEW_LIMIT", "unknown"],
    [503, "UNKNOWN", "unknown"],
    [403, "NOT_ENOUGH", "retry_later"],
    [403, "NOTENOUGH", "retry_later"],
    [403, "USER_ACCOUNT_ABNORMAL", "final"],
    [403, "NO_AUTH", "final"],
    [400, "PARAM_ERROR", "final"],
    [400, "INVALID_REQUEST", "final"],
    [404, "RESOURCE_NOT_EXISTS", "final"],
    [401, "SIGN_ERROR", "final"],
    [400, "MCH_NOT_EXISTS", "final"],
  ])("%i %s → %s", (status, code, cls) => {
    const f = classifyRefundFailure(api(status, code));
    expect(f.class).toBe(cls);
    expect(f.advice.length).toBeGreaterThan(5);
  });
  it("NO_AUTH tells the merchant to authorise 服务商API退款", () => {
    expect(classifyRefundFailure(api(403, "NO_AUTH")).advice).toContain("服务商API退款");
  });
  it("a timeout is unknown", () => {
    expect(classifyRefundFailure(new WechatPayNetworkError("t", { timeout: true, attempts: 3 })).class).toBe("unknown");
  });
  it("a programming error is not swallowed", () => {
    expect(() => classifyRefundFailure(new TypeError("x"))).toThrow(TypeError);
  });
});
