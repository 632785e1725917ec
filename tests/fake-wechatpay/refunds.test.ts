// Refunds (reference §14): apply rules, idempotency, the asynchronous result, REFUND.* notifications, query,
// REFUND in the combine query, refund rows in the bill, faults scoped to an order, control.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, control, decrypt, ids, partnerBody, runFakeCli, startReceiver, verifySigned, waitFor } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REFUNDS = "/v3/refund/domestic/refunds";
let fake: Fake;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  // refundDelayMs null: each test decides results itself (no timing dependence).
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, notifyTimeoutMs: 300, refundDelayMs: null });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
  await fake.close();
});
beforeEach(async () => {
  await control(fake.url, "/reset", {});
  receiver.received.length = 0;
});

/** A paid partner order with sub-orders of 1000 and 230 fen. */
async function paidOrder(amounts = [1000, 230]) {
  const b = partnerBody({ amounts });
  expect((await call(fake.url, "POST", "/v3/combine-transactions/h5", b)).status).toBe(200);
  const paid = await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
  const subs = paid.order.transaction.sub_orders as Body[];
  return { b, subs };
}
let n = 0;
const refundNo = () => `R${Date.now().toString(36)}${++n}`;
function refundBody(
  s: Body,
  o: Partial<{ refund: number; no: string; notify: string | null; sub_mchid: string | null; total: number }> = {},
) {
  return {
    ...(o.sub_mchid === null ? {} : { sub_mchid: o.sub_mchid ?? s.sub_mchid }),
    out_trade_no: s.out_trade_no,
    out_refund_no: o.no ?? refundNo(),
    reason: "退货",
    ...(o.notify === null ? {} : { notify_url: o.notify ?? receiver.url }),
    amount: { refund: o.refund ?? s.amount.total_amount, total: o.total ?? s.amount.total_amount, currency: "CNY" },
  };
}

