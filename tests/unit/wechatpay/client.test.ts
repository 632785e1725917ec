import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  KNOWN_TRADE_STATES,
  WechatPayApiError,
  WechatPayBillHashError,
  WechatPayNetworkError,
  WechatPaySignatureError,
  WechatPayValidationError,
  createWechatPayClient,
  deriveCombineState,
  type CombineH5PrepayPartnerRequest,
  type CombineH5PrepayDirectRequest,
  type WechatPayClientConfig,
} from "../../../lib/wechatpay";
import {
  PLATFORM_SIGNER,
  apiV3Key,
  combineTransaction,
  ids,
  startServer,
  type Handler,
  type TestServer,
  rejection,
  testClientConfig,
} from "./helpers";

let server: TestServer;
const ok: Handler = () => ({ status: 500, body: '{"code":"NOT_ROUTED","message":"set a handler"}' });
beforeAll(async () => {
  server = await startServer(ok);
});
afterAll(() => server.close());
afterEach(() => {
  server.handler = ok;
  server.requests.length = 0;
});

const responses: { method: string; path: string; status: number; requestId?: string }[] = [];
function makeClient(overrides: Partial<WechatPayClientConfig> = {}) {
  return createWechatPayClient({
    ...testClientConfig(server.url),
    retry: { maxAttempts: 3, baseDelayMs: 1 },
    timeoutMs: 2_000,
    userAgent: "test-agent/1.0",
    onResponse: (i) => responses.push(i),
    ...overrides,
  });
}

const [m1, m2] = ids.subMerchants as [(typeof ids.subMerchants)[0], (typeof ids.subMerchants)[0]];
function partnerRequest(): CombineH5PrepayPartnerRequest {
  return {
    combine_appid: ids.combineAppid,
    combine_mchid: ids.combineMchid,
    combine_out_trade_no: "C2026112700000001",
    scene_info: {
      payer_client_ip: "203.0.113.7",
      device_id: "WEB0001",
      h5_info: { type: "Wap", app_name: "茶语小铺", app_url: "https://shop.example.com" },
    },
    sub_orders: [m1, m2].map((m, i) => ({
      mchid: ids.combineMchid,
      sub_mchid: m.subMchid,
      attach: m.storeId,
      amount: { total_amount: 100 + i, currency: "CNY" as const },
      out_trade_no: `S20261127000000${i}`,
      description: "茶语小铺-乌龙茶",
      settle_info: { profit_sharing: false },
    })),
    time_expire: "2026-11-27T15:30:00+08:00",
    notify_url: "https://shop.example.com/api/wechatpay/notify",
  };
}
function directRequest(): CombineH5PrepayDirectRequest {
  const p = partnerRequest();
  return { ...p, sub_orders: p.sub_orders.map(({ sub_mchid: _s, ...s }, i) => ({ ...s, mchid: ids.subMerchants[i]!.mchid })) };
}
const H5 = {
  status: 200,
  body: JSON.stringify({ h5_url: "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx27&package=1" }),
  requestId: "08F5B8C2-0",
};

