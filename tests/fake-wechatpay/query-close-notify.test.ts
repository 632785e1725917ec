// Combine query (§5), close (§6), the payment notification with its retries and faults (§7), and the control API.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import {
  call,
  closeBody,
  control,
  decrypt,
  directBody,
  ids,
  partnerBody,
  startReceiver,
  verifySigned,
  waitFor,
  type Received,
} from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let fake: Fake;
const H5 = "/v3/combine-transactions/h5";
const QUERY = (no: string) => `/v3/combine-transactions/out-trade-no/${no}`;
const CLOSE = (no: string) => `${QUERY(no)}/close`;

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, notifyTimeoutMs: 300 });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

async function created(b: Body = partnerBody()) {
  const r = await call(fake.url, "POST", H5, b);
  expect(r.status, r.text).toBe(200);
  return b;
}
const attempts = (no?: string) => control(fake.url, `/notifications${no ? `?orderNo=${no}` : ""}`);

describe("query (§5)", () => {
  it("an unpaid order: sub_orders NOTPAY without transaction_id, no combine_payer_info", async () => {
    const b = await created();
    const r = await call(fake.url, "GET", QUERY(b.combine_out_trade_no));
    expect(r.status).toBe(200);
    verifySigned(r.headers, r.raw);
    expect(r.json).toEqual({
      combine_appid: ids.combineAppid,
      combine_mchid: ids.combineMchid,
      combine_out_trade_no: b.combine_out_trade_no,
      scene_info: { device_id: "WEB0001" },
      sub_orders: b.sub_orders.map((s: Body) => ({
        mchid: s.mchid,
        sub_mchid: s.sub_mchid,
        trade_state: "NOTPAY",
        attach: s.attach,
        out_trade_no: s.out_trade_no,
        amount: { total_amount: s.amount.total_amount, currency: "CNY" },
      })),
    });
  });

  it("unknown order → 404 ORDER_NOT_EXIST; malformed number → 400 PARAM_ERROR location path", async () => {
    const r = await call(fake.url, "GET", QUERY("NOSUCHORDER1"));
    expect([r.status, r.json.code]).toEqual([404, "ORDER_NOT_EXIST"]);
    verifySigned(r.headers, r.raw);
    const bad = await call(fake.url, "GET", QUERY("abc"));
    expect([bad.status, bad.json.code, bad.json.detail.location]).toEqual([400, "PARAM_ERROR", "path"]);
  });
});

describe("close (§6)", () => {
  it("204 with an empty, signed body; the order reads CLOSED; closing again → 400 ORDER_CLOSED", async () => {
    const b = await created();
    const r = await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), closeBody(b));
    expect(r.status).toBe(204);
    expect(r.raw.length).toBe(0);
    expect(verifySigned(r.headers, r.raw)).toBe(ids.wechatpayPublicKeyId); // message is ts\nnonce\n\n
    const q = await call(fake.url, "GET", QUERY(b.combine_out_trade_no));
    expect(q.json.sub_orders.map((s: Body) => s.trade_state)).toEqual(["CLOSED", "CLOSED"]);
    const again = await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), closeBody(b));
    expect([again.status, again.json.code]).toEqual([400, "ORDER_CLOSED"]);
  });

  it("direct mode closes with {mchid, out_trade_no} only; sub-order order does not matter", async () => {
    const b = await created(directBody());
    const body = closeBody(b);
    body.sub_orders.reverse();
    expect((await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), body)).status).toBe(204);
  });

  it("no partial close: count, mchid, sub_mchid and out_trade_no must all match → 400 INVALID_REQUEST", async () => {
    const b = await created(partnerBody({ amounts: [100, 200, 300] }));
    const variants: ((x: Body) => void)[] = [
      (x) => x.sub_orders.pop(),
      (x) => x.sub_orders.push({ ...x.sub_orders[0], out_trade_no: "EXTRA000001" }),
      (x) => (x.sub_orders[0].mchid = ids.subMerchants[0]!.mchid),
      (x) => (x.sub_orders[1].sub_mchid = ids.subMerchants[3]!.subMchid),
      (x) => delete x.sub_orders[2].sub_mchid,
      (x) => (x.sub_orders[2].out_trade_no = "OTHER000001"),
      (x) => (x.sub_orders[1].out_trade_no = x.sub_orders[0].out_trade_no),
      (x) => (x.combine_appid = "wx0000000000000000"),
    ];
    for (const v of variants) {
      const body = structuredClone(closeBody(b)) as Body;
      v(body);
      const r = await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), body);
      expect([r.status, r.json.code], JSON.stringify(body)).toEqual([400, "INVALID_REQUEST"]);
    }
    const d = await created(directBody());
    const withSub = closeBody(d) as Body;
    withSub.sub_orders[0].sub_mchid = ids.subMerchants[0]!.subMchid;
    expect((await call(fake.url, "POST", CLOSE(d.combine_out_trade_no), withSub)).json.code).toBe("INVALID_REQUEST");
    // Nothing was closed by the refused attempts.
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).json.sub_orders[0].trade_state).toBe("NOTPAY");
  });

  it("unknown fields / nulls in the close body → PARAM_ERROR; unknown order → 404; paid order → 400 ORDERPAID", async () => {
    const b = await created();
    const extra = { ...closeBody(b), reason: "timeout" };
    const r = await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), extra);
    expect([r.status, r.json.code, r.json.detail.field]).toEqual([400, "PARAM_ERROR", "/reason"]);
    const withNull = { ...closeBody(b), combine_appid: null };
    expect((await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), withNull)).json.detail.field).toBe("/combine_appid");
    const nf = await call(fake.url, "POST", CLOSE("NOSUCHORDER1"), closeBody(b));
    expect([nf.status, nf.json.code]).toEqual([404, "ORDER_NOT_EXIST"]);
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    const paid = await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), closeBody(b));
    expect([paid.status, paid.json.code]).toEqual([400, "ORDERPAID"]);
  });
});