describe("apply (§14.1)", () => {
  it("accepts a partial refund: 200 PROCESSING, signed; the sub-order reads REFUND in the combine query, the other stays SUCCESS", async () => {
    const { b, subs } = await paidOrder();
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 400 }));
    expect(r.status, r.text).toBe(200);
    verifySigned(r.headers, r.raw);
    expect(r.json).toMatchObject({
      status: "PROCESSING",
      out_trade_no: subs[0]!.out_trade_no,
      transaction_id: subs[0]!.transaction_id,
      amount: { refund: 400, total: 1000 },
      channel: "ORIGINAL",
    });
    expect(r.json.success_time).toBeUndefined();
    const q = await call(fake.url, "GET", `/v3/combine-transactions/out-trade-no/${b.combine_out_trade_no}`);
    expect(q.json.sub_orders.map((s: Body) => s.trade_state)).toEqual(["REFUND", "SUCCESS"]);
    expect(q.json.sub_orders[0].transaction_id).toBe(subs[0]!.transaction_id);
  });

  it("by transaction_id works too", async () => {
    const { subs } = await paidOrder();
    const { out_trade_no: _, ...body } = refundBody(subs[1]!);
    const r = await call(fake.url, "POST", REFUNDS, { ...body, transaction_id: subs[1]!.transaction_id });
    expect(r.status, r.text).toBe(200);
  });

  it("partner mode without sub_mchid → 400 PARAM_ERROR 受理机构必须传入sub_mch_id", async () => {
    const { subs } = await paidOrder();
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { sub_mchid: null }));
    expect([r.status, r.json.code, r.json.message]).toEqual([400, "PARAM_ERROR", "受理机构必须传入sub_mch_id"]);
  });

  it("another store's sub_mchid → 404 RESOURCE_NOT_EXISTS 子商户号和订单信息不匹配", async () => {
    const { subs } = await paidOrder();
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { sub_mchid: ids.subMerchants[3]!.subMchid }));
    expect([r.status, r.json.code]).toEqual([404, "RESOURCE_NOT_EXISTS"]);
    expect(r.json.message).toContain("子商户号和订单信息不匹配");
  });

  it("an unpaid sub-order → 404 RESOURCE_NOT_EXISTS", async () => {
    const b = partnerBody();
    await call(fake.url, "POST", "/v3/combine-transactions/h5", b);
    const s = { ...b.sub_orders[0]!, amount: { total_amount: 1000 } };
    const r = await call(fake.url, "POST", REFUNDS, refundBody(s));
    expect([r.status, r.json.code]).toEqual([404, "RESOURCE_NOT_EXISTS"]);
  });

  it("same out_refund_no + same body → the same refund; + different body → 400 INVALID_REQUEST", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 100 });
    const a = await call(fake.url, "POST", REFUNDS, body);
    const again = await call(fake.url, "POST", REFUNDS, { ...body, amount: { ...body.amount } });
    expect(again.status).toBe(200);
    expect(again.json.refund_id).toBe(a.json.refund_id);
    const diff = await call(fake.url, "POST", REFUNDS, { ...body, amount: { ...body.amount, refund: 101 } });
    expect([diff.status, diff.json.code]).toEqual([400, "INVALID_REQUEST"]);
    expect(diff.json.message).toContain("请求内容和上次请求不一致");
    expect((await control(fake.url, "/refunds")).length).toBe(1);
  });

  it("over-refund → 400 INVALID_REQUEST; a CLOSED refund frees its amount", async () => {
    const { subs } = await paidOrder();
    const first = refundBody(subs[1]!, { refund: 200 });
    expect((await call(fake.url, "POST", REFUNDS, first)).status).toBe(200);
    const over = await call(fake.url, "POST", REFUNDS, refundBody(subs[1]!, { refund: 31 }));
    expect([over.status, over.json.code]).toEqual([400, "INVALID_REQUEST"]);
    await control(fake.url, `/refunds/${first.out_refund_no}/result`, { status: "closed" });
    await control(fake.url, "/clock", { advanceSeconds: 61 }); // the 1-minute rule (tested on its own below)
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[1]!, { refund: 230 }))).status).toBe(200);
  });

  it("amount.total must be the sub-order's total (not the combine total)", async () => {
    const { subs } = await paidOrder();
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 10, total: 1230 }));
    expect([r.status, r.json.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("the 51st refund of one sub-order → 400 INVALID_REQUEST", async () => {
    const { subs } = await paidOrder([100, 100]);
    await control(fake.url, "/settings", { refundMinIntervalSeconds: 0 }); // not 50 minutes; reset restores 60 s
    for (let i = 0; i < 50; i++)
      expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1, notify: null }))).status).toBe(200);
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1, notify: null }));
    expect([r.status, r.json.code]).toEqual([400, "INVALID_REQUEST"]);
    expect(r.json.message).toContain("50");
  });

  it("more than a year after payment → 400 INVALID_REQUEST", async () => {
    const { subs } = await paidOrder();
    await control(fake.url, "/clock", { advanceSeconds: 366 * 86400 });
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1 }));
    expect([r.status, r.json.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("a store's balance: beyond it → 403 NOT_ENOUGH; the same request succeeds after a top-up", async () => {
    const { subs } = await paidOrder();
    await control(fake.url, "/balances", { store: subs[0]!.sub_mchid, balanceFen: 300 });
    const body = refundBody(subs[0]!, { refund: 400 });
    const r = await call(fake.url, "POST", REFUNDS, body);
    expect([r.status, r.json.code]).toEqual([403, "NOT_ENOUGH"]);
    // the other store is not affected
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[1]!, { refund: 10 }))).status).toBe(200);
    await control(fake.url, "/balances", { store: subs[0]!.sub_mchid, balanceFen: 1000 });
    expect((await call(fake.url, "POST", REFUNDS, body)).status).toBe(200);
    expect(await control(fake.url, "/balances")).toEqual({ [subs[0]!.sub_mchid]: 600 });
  });

  it("two partial refunds of one sub-order less than a minute apart → 429 FREQUENCY_LIMITED, nothing created; the same request a minute later is accepted", async () => {
    const { subs } = await paidOrder();
    const first = refundBody(subs[0]!, { refund: 100 });
    expect((await call(fake.url, "POST", REFUNDS, first)).status).toBe(200);
    await control(fake.url, "/clock", { advanceSeconds: 59 });
    const second = refundBody(subs[0]!, { refund: 200 });
    const refused = await call(fake.url, "POST", REFUNDS, second);
    expect([refused.status, refused.json.code]).toEqual([429, "FREQUENCY_LIMITED"]);
    expect(refused.json.message).toContain("1分钟");
    expect((await control(fake.url, "/refunds")).length).toBe(1);
    // a repeat of the accepted refund is not a new refund: answered as usual
    expect((await call(fake.url, "POST", REFUNDS, first)).status).toBe(200);
    // another store's sub-order of the same combine order has its own minute
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[1]!, { refund: 10 }))).status).toBe(200);
    await control(fake.url, "/clock", { advanceSeconds: 1 });
    const later = await call(fake.url, "POST", REFUNDS, second);
    expect([later.status, later.json.status]).toEqual([200, "PROCESSING"]);
  });

  it("settings: refundMinIntervalSeconds changes the minute until the next reset", async () => {
    expect(await control(fake.url, "/settings")).toEqual({ refundMinIntervalSeconds: 60, maxQps: null, wechatUser: "default" });
    expect(await control(fake.url, "/settings", { refundMinIntervalSeconds: 1 })).toEqual({
      refundMinIntervalSeconds: 1,
      maxQps: null,
      wechatUser: "default",
    });
    const { subs } = await paidOrder();
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1 }))).status).toBe(200);
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1 }))).status).toBe(429);
    await control(fake.url, "/clock", { advanceSeconds: 1 });
    expect((await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1 }))).status).toBe(200);
    await expect(control(fake.url, "/settings", { refundMinIntervalSeconds: -1 })).rejects.toThrow(/→ 400 /);
    await control(fake.url, "/reset", {});
    expect(await control(fake.url, "/settings")).toEqual({ refundMinIntervalSeconds: 60, maxQps: null, wechatUser: "default" });
  });

  it("the answer: a 29-digit refund_id, funds_account UNSETTLED on the payment's day and AVAILABLE once settled (or when asked), refund_fee = the fee given back", async () => {
    // noon (CST) tomorrow, so that the payment and the first refund are on one day whenever the test runs
    const start = await control(fake.url, "/clock");
    const noon = Date.parse(`${start.now.slice(0, 10)}T12:00:00+08:00`) + 86_400_000;
    await control(fake.url, "/clock", { advanceSeconds: Math.ceil((noon - Date.parse(start.now)) / 1000) });
    const { subs } = await paidOrder();
    const r = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 500 }));
    expect(r.json.refund_id).toMatch(/^\d{29}$/);
    // 0.6 % of 5.00 = 3 fen, the negative 手续费 of this refund's bill row
    expect(r.json).toMatchObject({ funds_account: "UNSETTLED", amount: { refund: 500, refund_fee: 3, from: [] } });
    // the next CST day the payment is settled: refunds come from the available balance
    const { now } = await control(fake.url, "/clock");
    const nextMidnight = Date.parse(`${now.slice(0, 10)}T00:00:00+08:00`) + 86_400_000;
    await control(fake.url, "/clock", { advanceSeconds: Math.ceil((nextMidnight - Date.parse(now)) / 1000) + 1 });
    const later = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 100 }));
    expect(later.json).toMatchObject({ funds_account: "AVAILABLE", amount: { refund_fee: 1 } });
    // an old fund-flow merchant may ask for AVAILABLE the same day (§14.1.1)
    const other = await paidOrder();
    const asked = await call(fake.url, "POST", REFUNDS, { ...refundBody(other.subs[0]!, { refund: 100 }), funds_account: "AVAILABLE" });
    expect(asked.json.funds_account).toBe("AVAILABLE");
    // the query answers the same
    const q = await call(fake.url, "GET", `${REFUNDS}/${r.json.out_refund_no}?sub_mchid=${subs[0]!.sub_mchid}`);
    expect(q.json).toMatchObject({ refund_id: r.json.refund_id, funds_account: "UNSETTLED", amount: { refund_fee: 3 } });
  });

  it("notify_url may be 256 characters (§14.1.1 string(256)); 257 → 400 PARAM_ERROR", async () => {
    const { subs } = await paidOrder();
    const url = (n: number) => {
      const base = "https://shop.example.com/";
      return base + "n".repeat(n - base.length);
    };
    expect(url(256)).toHaveLength(256);
    const ok = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { refund: 1, notify: url(256) }));
    expect(ok.status, ok.text).toBe(200);
    const long = await call(fake.url, "POST", REFUNDS, refundBody(subs[1]!, { refund: 1, notify: url(257) }));
    expect([long.status, long.json.code, long.json.detail.field]).toEqual([400, "PARAM_ERROR", "/notify_url"]);
  });

  it("reason over 80 bytes and a notify_url with a query → 400 PARAM_ERROR", async () => {
    const { subs } = await paidOrder();
    const long = await call(fake.url, "POST", REFUNDS, { ...refundBody(subs[0]!), reason: "退".repeat(27) });
    expect([long.status, long.json.code, long.json.detail.field]).toEqual([400, "PARAM_ERROR", "/reason"]);
    const q = await call(fake.url, "POST", REFUNDS, refundBody(subs[0]!, { notify: "https://shop.example.com/n?x=1" }));
    expect([q.status, q.json.code]).toEqual([400, "PARAM_ERROR"]);
  });
});