describe("combine H5 prepay", () => {
  it("partner mode: signs the exact body bytes it sends, with all required headers", async () => {
    server.handler = () => H5;
    const res = await makeClient().combineH5Prepay(partnerRequest());
    expect(res).toEqual({ h5_url: expect.stringContaining("prepay_id=wx27"), requestId: "08F5B8C2-0" });
    const [r] = server.requests;
    expect(server.requests).toHaveLength(1);
    expect(r!.auth).toMatchObject({ ok: true });
    expect(r!.method).toBe("POST");
    expect(r!.url).toBe("/v3/combine-transactions/h5");
    expect(r!.headers["accept"]).toBe("application/json");
    expect(r!.headers["content-type"]).toBe("application/json");
    expect(r!.headers["user-agent"]).toBe("test-agent/1.0");
    expect(r!.headers["wechatpay-serial"]).toBe(ids.wechatpayPublicKeyId);
    expect(JSON.parse(r!.body)).toEqual(partnerRequest());
    expect(r!.body).not.toMatch(/\s"|":\s/); // compact JSON
  });

  it("direct mode: 2 sub-orders with their own mchid, no sub_mchid", async () => {
    server.handler = () => H5;
    await makeClient().combineH5Prepay(directRequest());
    const sent = JSON.parse(server.requests[0]!.body);
    expect(sent.sub_orders.map((s: { mchid: string }) => s.mchid)).toEqual([m1.mchid, m2.mchid]);
    expect(sent.sub_orders.every((s: object) => !("sub_mchid" in s))).toBe(true);
  });

  it("never sends null or undefined", async () => {
    server.handler = () => H5;
    const req = partnerRequest() as unknown as Record<string, unknown>;
    req.time_expire = undefined;
    (req.sub_orders as Record<string, unknown>[])[0]!.goods_tag = null;
    await makeClient().combineH5Prepay(req as unknown as CombineH5PrepayPartnerRequest);
    const body = server.requests[0]!.body;
    expect(body).not.toContain("null");
    expect(body).not.toContain("time_expire");
    expect(body).not.toContain("goods_tag");
  });

  type Mut = (r: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  const invalid: [string, Mut, "partner" | "direct"][] = [
    ["combine_out_trade_no too short", (r) => (r.combine_out_trade_no = "C2026"), "partner"],
    ["combine_out_trade_no too long", (r) => (r.combine_out_trade_no = "C".repeat(33)), "partner"],
    ["out_trade_no with @", (r) => (r.sub_orders[0].out_trade_no = "S2026@1127"), "partner"],
    ["duplicate out_trade_no", (r) => (r.sub_orders[1].out_trade_no = r.sub_orders[0].out_trade_no), "partner"],
    ["description of 128 chars", (r) => (r.sub_orders[0].description = "茶".repeat(128)), "partner"],
    ["description with an emoji", (r) => (r.sub_orders[0].description = "tea 🍵"), "partner"],
    ["attach of 129 chars", (r) => (r.sub_orders[0].attach = "a".repeat(129)), "partner"],
    ["emoji in app_name", (r) => (r.scene_info.h5_info.app_name = "shop😀"), "partner"],
    ["amount 0", (r) => (r.sub_orders[0].amount.total_amount = 0), "partner"],
    ["fractional amount", (r) => (r.sub_orders[0].amount.total_amount = 1.5), "partner"],
    ["currency USD", (r) => (r.sub_orders[0].amount.currency = "USD"), "partner"],
    ["missing scene_info", (r) => delete r.scene_info, "partner"],
    ["bad payer_client_ip", (r) => (r.scene_info.payer_client_ip = "999.1.1.1"), "partner"],
    ["device_id of 6", (r) => (r.scene_info.device_id = "WEB001"), "partner"],
    ["device_id of 17", (r) => (r.scene_info.device_id = "W".repeat(17)), "partner"],
    ["h5_info.type web", (r) => (r.scene_info.h5_info.type = "web"), "partner"],
    ["notify_url with a query", (r) => (r.notify_url = "https://shop.example.com/notify?a=1"), "partner"],
    ["notify_url over plain http", (r) => (r.notify_url = "http://shop.example.com/notify"), "partner"],
    ["notify_url of 256 chars", (r) => (r.notify_url = "https://shop.example.com/" + "n".repeat(231)), "partner"],
    ["time_expire without offset", (r) => (r.time_expire = "2026-11-27T15:30:00"), "partner"],
    ["time_expire not a date", (r) => (r.time_expire = "2026-13-27T15:30:00+08:00"), "partner"],
    ["unknown key (time_start)", (r) => (r.time_start = "2026-11-27T15:30:00+08:00"), "partner"],
    ["partner sub-order mchid ≠ combine_mchid", (r) => (r.sub_orders[0].mchid = m1.mchid), "partner"],
    [
      "partner with 51 sub-orders",
      (r) =>
        (r.sub_orders = Array.from({ length: 51 }, (_, i) => ({
          ...r.sub_orders[0],
          out_trade_no: `S2026112700${String(i).padStart(3, "0")}`,
        }))),
      "partner",
    ],
    ["mixed sub_mchid", (r) => delete r.sub_orders[1].sub_mchid, "partner"],
    ["combine_mchid not the caller", (r) => (r.combine_mchid = "1900009999"), "partner"],
    ["direct with 1 sub-order", (r) => r.sub_orders.pop(), "direct"],
    [
      "direct with 11 sub-orders",
      (r) =>
        (r.sub_orders = Array.from({ length: 11 }, (_, i) => ({
          ...r.sub_orders[0],
          out_trade_no: `S2026112700${String(i).padStart(3, "0")}`,
        }))),
      "direct",
    ],
    ["direct with sub_appid", (r) => (r.sub_orders[0].sub_appid = "wx123"), "direct"],
  ];
  for (const [name, mutate, mode] of invalid) {
    it(`rejects before sending: ${name}`, async () => {
      server.handler = () => H5;
      const req = mode === "partner" ? partnerRequest() : directRequest();
      mutate(req);
      const e = await rejection(makeClient().combineH5Prepay(req));
      expect(e).toBeInstanceOf(WechatPayValidationError);
      expect((e as WechatPayValidationError).target).toBe("request");
      expect((e as WechatPayValidationError).issues.length).toBeGreaterThan(0);
      expect(server.requests).toHaveLength(0);
    });
  }

  it("the boundaries themselves are accepted (127-char description, 128-char attach, 16-char device_id, 10 direct sub-orders)", async () => {
    server.handler = () => H5;
    const r = directRequest();
    r.sub_orders = Array.from({ length: 10 }, (_, i) => ({
      ...r.sub_orders[0]!,
      out_trade_no: `S-|*_${String(i).padStart(2, "0")}`,
      description: "茶".repeat(127),
      attach: "a".repeat(128),
    }));
    r.scene_info.device_id = "D".repeat(16);
    await expect(makeClient().combineH5Prepay(r)).resolves.toBeTruthy();
  });

  it("a malformed 200 body → WechatPayValidationError(response) with the Request-ID", async () => {
    server.handler = () => ({ status: 200, body: '{"h5_url":', requestId: "RID-malformed" });
    const e = await rejection(makeClient().combineH5Prepay(partnerRequest()));
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect(e).toMatchObject({ target: "response", requestId: "RID-malformed" });
    server.handler = () => ({ status: 200, body: '{"url":"x"}', requestId: "RID-shape" });
    expect(await rejection(makeClient().combineH5Prepay(partnerRequest()))).toMatchObject({ kind: "validation", target: "response" });
  });
});

describe("response verification inside calls", () => {
  it("a response signed with another key → WechatPaySignatureError(BAD_SIGNATURE) with the Request-ID", async () => {
    server.handler = () => ({ ...H5, signer: { ...PLATFORM_SIGNER, serial: ids.wechatpayPublicKeyId }, requestId: "RID-bad" });
    const e = await rejection(makeClient().combineH5Prepay(partnerRequest()));
    expect(e).toBeInstanceOf(WechatPaySignatureError);
    expect(e).toMatchObject({ reason: "BAD_SIGNATURE", requestId: "RID-bad" });
    expect(server.requests).toHaveLength(1); // not retried: the outcome is unknown, query instead
  });
  it("a probe → SIGNATURE_PROBE", async () => {
    server.handler = () => ({ ...H5, signatureOverride: "WECHATPAY/SIGNTEST/abcd" });
    expect(await rejection(makeClient().combineQuery("C2026112700000001"))).toMatchObject({ reason: "SIGNATURE_PROBE" });
  });
  it("an unsigned 200 → MISSING_HEADER", async () => {
    server.handler = () => ({ ...H5, sign: false });
    expect(await rejection(makeClient().combineQuery("C2026112700000001"))).toMatchObject({ reason: "MISSING_HEADER" });
  });
  it("a stale response → STALE_TIMESTAMP", async () => {
    server.handler = () => ({ ...H5, tsSeconds: Math.floor(Date.now() / 1000) - 400 });
    expect(await rejection(makeClient().combineQuery("C2026112700000001"))).toMatchObject({ reason: "STALE_TIMESTAMP" });
  });
});

describe("combine query", () => {
  it("returns every trade state typed, with the Request-ID; deriveCombineState follows §5.2", async () => {
    const expected: Record<string, string> = {
      SUCCESS: "paid",
      REFUND: "paid",
      NOTPAY: "pending",
      CLOSED: "closed",
      PAYERROR: "pending",
      USERPAYING: "pending",
      ACCEPT: "pending",
    };
    expect(Object.keys(expected).sort()).toEqual([...KNOWN_TRADE_STATES].sort());
    for (const s of KNOWN_TRADE_STATES) {
      server.handler = () => ({ status: 200, body: JSON.stringify(combineTransaction({ trade_state: s })), requestId: `RID-${s}` });
      const tx = await makeClient().combineQuery("C2026112700000001");
      expect(tx.requestId).toBe(`RID-${s}`);
      expect(tx.sub_orders!.map((o) => o.trade_state)).toEqual([s, s]);
      expect(tx.sub_orders![0]!.amount.total_amount).toBe(100);
      expect(deriveCombineState(tx.sub_orders!)).toBe(expected[s]);
    }
    const r = server.requests.at(-1)!;
    expect(r).toMatchObject({ method: "GET", url: "/v3/combine-transactions/out-trade-no/C2026112700000001", body: "" });
    expect(r.headers["content-type"]).toBeUndefined();
    expect(r.auth.ok).toBe(true);
  });

  it("path-escapes the order number and signs the escaped path", async () => {
    server.handler = () => ({ status: 200, body: JSON.stringify(combineTransaction()) });
    await makeClient().combineQuery("AB|cd*ef_12");
    expect(server.requests[0]!.url).toBe("/v3/combine-transactions/out-trade-no/AB%7Ccd%2Aef_12");
    expect(server.requests[0]!.auth.ok).toBe(true);
  });

  it("rejects an invalid order number without a request", async () => {
    expect(await rejection(makeClient().combineQuery("../../v3/x"))).toBeInstanceOf(WechatPayValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it("tolerates an unpaid order without sub_orders or payer info", async () => {
    const { sub_orders: _s, combine_payer_info: _p, ...unpaid } = combineTransaction();
    server.handler = () => ({ status: 200, body: JSON.stringify(unpaid) });
    const tx = await makeClient().combineQuery("C2026112700000001");
    expect(tx.sub_orders).toBeUndefined();
    expect(deriveCombineState(tx.sub_orders)).toBe("pending");
  });

  it("404 ORDER_NOT_EXIST → WechatPayApiError (not retried)", async () => {
    server.handler = () => ({ status: 404, body: '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}', requestId: "RID-404" });
    const e = (await rejection(makeClient().combineQuery("C2026112700000001"))) as WechatPayApiError;
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(e).toMatchObject({ status: 404, code: "ORDER_NOT_EXIST", message: "订单不存在", requestId: "RID-404" });
    expect(e.is("ORDERNOTEXIST")).toBe(true);
    expect(server.requests).toHaveLength(1);
  });
});

describe("deriveCombineState", () => {
  it("paid only when every sub-order is SUCCESS/REFUND; closed if any CLOSED; otherwise pending", () => {
    const s = (...states: string[]) => states.map((trade_state) => ({ trade_state }));
    expect(deriveCombineState(s("SUCCESS", "REFUND"))).toBe("paid");
    expect(deriveCombineState(s("SUCCESS", "NOTPAY"))).toBe("pending");
    expect(deriveCombineState(s("NOTPAY", "CLOSED"))).toBe("closed");
    expect(deriveCombineState(s("SUCCESS", "SOMETHING_NEW"))).toBe("pending");
    expect(deriveCombineState(s("WEIRD"))).toBe("pending");
    expect(deriveCombineState([])).toBe("pending");
    expect(deriveCombineState(undefined)).toBe("pending");
  });
});

describe("combine close", () => {
  const closeBody = {
    combine_appid: ids.combineAppid,
    sub_orders: [{ mchid: ids.combineMchid, sub_mchid: m1.subMchid, out_trade_no: "S202611270000000" }],
  };

  it("204 → alreadyClosed false; the empty body is verified (ts\\nnonce\\n\\n)", async () => {
    server.handler = () => ({ status: 204, requestId: "RID-204" });
    await expect(makeClient().combineClose("C2026112700000001", closeBody)).resolves.toEqual({
      alreadyClosed: false,
      requestId: "RID-204",
    });
    const r = server.requests[0]!;
    expect(r).toMatchObject({ method: "POST", url: "/v3/combine-transactions/out-trade-no/C2026112700000001/close" });
    expect(JSON.parse(r.body)).toEqual(closeBody);
  });

  it("204 with a bad signature is not accepted", async () => {
    server.handler = () => ({ status: 204, signer: { ...PLATFORM_SIGNER, serial: ids.wechatpayPublicKeyId } });
    expect(await rejection(makeClient().combineClose("C2026112700000001", closeBody))).toMatchObject({ reason: "BAD_SIGNATURE" });
  });

  for (const code of ["ORDER_CLOSED", "ORDERCLOSED"]) {
    it(`400 ${code} → alreadyClosed true`, async () => {
      server.handler = () => ({ status: 400, body: JSON.stringify({ code, message: "订单已关闭" }), requestId: "RID-closed" });
      await expect(makeClient().combineClose("C2026112700000001", closeBody)).resolves.toEqual({
        alreadyClosed: true,
        requestId: "RID-closed",
      });
    });
  }

  it("404 ORDER_NOT_EXIST → WechatPayApiError", async () => {
    server.handler = () => ({ status: 404, body: '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}' });
    expect(await rejection(makeClient().combineClose("C2026112700000001", closeBody))).toMatchObject({
      kind: "api",
      status: 404,
      code: "ORDER_NOT_EXIST",
    });
  });

  it("202 USER_PAYING → WechatPayApiError(202) so the caller queries", async () => {
    server.handler = () => ({ status: 202, body: '{"code":"USER_PAYING","message":"用户支付中"}' });
    expect(await rejection(makeClient().combineClose("C2026112700000001", closeBody))).toMatchObject({
      kind: "api",
      status: 202,
      code: "USER_PAYING",
    });
  });

  it("validates the close body before sending", async () => {
    const bad = { combine_appid: ids.combineAppid, sub_orders: [{ mchid: ids.combineMchid, sub_mchid: m1.subMchid, out_trade_no: "S1" }] };
    expect(await rejection(makeClient().combineClose("C2026112700000001", bad))).toBeInstanceOf(WechatPayValidationError);
    const wrongMchid = {
      combine_appid: ids.combineAppid,
      sub_orders: [{ mchid: m1.mchid, sub_mchid: m1.subMchid, out_trade_no: "S202611270000000" }],
    };
    expect(await rejection(makeClient().combineClose("C2026112700000001", wrongMchid))).toBeInstanceOf(WechatPayValidationError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("trade bill", () => {
  const csv = "\uFEFF交易时间,公众账号ID,商户号\r\n`2026-11-26 10:00:00,`wxd930ea5d5a258f4f,`1900000109\r\n总交易单数\r\n`1\r\n";
  const csvBytes = Buffer.from(csv, "utf8");
  const sha1 = createHash("sha1").update(csvBytes).digest("hex");

  function billServer(opts: { gzip: boolean; hash?: string }) {
    server.handler = (r) => {
      if (r.url.startsWith("/v3/bill/tradebill")) {
        return {
          status: 200,
          body: JSON.stringify({
            hash_type: "SHA1",
            hash_value: opts.hash ?? sha1,
            download_url: `${server.url}/v3/billdownload/file?token=tok123${opts.gzip ? "&tartype=gzip" : ""}`,
          }),
          requestId: "RID-apply",
        };
      }
      if (r.url.startsWith("/v3/billdownload/file")) {
        // No Wechatpay-* headers on the stream (§2.3).
        return {
          status: 200,
          sign: false,
          body: opts.gzip ? gzipSync(csvBytes) : csvBytes,
          headers: { "Content-Type": "application/octet-stream" },
          requestId: "RID-dl",
        };
      }
      return { status: 404, body: "{}" };
    };
  }

  it("apply signs the exact query; download (gzip) is signed, unverified, gunzipped and SHA-1 checked", async () => {
    billServer({ gzip: true });
    const client = makeClient();
    const bill = await client.applyTradeBill({ bill_date: "2026-11-26", bill_type: "ALL", tar_type: "GZIP", sub_mchid: m1.subMchid });
    expect(bill).toMatchObject({ hash_type: "SHA1", hash_value: sha1, requestId: "RID-apply" });
    expect(server.requests[0]!.url).toBe(`/v3/bill/tradebill?bill_date=2026-11-26&bill_type=ALL&tar_type=GZIP&sub_mchid=${m1.subMchid}`);
    const content = await client.downloadBill(bill, { tarType: "GZIP" });
    expect(content.equals(csvBytes)).toBe(true);
    expect(content.requestId).toBe("RID-dl");
    const dl = server.requests[1]!;
    expect(dl).toMatchObject({ method: "GET", url: "/v3/billdownload/file?token=tok123&tartype=gzip" });
    expect(dl.auth.ok).toBe(true);
    const logged = responses.find((r) => r.requestId === "RID-dl");
    expect(logged?.path).toBe("/v3/billdownload/file?token=***&tartype=gzip"); // the token is a credential: not logged
  });

  it("plain download, hash compared case-insensitively, optional params omitted", async () => {
    billServer({ gzip: false, hash: sha1.toUpperCase() });
    const client = makeClient();
    const bill = await client.applyTradeBill({ bill_date: "2026-11-26" });
    expect(server.requests[0]!.url).toBe("/v3/bill/tradebill?bill_date=2026-11-26");
    expect((await client.downloadBill(bill)).toString("utf8")).toBe(csv);
  });

  it("hash mismatch → WechatPayBillHashError", async () => {
    billServer({ gzip: true, hash: "0".repeat(40) });
    const client = makeClient();
    const bill = await client.applyTradeBill({ bill_date: "2026-11-26", tar_type: "GZIP" });
    const e = await rejection(client.downloadBill(bill, { tarType: "GZIP" }));
    expect(e).toBeInstanceOf(WechatPayBillHashError);
    expect(e).toMatchObject({ expected: "0".repeat(40), actual: sha1, requestId: "RID-dl" });
  });

  it("refuses a plain-http download_url on a foreign origin (no request sent)", async () => {
    const e = await rejection(
      makeClient().downloadBill({
        hash_type: "SHA1",
        hash_value: sha1,
        download_url: "http://evil.example.com/v3/billdownload/file?token=x",
      }),
    );
    expect(e).toBeInstanceOf(WechatPayValidationError);
    expect(server.requests).toHaveLength(0);
  });

  it("an expired token (400 INVALID_REQUEST) → WechatPayApiError", async () => {
    server.handler = () => ({ status: 400, body: '{"code":"INVALID_REQUEST","message":"token expired"}' });
    const e = await rejection(
      makeClient().downloadBill({ hash_type: "SHA1", hash_value: sha1, download_url: `${server.url}/v3/billdownload/file?token=old` }),
    );
    expect(e).toMatchObject({ kind: "api", code: "INVALID_REQUEST" });
  });

  it("validates the apply query", async () => {
    for (const q of [{ bill_date: "2026-11-31" }, { bill_date: "20261126" }, { bill_date: "2026-11-26", bill_type: "EVERYTHING" }]) {
      expect(await rejection(makeClient().applyTradeBill(q as never))).toBeInstanceOf(WechatPayValidationError);
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe("retries, timeouts, errors", () => {
  it("429 then 200 → success after a retry with the identical body and a fresh signature", async () => {
    let n = 0;
    server.handler = () => (++n === 1 ? { status: 429, body: '{"code":"FREQUENCY_LIMITED","message":"频率超限"}' } : H5);
    await expect(makeClient().combineH5Prepay(partnerRequest())).resolves.toMatchObject({ h5_url: expect.any(String) });
    expect(server.requests).toHaveLength(2);
    const [a, b] = server.requests as [(typeof server.requests)[0], (typeof server.requests)[0]];
    expect(a.body).toBe(b.body);
    expect(a.auth.params.nonce_str).not.toBe(b.auth.params.nonce_str);
    expect(b.auth.ok).toBe(true);
  });

  for (const code of ["SYSTEM_ERROR", "SYSTEMERROR", "BANK_ERROR"]) {
    it(`500 ${code} is retried`, async () => {
      let n = 0;
      server.handler = () =>
        ++n < 3
          ? { status: 500, body: JSON.stringify({ code, message: "系统错误" }) }
          : { status: 200, body: JSON.stringify(combineTransaction()) };
      await expect(makeClient().combineQuery("C2026112700000001")).resolves.toBeTruthy();
      expect(server.requests).toHaveLength(3);
    });
  }

  it("gives up after maxAttempts with the last API error", async () => {
    server.handler = () => ({ status: 503, body: "<html>busy</html>", requestId: "RID-503" });
    const e = await rejection(makeClient().combineQuery("C2026112700000001"));
    expect(e).toMatchObject({ kind: "api", status: 503, code: "UNKNOWN", requestId: "RID-503" });
    expect(server.requests).toHaveLength(3);
  });

  it("400 PARAM_ERROR is not retried and carries detail", async () => {
    server.handler = () => ({
      status: 400,
      body: JSON.stringify({
        code: "PARAM_ERROR",
        message: "参数错误",
        detail: { field: "/amount/currency", value: "XYZ", issue: "Currency code is invalid", location: "body" },
      }),
      requestId: "RID-400",
    });
    const e = (await rejection(makeClient().combineH5Prepay(partnerRequest()))) as WechatPayApiError;
    expect(e).toMatchObject({ status: 400, code: "PARAM_ERROR", requestId: "RID-400", detail: { field: "/amount/currency" } });
    expect(e.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it("500 with a non-retryable code is not retried", async () => {
    server.handler = () => ({ status: 500, body: '{"code":"INVALID_TRANSACTIONID","message":"x"}' });
    await rejection(makeClient().combineQuery("C2026112700000001"));
    expect(server.requests).toHaveLength(1);
  });

  it("timeout → WechatPayNetworkError{timeout:true}", async () => {
    server.handler = () => ({ ...H5, delayMs: 400 });
    const e = await rejection(makeClient({ timeoutMs: 50, retry: { maxAttempts: 1 } }).combineQuery("C2026112700000001"));
    expect(e).toBeInstanceOf(WechatPayNetworkError);
    expect(e).toMatchObject({ timeout: true, attempts: 1 });
  });

  it("network errors are retried, then surface as WechatPayNetworkError{timeout:false}", async () => {
    let calls = 0;
    const failingFetch: typeof fetch = async () => {
      calls++;
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
    };
    const e = await rejection(makeClient({ fetch: failingFetch }).combineQuery("C2026112700000001"));
    expect(e).toBeInstanceOf(WechatPayNetworkError);
    expect(e).toMatchObject({ timeout: false, attempts: 3 });
    expect(e.message).toContain("ECONNREFUSED");
    expect(calls).toBe(3);
  });

  it("a transient network error on prepay is retried with the identical body", async () => {
    let calls = 0;
    const bodies: string[] = [];
    const flaky: typeof fetch = async (input, init) => {
      bodies.push(String(init?.body));
      if (++calls === 1) throw new TypeError("fetch failed");
      return fetch(input, init);
    };
    server.handler = () => H5;
    await expect(makeClient({ fetch: flaky }).combineH5Prepay(partnerRequest())).resolves.toBeTruthy();
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toBe(bodies[1]);
  });

  it("Request-ID is reported through onResponse for every response, with status and duration", async () => {
    responses.length = 0;
    let n = 0;
    server.handler = () =>
      ++n === 1
        ? { status: 500, body: '{"code":"SYSTEM_ERROR","message":"x"}', requestId: "RID-1" }
        : { status: 200, body: JSON.stringify(combineTransaction()), requestId: "RID-2" };
    await makeClient().combineQuery("C2026112700000001");
    expect(responses.map((r) => [r.status, r.requestId, r.method, r.path])).toEqual([
      [500, "RID-1", "GET", "/v3/combine-transactions/out-trade-no/C2026112700000001"],
      [200, "RID-2", "GET", "/v3/combine-transactions/out-trade-no/C2026112700000001"],
    ]);
    expect(responses.every((r) => typeof (r as { durationMs?: number }).durationMs === "number")).toBe(true);
  });

  it("reports the order number the call is about (ref), and attempts that got no answer through onFailure", async () => {
    const seen: { path: string; ref?: string }[] = [];
    const failures: { path: string; ref?: string; timeout: boolean; attempt: number }[] = [];
    server.handler = () => H5;
    const client = makeClient({ onResponse: (i) => seen.push(i), onFailure: (f) => failures.push(f) });
    await client.combineH5Prepay(partnerRequest());
    expect(seen.at(-1)).toMatchObject({ path: "/v3/combine-transactions/h5", ref: "C2026112700000001" });

    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (++calls === 1) throw new TypeError("fetch failed");
      return fetch(input, init);
    };
    server.handler = () => ({ status: 200, body: JSON.stringify(combineTransaction()) });
    await makeClient({ fetch: flaky, onFailure: (f) => failures.push(f) }).combineQuery("C2026112700000001");
    expect(failures).toEqual([
      expect.objectContaining({
        path: "/v3/combine-transactions/out-trade-no/C2026112700000001",
        ref: "C2026112700000001",
        timeout: false,
        attempt: 1,
      }),
    ]);
  });

  it("reads the Request-ID header case-insensitively", async () => {
    server.handler = () => ({ status: 200, body: JSON.stringify(combineTransaction()), headers: { "request-id": "lower-case-rid" } });
    await expect(makeClient().combineQuery("C2026112700000001")).resolves.toMatchObject({ requestId: "lower-case-rid" });
  });

  it("error messages never contain key material", async () => {
    server.handler = () => ({ status: 401, body: '{"code":"SIGN_ERROR","message":"签名错误"}' });
    const e = await rejection(makeClient().combineQuery("C2026112700000001"));
    const text = `${e.message} ${JSON.stringify(e)}`;
    expect(text).not.toContain(apiV3Key);
    expect(text).not.toContain("PRIVATE KEY");
  });
});