describe("payment notification (§7)", () => {
  let rcv: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await rcv?.close();
    rcv = undefined;
  });
  const envelope = (r: Received) => JSON.parse(r.body.toString("utf8"));

  it("one signed, encrypted notification per combine order, holding every sub-order (= the query shape)", async () => {
    rcv = await startReceiver();
    const b = await created(partnerBody({ notifyUrl: rcv.url, amounts: [100, 200, 300] }));
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    await waitFor(() => rcv!.received.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(rcv.received).toHaveLength(1);
    const got = rcv.received[0]!;
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    expect(got.headers["wechatpay-signature-type"]).toBe("WECHATPAY2-SHA256-RSA2048");
    expect(verifySigned(got.headers, got.body)).toBe(ids.wechatpayPublicKeyId);
    const env = envelope(got);
    expect(Object.keys(env).sort()).toEqual(["create_time", "event_type", "id", "resource", "resource_type", "summary"]);
    expect(env.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(env.create_time).toMatch(/\+08:00$/);
    expect(env).toMatchObject({ event_type: "TRANSACTION.SUCCESS", resource_type: "encrypt-resource", summary: "支付成功" });
    expect(env.resource).toMatchObject({ algorithm: "AEAD_AES_256_GCM", associated_data: "transaction", original_type: "transaction" });
    expect(env.resource.nonce).toHaveLength(12);
    const plain = JSON.parse(decrypt(env.resource));
    const q = await call(fake.url, "GET", QUERY(b.combine_out_trade_no));
    expect(plain).toEqual(q.json);
    expect(plain.sub_orders).toHaveLength(3);
    expect(plain.sub_orders.every((s: Body) => s.trade_state === "SUCCESS")).toBe(true);
    const log = await attempts(b.combine_out_trade_no);
    expect(log).toEqual([expect.objectContaining({ id: env.id, attempt: 1, status: 204, ok: true, serial: ids.wechatpayPublicKeyId })]);
  });

  it("retries on non-200/204 replies (500, 202, timeout) on the scaled schedule and logs each reply (truncated)", async () => {
    const replies = [
      { status: 500, body: JSON.stringify({ code: "FAIL", message: "x".repeat(2000) }) },
      { status: 202 },
      { status: 204, delayMs: 600 }, // slower than notifyTimeoutMs (300): counts as a failure
      { status: 200, body: JSON.stringify({ code: "SUCCESS", message: "成功" }) },
    ];
    rcv = await startReceiver((_r, n) => replies[n - 1] ?? { status: 204 });
    const b = await created({ ...partnerBody(), notify_url: rcv.url });
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    const log = await waitFor(async () => {
      const l = await attempts(b.combine_out_trade_no);
      return l.length === 4 && l;
    });
    expect(log.map((a: Body) => [a.attempt, a.status, a.ok])).toEqual([
      [1, 500, false],
      [2, 202, false],
      [3, null, false],
      [4, 200, true],
    ]);
    expect(log[0].reply.length).toBe(512);
    expect(log[2].error).toMatch(/timeout/);
    expect(new Set(log.map((a: Body) => a.id)).size).toBe(1);
    // 15 s / 15 s / 30 s × 0.001: the retries are spaced by the schedule, not fired back to back.
    const t = rcv.received.map((r) => r.at);
    expect(t[1]! - t[0]!).toBeGreaterThanOrEqual(13);
    await new Promise((r) => setTimeout(r, 100));
    expect(rcv.received).toHaveLength(4);
    expect((await control(fake.url, `/orders/${b.combine_out_trade_no}`)).order.notification).toMatchObject({ done: true, deliveries: 4 });
  });

  it("gives up after the 15 scheduled retries (16 attempts in all)", async () => {
    const quick = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.00001 });
    rcv = await startReceiver(() => ({ status: 500 }));
    try {
      const b = partnerBody();
      b.notify_url = rcv.url;
      expect((await call(quick.url, "POST", H5, b)).status).toBe(200);
      await control(quick.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      await waitFor(async () => (await control(quick.url, `/orders/${b.combine_out_trade_no}`)).order.notification.gave_up, 8000);
      expect(await control(quick.url, "/notifications")).toHaveLength(16);
      expect(rcv.received).toHaveLength(16);
    } finally {
      await quick.close();
    }
  });

  it("replay re-sends now with the same id; reset and close() cancel pending retries", async () => {
    rcv = await startReceiver();
    const b = await created({ ...partnerBody(), notify_url: rcv.url });
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    await waitFor(() => rcv!.received.length === 1);
    const replay = await control(fake.url, `/notifications/${b.combine_out_trade_no}/replay`, {});
    expect(replay.attempts).toEqual([expect.objectContaining({ attempt: 2, trigger: "replay", status: 204 })]);
    expect(envelope(rcv.received[1]!).id).toBe(envelope(rcv.received[0]!).id);
    await expect(control(fake.url, "/notifications/NOSUCHORDER1/replay", {})).rejects.toThrow(/404/);

    // A failing receiver, then reset: the pending 15 ms retry must never fire.
    await rcv.close();
    rcv = await startReceiver(() => ({ status: 500 }));
    const c = await created({ ...partnerBody(), notify_url: rcv.url });
    await control(fake.url, `/orders/${c.combine_out_trade_no}/pay`, {});
    await waitFor(() => rcv!.received.length === 1);
    await control(fake.url, "/reset", {});
    await new Promise((r) => setTimeout(r, 120));
    expect(rcv.received).toHaveLength(1);
    expect(await attempts()).toEqual([]);
  });

  describe("notify faults", () => {
    async function payWithFault(kind: string, reply?: Parameters<typeof startReceiver>[0]) {
      rcv = await startReceiver(reply);
      const b = await created({ ...partnerBody(), notify_url: rcv.url });
      await control(fake.url, "/faults", { target: "notify", kind });
      await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      return b;
    }

    it("a fault naming an order waits for that order: another order's delivery (a retry of an earlier test's order, say) passes untouched", async () => {
      rcv = await startReceiver();
      const other = await created({ ...partnerBody(), notify_url: rcv.url });
      const mine = await created({ ...partnerBody(), notify_url: rcv.url });
      await control(fake.url, "/faults", { target: "notify", kind: "drop", orderNo: mine.combine_out_trade_no });
      await control(fake.url, `/orders/${other.combine_out_trade_no}/pay`, {});
      await waitFor(async () => (await attempts(other.combine_out_trade_no)).length === 1);
      expect(await attempts(other.combine_out_trade_no)).toMatchObject([{ attempt: 1, status: 204, ok: true }]);
      expect((await control(fake.url, "/faults")).notify).toHaveLength(1); // still armed
      await control(fake.url, `/orders/${mine.combine_out_trade_no}/pay`, {});
      await waitFor(async () => (await attempts(mine.combine_out_trade_no)).length === 2);
      expect(await attempts(mine.combine_out_trade_no)).toMatchObject([
        { attempt: 1, status: null, fault: "drop" },
        { attempt: 2, status: 204, ok: true },
      ]);
    });

    it("an API fault naming an order hits only calls about that order (path or body)", async () => {
      const a = await created();
      const b = await created();
      await control(fake.url, "/faults", { target: "api", kind: "system_error", count: 2, orderNo: b.combine_out_trade_no });
      expect((await call(fake.url, "GET", QUERY(a.combine_out_trade_no))).status).toBe(200);
      expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(500);
      const c = partnerBody();
      expect((await call(fake.url, "POST", H5, c)).status).toBe(200);
      expect((await call(fake.url, "POST", CLOSE(b.combine_out_trade_no), closeBody(b))).status).toBe(500);
      expect((await control(fake.url, "/faults")).api).toEqual([]);
    });

    it("drop: not delivered, logged as failed, then retried", async () => {
      const b = await payWithFault("drop");
      await waitFor(() => rcv!.received.length === 1);
      const log = await attempts(b.combine_out_trade_no);
      expect(log[0]).toMatchObject({ attempt: 1, status: null, ok: false, fault: "drop" });
      expect(log[0].error).toMatch(/dropped/);
      expect(log[1]).toMatchObject({ attempt: 2, status: 204, ok: true });
    });

    it("duplicate: the same notification twice, one after the other", async () => {
      await payWithFault("duplicate", () => ({ status: 204, delayMs: 40 }));
      await waitFor(() => rcv!.received.length === 2);
      const [a, b] = rcv!.received;
      expect(envelope(a!).id).toBe(envelope(b!).id);
      expect(b!.at - a!.at).toBeGreaterThanOrEqual(35); // the second waited for the first reply
    });

    it("concurrent_duplicate: two deliveries at the same moment", async () => {
      await payWithFault("concurrent_duplicate", () => ({ status: 204, delayMs: 300 }));
      await waitFor(() => rcv!.received.length === 2);
      const [a, b] = rcv!.received;
      expect(envelope(a!).id).toBe(envelope(b!).id);
      expect(Math.abs(b!.at - a!.at)).toBeLessThan(250); // both arrived before either was answered
      verifySigned(a!.headers, a!.body);
      verifySigned(b!.headers, b!.body);
    });

    it("tamper_signature: fails verification (the receiver answers 401), then a valid retry", async () => {
      const b = await payWithFault("tamper_signature");
      await waitFor(() => rcv!.received.length === 2);
      expect(() => verifySigned(rcv!.received[0]!.headers, rcv!.received[0]!.body)).toThrow("bad signature");
      verifySigned(rcv!.received[1]!.headers, rcv!.received[1]!.body);
      const log = await attempts(b.combine_out_trade_no);
      expect(log.map((a: Body) => a.status)).toEqual([401, 204]);
    });

    it("tamper_ciphertext: signature verifies but GCM authentication fails", async () => {
      await payWithFault("tamper_ciphertext");
      await waitFor(() => rcv!.received.length === 2);
      const first = rcv!.received[0]!;
      expect(verifySigned(first.headers, first.body)).toBe(ids.wechatpayPublicKeyId);
      expect(() => decrypt(envelope(first).resource)).toThrow();
      expect(JSON.parse(decrypt(envelope(rcv!.received[1]!).resource)).combine_mchid).toBe(ids.combineMchid);
    });

    it("stale_timestamp: a correctly signed message 10 minutes old", async () => {
      await payWithFault("stale_timestamp");
      await waitFor(() => rcv!.received.length === 2);
      const first = rcv!.received[0]!;
      expect(Date.now() / 1000 - Number(first.headers["wechatpay-timestamp"])).toBeGreaterThan(590);
      expect(() => verifySigned(first.headers, first.body)).toThrow("stale timestamp");
      expect(verifySigned(first.headers, first.body, 10_000)).toBe(ids.wechatpayPublicKeyId);
    });

    it("signature_probe: WECHATPAY/SIGNTEST/ first, immediately followed by the real delivery (§2.6)", async () => {
      // Real-time schedule (first retry after 15 s): a follow-up within 2 s can only be the immediate re-delivery.
      const slow = await startFakeWechatPay({ port: 0, notifyTimeScale: 1 });
      rcv = await startReceiver();
      try {
        const b = partnerBody();
        b.notify_url = rcv.url;
        await call(slow.url, "POST", H5, b);
        await control(slow.url, "/faults", { target: "notify", kind: "signature_probe" });
        await control(slow.url, `/orders/${b.combine_out_trade_no}/pay`, {});
        await waitFor(() => rcv!.received.length === 2, 2000);
        expect(String(rcv.received[0]!.headers["wechatpay-signature"])).toMatch(/^WECHATPAY\/SIGNTEST\//);
        verifySigned(rcv.received[1]!.headers, rcv.received[1]!.body);
        const log = await control(slow.url, `/notifications?orderNo=${b.combine_out_trade_no}`);
        expect(log.map((a: Body) => [a.probe ?? false, a.status, a.ok])).toEqual([
          [true, 401, false],
          [false, 204, true],
        ]);
      } finally {
        await slow.close();
      }
    });
  });

  it("migration mode alternates the notification key: public key, then certificate", async () => {
    const mf = await startFakeWechatPay({ port: 0, verifyMode: "migration", notifyTimeScale: 0.001 });
    rcv = await startReceiver();
    try {
      const b = partnerBody();
      b.notify_url = rcv.url;
      await call(mf.url, "POST", H5, b);
      await control(mf.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      await waitFor(() => rcv!.received.length === 1);
      await control(mf.url, `/notifications/${b.combine_out_trade_no}/replay`, {});
      expect(rcv.received.map((r) => verifySigned(r.headers, r.body))).toEqual([ids.wechatpayPublicKeyId, ids.platformCertificateSerialNo]);
    } finally {
      await mf.close();
    }
  });

  it("certificate mode signs notifications with the platform certificate", async () => {
    const cf = await startFakeWechatPay({ port: 0, verifyMode: "certificate", notifyTimeScale: 0.001 });
    rcv = await startReceiver();
    try {
      const b = partnerBody();
      b.notify_url = rcv.url;
      await call(cf.url, "POST", H5, b);
      await control(cf.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      await waitFor(() => rcv!.received.length === 1);
      expect(verifySigned(rcv.received[0]!.headers, rcv.received[0]!.body)).toBe(ids.platformCertificateSerialNo);
    } finally {
      await cf.close();
    }
  });
});

describe("control API", () => {
  it("pay / cancel / show / clock / 404 / 409", async () => {
    const b = await created();
    const no = b.combine_out_trade_no;
    const cancelled = await control(fake.url, `/orders/${no}/cancel`, {});
    expect(cancelled.order).toMatchObject({ status: "NOTPAY", cancel_count: 1 });
    const shown = await control(fake.url, `/orders/${no}`);
    expect(shown.order.links[0]).toMatchObject({ expired: false });
    expect(shown.order.links[0].h5_url).toContain("/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx");
    const clock = await control(fake.url, "/clock", { advanceSeconds: 301 });
    expect(clock.offsetSeconds).toBe(301);
    expect((await control(fake.url, `/orders/${no}`)).order.links[0].expired).toBe(true);
    const paid = await control(fake.url, `/orders/${no}/pay`, {});
    expect(paid.order.status).toBe("SUCCESS");
    await expect(control(fake.url, `/orders/${no}/pay`, {})).rejects.toThrow(/409/);
    await expect(control(fake.url, "/orders/NOSUCHORDER1")).rejects.toThrow(/404/);
    await expect(control(fake.url, "/clock", { advanceSeconds: "x" })).rejects.toThrow(/400/);
    const all = await control(fake.url, "/orders");
    expect(all).toHaveLength(1);
  });

  it("control paths never shadow WeChat paths, and reset forgets orders and the clock", async () => {
    const b = await created();
    await control(fake.url, "/clock", { advanceSeconds: 1000 });
    await control(fake.url, "/reset", {});
    expect((await control(fake.url, "/clock")).offsetSeconds).toBe(0);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(404);
    expect(await control(fake.url, "/requests")).toEqual([expect.objectContaining({ path: QUERY(b.combine_out_trade_no), status: 404 })]);
    const unsignedControl = await fetch(`${fake.url}/__fake/requests`);
    expect(unsignedControl.headers.get("wechatpay-signature")).toBeNull();
  });
});