describe("result, notification, query (§14.2, §14.4)", () => {
  it("refund-result success → REFUND.SUCCESS signed + encrypted (aad refund, original_type refund), plaintext per §14.4.3", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 400 });
    const created = await call(fake.url, "POST", REFUNDS, body);
    expect(receiver.received).toHaveLength(0); // no event for PROCESSING
    await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "success" });
    const got = await waitFor(() => receiver.received[0]);
    verifySigned(got.headers, got.body);
    const env = JSON.parse(got.body.toString("utf8"));
    expect(env).toMatchObject({
      event_type: "REFUND.SUCCESS",
      summary: "退款成功",
      resource_type: "encrypt-resource",
      resource: { original_type: "refund", associated_data: "refund", algorithm: "AEAD_AES_256_GCM" },
    });
    const plain = JSON.parse(decrypt(env.resource));
    expect(plain).toMatchObject({
      sp_mchid: ids.combineMchid,
      sub_mchid: subs[0]!.sub_mchid,
      out_trade_no: subs[0]!.out_trade_no,
      transaction_id: subs[0]!.transaction_id,
      out_refund_no: body.out_refund_no,
      refund_id: created.json.refund_id,
      refund_status: "SUCCESS",
      user_received_account: "支付用户零钱",
      amount: { total: 1000, refund: 400, payer_total: 1000, payer_refund: 400 },
    });
    expect(plain.success_time).toMatch(/\+08:00$/);
    const q = await call(fake.url, "GET", `${REFUNDS}/${body.out_refund_no}?sub_mchid=${subs[0]!.sub_mchid}`);
    expect(q.status).toBe(200);
    verifySigned(q.headers, q.raw);
    expect(q.json).toMatchObject({ status: "SUCCESS", refund_id: created.json.refund_id });
  });

  it("abnormal, then success via bank card; SUCCESS is final (409 on closed)", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 1000 });
    await call(fake.url, "POST", REFUNDS, body);
    await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "abnormal" });
    const ok = await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "success" });
    expect(ok.refund).toMatchObject({ status: "SUCCESS", channel: "OTHER_BANKCARD" });
    await expect(control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "closed" })).rejects.toThrow(/→ 409 /);
    await waitFor(() => receiver.received.length >= 2);
    const events = receiver.received.map((r) => JSON.parse(r.body.toString("utf8")).event_type);
    expect(events).toEqual(["REFUND.ABNORMAL", "REFUND.SUCCESS"]);
  });

  it("abnormal refund (§14.3): only an ABNORMAL refund, named by refund_id + out_refund_no + store; then PROCESSING → SUCCESS to the bank card", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 300 });
    const created = await call(fake.url, "POST", REFUNDS, body);
    const refundId = created.json.refund_id as string;
    const path = `${REFUNDS}/${refundId}/apply-abnormal-refund`;
    const req = { sub_mchid: subs[0]!.sub_mchid, out_refund_no: body.out_refund_no, type: "MERCHANT_BANK_CARD" };
    // still PROCESSING: nothing to redirect
    expect((await call(fake.url, "POST", path, req)).json.code).toBe("INVALID_REQUEST");
    await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "abnormal" });
    expect((await call(fake.url, "POST", path, { ...req, sub_mchid: undefined })).json.code).toBe("PARAM_ERROR");
    expect((await call(fake.url, "POST", path, { ...req, sub_mchid: subs[1]!.sub_mchid })).status).toBe(404);
    expect((await call(fake.url, "POST", `${REFUNDS}/5030000000000000000000NOPE/apply-abnormal-refund`, req)).status).toBe(404);
    const user = await call(fake.url, "POST", path, { ...req, type: "USER_BANK_CARD", bank_type: "ICBC_DEBIT" });
    expect([user.status, user.json.code]).toEqual([400, "PARAM_ERROR"]); // bank_account and real_name missing
    const ok = await call(fake.url, "POST", path, req);
    expect(ok.status, ok.text).toBe(200);
    verifySigned(ok.headers, ok.raw);
    expect(ok.json).toMatchObject({ status: "PROCESSING", channel: "OTHER_BANKCARD", user_received_account: "商户银行账户" });
    // once redirected, a second request is refused
    expect((await call(fake.url, "POST", path, req)).json.code).toBe("INVALID_REQUEST");
    const done = await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "success" });
    expect(done.refund).toMatchObject({ status: "SUCCESS", channel: "OTHER_BANKCARD", user_received_account: "商户银行账户" });
    await waitFor(() => receiver.received.length >= 2);
    expect(receiver.received.map((r) => JSON.parse(r.body.toString("utf8")).event_type)).toEqual(["REFUND.ABNORMAL", "REFUND.SUCCESS"]);
  });

  it("query: partner without ?sub_mchid → 400 PARAM_ERROR; wrong sub_mchid or unknown → 404 RESOURCE_NOT_EXISTS", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 1 });
    await call(fake.url, "POST", REFUNDS, body);
    expect((await call(fake.url, "GET", `${REFUNDS}/${body.out_refund_no}`)).json.code).toBe("PARAM_ERROR");
    expect((await call(fake.url, "GET", `${REFUNDS}/${body.out_refund_no}?sub_mchid=${subs[1]!.sub_mchid}`)).status).toBe(404);
    expect((await call(fake.url, "GET", `${REFUNDS}/NOPE1?sub_mchid=${subs[0]!.sub_mchid}`)).json.code).toBe("RESOURCE_NOT_EXISTS");
  });

  it("the notification is retried on the schedule until acknowledged, and a notify fault can name the refund", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 5 });
    await call(fake.url, "POST", REFUNDS, body);
    await control(fake.url, "/faults", { target: "notify", kind: "drop", count: 2, orderNo: body.out_refund_no });
    await control(fake.url, `/refunds/${body.out_refund_no}/result`, { status: "success" });
    const mine = async () => ((await control(fake.url, "/notifications")) as Body[]).filter((a) => a.refundNo === body.out_refund_no);
    await waitFor(async () => (await mine()).some((a) => a.ok));
    const attempts = await mine();
    expect(attempts.map((a: Body) => [a.refundNo, a.eventType, a.ok])).toEqual([
      [body.out_refund_no, "REFUND.SUCCESS", false],
      [body.out_refund_no, "REFUND.SUCCESS", false],
      [body.out_refund_no, "REFUND.SUCCESS", true],
    ]);
  });

  it("automatic result after refundDelayMs (a second fake with a short delay)", async () => {
    const auto = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, refundDelayMs: 20 });
    try {
      const b = partnerBody();
      await call(auto.url, "POST", "/v3/combine-transactions/h5", b);
      const paid = await control(auto.url, `/orders/${b.combine_out_trade_no}/pay`, {});
      const s = paid.order.transaction.sub_orders[0];
      const body = { ...refundBody(s, { refund: 10, notify: null }) };
      await call(auto.url, "POST", REFUNDS, body);
      await waitFor(async () => (await control(auto.url, `/refunds/${body.out_refund_no}`)).refund.status === "SUCCESS");
    } finally {
      await auto.close();
    }
  });
});

describe("faults scoped to an order", () => {
  it("not_enough / rate_limit / system_error naming the combine order hit only its refunds, before any effect", async () => {
    const one = await paidOrder();
    const two = await paidOrder();
    await control(fake.url, "/faults", { target: "api", kind: "not_enough", orderNo: one.b.combine_out_trade_no, path: REFUNDS });
    await control(fake.url, "/faults", { target: "api", kind: "rate_limit", orderNo: one.b.combine_out_trade_no, path: REFUNDS });
    expect((await call(fake.url, "POST", REFUNDS, refundBody(two.subs[0]!, { refund: 1 }))).status).toBe(200);
    const body = refundBody(one.subs[0]!, { refund: 1 });
    const a = await call(fake.url, "POST", REFUNDS, body);
    expect([a.status, a.json.code]).toEqual([403, "NOT_ENOUGH"]);
    const b = await call(fake.url, "POST", REFUNDS, body);
    expect([b.status, b.json.code]).toEqual([429, "FREQUENCY_LIMITED"]);
    expect((await call(fake.url, "POST", REFUNDS, body)).status).toBe(200);
    expect((await control(fake.url, "/refunds")).length).toBe(2);
  });
});

describe("bill (§14.7)", () => {
  it("ALL bill: payment rows plus a separate REFUND row with 0.00 order amounts, refund numbers, negative fee, snapshot status", async () => {
    const { subs } = await paidOrder();
    const ok = refundBody(subs[0]!, { refund: 500, notify: null });
    const pending = refundBody(subs[1]!, { refund: 30, notify: null });
    const created = await call(fake.url, "POST", REFUNDS, ok);
    await call(fake.url, "POST", REFUNDS, pending);
    await control(fake.url, `/refunds/${ok.out_refund_no}/result`, { status: "success" });
    const today = (await control(fake.url, "/clock")).now.slice(0, 10);
    await control(fake.url, "/clock", { advanceSeconds: 2 * 86400 });
    const apply = await call(fake.url, "GET", `/v3/bill/tradebill?bill_date=${today}&bill_type=ALL`);
    expect(apply.status, apply.text).toBe(200);
    const file = await call(fake.url, "GET", new URL(apply.json.download_url).pathname + new URL(apply.json.download_url).search);
    const lines = file.raw
      .toString("utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    const head = lines[0]!.split(",");
    const rows = lines.slice(1, -2).map((l) => Object.fromEntries(l.split(",").map((v, i) => [head[i], v.replace(/^`/, "")])));
    expect(rows).toHaveLength(4);
    const refundRow = rows.find((r) => r.商户退款单号 === ok.out_refund_no)!;
    expect(refundRow).toMatchObject({
      交易状态: "REFUND",
      特约商户号: subs[0]!.sub_mchid,
      商户订单号: subs[0]!.out_trade_no,
      微信退款单号: created.json.refund_id,
      应结订单金额: "0.00",
      订单金额: "0.00",
      退款金额: "5.00",
      申请退款金额: "5.00",
      退款状态: "SUCCESS",
      退款类型: "ORIGINAL",
      手续费: "-0.03000",
    });
    expect(rows.find((r) => r.商户退款单号 === pending.out_refund_no)).toMatchObject({ 退款状态: "PROCESSING", 退款金额: "0.30" });
    const pay = rows.find((r) => r.商户订单号 === subs[0]!.out_trade_no && r.交易状态 === "SUCCESS")!;
    expect(pay).toMatchObject({ 商户退款单号: "0", 订单金额: "10.00", 手续费: "0.06000" });
    const sumHead = lines.at(-2)!.split(",");
    // The summary's numbers come in varying exact decimal forms ("4" or "4.0", "12.30" or "12.3"): compare
    // them as exact decimals, trailing zeros after the point removed (never through floats).
    const exact = (v: string) => (v.includes(".") ? v.replace(/0+$/, "").replace(/\.$/, "") : v);
    const sums = Object.fromEntries(
      lines
        .at(-1)!
        .split(",")
        .map((v, i) => [sumHead[i], exact(v.replace(/^`/, ""))]),
    );
    // fees: 6 + 1 (2.30 → 0.0138 → 1 fen) − 3 − 0 (0.30 → 0.0018 → 0 fen) = 4 fen
    expect(sums).toMatchObject({
      总交易单数: "4",
      应结订单总金额: "12.3",
      退款总金额: "5.3",
      申请退款总金额: "5.3",
      订单总金额: "12.3",
      手续费总金额: "0.04",
    });
  });
});

describe("CLI: refund-result, refunds, balance", () => {
  const run = (args: string[]) => runFakeCli(fake.url, args);

  it("decides a refund's result and sets a store's balance; bad usage exits 2, a final refund 1", async () => {
    const { subs } = await paidOrder();
    const body = refundBody(subs[0]!, { refund: 10 });
    await call(fake.url, "POST", REFUNDS, body);
    const ok = await run(["refund-result", body.out_refund_no, "success"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).refund.status).toBe("SUCCESS");
    expect((await run(["refund-result", body.out_refund_no, "closed"])).code).toBe(1); // SUCCESS is final
    expect((await run(["refund-result", body.out_refund_no, "maybe"])).code).toBe(2);
    expect(JSON.parse((await run(["refunds"])).stdout).map((r: Body) => r.out_refund_no)).toEqual([body.out_refund_no]);
    expect(JSON.parse((await run(["balance", subs[0]!.sub_mchid, "5"])).stdout)).toEqual({ [subs[0]!.sub_mchid]: 5 });
    expect(JSON.parse((await run(["balance", subs[0]!.sub_mchid, "unlimited"])).stdout)).toEqual({});
  }, 60_000);
});
