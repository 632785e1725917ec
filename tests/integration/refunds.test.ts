// Refunds end to end against the fake WeChat Pay (docs/wechatpay.md §14): the admin API, every ledger rule,
// retries with the same number, REFUND.* notifications (and their tampered variants), external refunds,
// refunds:sync, the shopper's view. One paid order per test: nothing depends on another test.
import { TEST_OWNER } from "../support/admin-actor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "./harness";
import {
  adminHeaders,
  deliverRefund,
  fakeAbnormalCalls,
  fakeRefundCalls,
  newKey,
  paidOrder,
  refund,
  refundNotificationBody,
  refundPlain,
} from "./refund-helpers";
import { refundRaceTests } from "./refund-races";
import { refundNotificationShapeTests } from "./refund-notification-shapes";
import { RACE_CART } from "./payment-races";
import { signedHeaders } from "../support/notification-signer";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "refunds" });
}, 60_000);
afterAll(() => h?.close());

type RefundJson = {
  refund: {
    refundNo: string;
    status: string;
    amountFen: number;
    outTradeNo: string;
    advice: string | null;
    problem?: { code: string; class: string; advice: string };
  };
};
const body = async (r: Response) => (await r.json()) as RefundJson & { code?: string; message?: string; retryAfterSeconds?: number };
/** Lets the ≥ 1 minute rule pass without waiting: the previous refund moves 2 minutes into the past. */
const ageLastRefund = (outTradeNo: string) =>
  h.prisma.subOrder.update({ where: { outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
const result = (no: string, status: "success" | "closed" | "abnormal") => h.control(`/refunds/${no}/result`, { status });
const ledger = (no: string) => h.prisma.refund.findUniqueOrThrow({ where: { refundNo: no } });

describe("admin API: POST /api/admin/orders/{orderNo}/refunds", () => {
  it("partial then the rest of one store: PROCESSING → SUCCESS by notification; other stores untouched; shopper sees 已退款", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const first = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 100, reason: "少发一件" });
    expect(first.status).toBe(201);
    const a = (await body(first)).refund;
    expect(a).toMatchObject({ outTradeNo: s.outTradeNo, amountFen: 100, status: "PROCESSING" });
    // the request went out with sub_mchid, the sub-order's total and our notify_url
    const fakeView = await h.control<{ refund: Record<string, unknown> }>(`/refunds/${a.refundNo}`);
    expect(fakeView.refund).toMatchObject({
      out_trade_no: s.outTradeNo,
      amount: expect.objectContaining({ refund: 100, total: s.amountFen }),
    });
    await result(a.refundNo, "success");
    await eventually(async () => (await ledger(a.refundNo)).status === "SUCCESS");

    await ageLastRefund(s.outTradeNo);
    const rest = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen - 100 });
    expect(rest.status).toBe(201);
    const b = (await body(rest)).refund;
    await result(b.refundNo, "success");
    await eventually(async () => (await ledger(b.refundNo)).status === "SUCCESS");

    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect([sub.refundedFen, sub.refundReservedFen, sub.tradeState]).toEqual([s.amountFen, s.amountFen, "REFUND"]);
    const view = (await (await h.call("GET", `/api/orders/${orderNo}`)).json()) as {
      status: string;
      subOrders: { refundedFen: number; refunds: { text: string; status: string }[] }[];
    };
    expect(view.status).toBe("PAID"); // the other stores are not refunded
    expect(view.subOrders[0]!.refundedFen).toBe(s.amountFen);
    expect(view.subOrders[0]!.refunds.map((r) => r.text)).toEqual([
      "已退款 ¥1.00，退回支付用户零钱",
      `已退款 ¥${((s.amountFen - 100) / 100).toFixed(2)}，退回支付用户零钱`,
    ]);
    expect(view.subOrders[1]!).toMatchObject({ refundedFen: 0, refunds: [] });
    // every verified refund message is audited
    expect(await h.prisma.paymentEvent.count({ where: { refundNo: a.refundNo, source: "REFUND_NOTIFY", outcome: "APPLIED" } })).toBe(1);
  });

  it("every sub-order fully refunded → order status REFUNDED", async () => {
    const { orderNo, subs } = await paidOrder(h);
    for (const s of subs) {
      const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen }))).refund;
      await result(r.refundNo, "success");
      await eventually(async () => (await ledger(r.refundNo)).status === "SUCCESS");
    }
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("REFUNDED");
    const view = (await (await h.call("GET", `/api/orders/${orderNo}`)).json()) as { status: string };
    expect(view.status).toBe("REFUNDED");
  });

  it("a repeated Idempotency-Key returns the same refund and never calls WeChat again; reused for another body → 422", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const key = newKey();
    const before = (await fakeRefundCalls(h)).length;
    const one = await body(await refund(h, orderNo, { outTradeNo: subs[1]!.outTradeNo, amountFen: 50 }, key));
    const two = await refund(h, orderNo, { outTradeNo: subs[1]!.outTradeNo, amountFen: 50 }, key);
    expect(two.status).toBe(201);
    expect((await body(two)).refund.refundNo).toBe(one.refund.refundNo);
    expect((await fakeRefundCalls(h)).length - before).toBe(1);
    const other = await refund(h, orderNo, { outTradeNo: subs[1]!.outTradeNo, amountFen: 51 }, key);
    expect([other.status, (await body(other)).code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
  });

  it("over the remaining amount → 409 REFUND_EXCEEDS_REMAINING without calling WeChat", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const before = (await fakeRefundCalls(h)).length;
    const r = await refund(h, orderNo, { outTradeNo: subs[2]!.outTradeNo, amountFen: subs[2]!.amountFen + 1 });
    const b = await body(r);
    expect([r.status, b.code]).toEqual([409, "REFUND_EXCEEDS_REMAINING"]);
    expect(b.message).toContain("剩余");
    expect((await fakeRefundCalls(h)).length).toBe(before);
  });

  it("an unpaid order → 409 ORDER_NOT_PAID", async () => {
    const res = await h.call("POST", "/api/checkout", { json: RACE_CART });
    const { orderNo } = (await res.json()) as { orderNo: string };
    const sub = await h.prisma.subOrder.findFirstOrThrow({ where: { orderNo } });
    const r = await refund(h, orderNo, { outTradeNo: sub.outTradeNo, amountFen: 1 });
    expect([r.status, (await body(r)).code]).toEqual([409, "ORDER_NOT_PAID"]);
  });

  it("bad input → 400: no Idempotency-Key, zero amount, reason over 80 bytes, unknown field, foreign sub-order; no session → 401; foreign Origin → 403", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const noKey = await h.call("POST", `/api/admin/orders/${orderNo}/refunds`, {
      json: { outTradeNo: s.outTradeNo, amountFen: 1 },
      headers: adminHeaders(h),
    });
    expect(noKey.status).toBe(400);
    for (const bad of [
      { outTradeNo: s.outTradeNo, amountFen: 0 },
      { outTradeNo: s.outTradeNo, amountFen: 1, reason: "退".repeat(27) },
      { outTradeNo: s.outTradeNo, amountFen: 1, extra: 1 },
      { outTradeNo: s.outTradeNo, amountFen: 1.5 },
    ]) {
      const r = await refund(h, orderNo, bad);
      expect([r.status, (await body(r)).code]).toEqual([400, "INVALID_REQUEST"]);
    }
    const other = await paidOrder(h);
    const foreign = await refund(h, orderNo, { outTradeNo: other.subs[0]!.outTradeNo, amountFen: 1 });
    expect(foreign.status).toBe(400);
    const anon = await h.call("POST", `/api/admin/orders/${orderNo}/refunds`, {
      json: { outTradeNo: s.outTradeNo, amountFen: 1 },
      headers: { "idempotency-key": newKey() },
    });
    expect(anon.status).toBe(401);
    const cross = await h.call("POST", `/api/admin/orders/${orderNo}/refunds`, {
      json: { outTradeNo: s.outTradeNo, amountFen: 1 },
      headers: { ...adminHeaders(h, newKey()), origin: "https://evil.example" },
    });
    expect(cross.status).toBe(403);
    expect(await h.prisma.refund.count({ where: { orderNo } })).toBe(0);
  });

  it("a second refund of the same sub-order within a minute → 409 REFUND_TOO_SOON saying when to retry", async () => {
    const { orderNo, subs } = await paidOrder(h);
    expect((await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 10 })).status).toBe(201);
    const r = await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 10 });
    const b = await body(r);
    expect([r.status, b.code]).toEqual([409, "REFUND_TOO_SOON"]);
    expect(b.retryAfterSeconds).toBeGreaterThan(0);
    expect(b.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(b.message).toMatch(/\d+ 秒后重试/);
    // another store of the same order is not affected
    expect((await refund(h, orderNo, { outTradeNo: subs[1]!.outTradeNo, amountFen: 10 })).status).toBe(201);
    // the rejected attempt reserved nothing
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: subs[0]!.outTradeNo } })).refundReservedFen).toBe(10);
  });

  it("the 51st refund of a sub-order → 409 REFUND_LIMIT_REACHED", async () => {
    const { orderNo, subs } = await paidOrder(h);
    await h.prisma.subOrder.update({ where: { outTradeNo: subs[0]!.outTradeNo }, data: { refundCount: 50 } });
    const r = await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 1 });
    expect([r.status, (await body(r)).code]).toEqual([409, "REFUND_LIMIT_REACHED"]);
  });

  it("more than a year after payment → 409 REFUND_WINDOW_EXPIRED", async () => {
    const { orderNo, subs } = await paidOrder(h);
    await h.prisma.subOrder.update({
      where: { outTradeNo: subs[0]!.outTradeNo },
      data: { successTime: new Date(Date.now() - 366 * 86400_000) },
    });
    const r = await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 1 });
    expect([r.status, (await body(r)).code]).toEqual([409, "REFUND_WINDOW_EXPIRED"]);
  });
});

describe("WeChat's answers (docs/wechatpay.md §14.5)", () => {
  it("NOT_ENOUGH: explained, amount held, retried later with the SAME out_refund_no and identical body", async () => {
    const { orderNo, subs } = await paidOrder(h);
    await h.control("/faults", { target: "api", kind: "not_enough", orderNo, path: "/v3/refund/domestic/refunds" });
    const r = await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 30 });
    expect(r.status).toBe(201);
    const first = (await body(r)).refund;
    expect(first.status).toBe("PENDING");
    expect(first.problem).toMatchObject({ code: "NOT_ENOUGH", class: "retry_later" });
    expect(first.advice).toContain("余额不足");
    const retried = await h.call("POST", `/api/admin/refunds/${first.refundNo}/query`, { headers: adminHeaders(h) });
    expect(retried.status).toBe(200);
    expect((await body(retried)).refund).toMatchObject({ refundNo: first.refundNo, status: "PROCESSING", advice: null });
    const calls = (await fakeRefundCalls(h)).slice(-2);
    expect(calls.map((c) => c.status)).toEqual([403, 200]);
    expect((await h.control<{ refund: { out_refund_no: string } }>(`/refunds/${first.refundNo}`)).refund.out_refund_no).toBe(
      first.refundNo,
    );
  });

  it("SYSTEM_ERROR (outcome unknown): PENDING, then refunds:sync re-sends the same number and it is accepted", async () => {
    const { orderNo, subs } = await paidOrder(h);
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, orderNo, path: "/v3/refund/domestic/refunds" });
    const r = (await body(await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 20 }))).refund;
    expect(r.status).toBe("PENDING");
    expect(r.problem).toMatchObject({ code: "SYSTEM_ERROR", class: "unknown" });
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    const summary = await syncProcessingRefunds({ now: new Date(Date.now() + 120_000) });
    expect(summary.checked).toBeGreaterThanOrEqual(1);
    expect((await ledger(r.refundNo)).status).toBe("PROCESSING");
    expect(
      (await h.control<unknown[]>("/refunds")).filter((x) => (x as { out_refund_no: string }).out_refund_no === r.refundNo),
    ).toHaveLength(1);
  });

  it("a timeout (the answer is lost, the refund was made): the client re-sends the SAME number and identical body; one refund at WeChat", async () => {
    const { orderNo, subs } = await paidOrder(h);
    // Held past the app's 8 s client timeout; the fake has processed it all the same.
    await h.control("/faults", { target: "api", kind: "delay", delayMs: 9_000, orderNo, path: "/v3/refund/domestic/refunds" });
    const before = (await fakeRefundCalls(h)).length;
    const r = (await body(await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 35 }))).refund;
    expect(r.status).toBe("PROCESSING");
    // the fake logs the held call when its (unread) answer is finally written
    const calls = await eventually(async () => {
      const all = await fakeRefundCalls(h);
      return all.length >= before + 2 ? all.slice(before) : undefined;
    }, 15_000);
    expect(calls.map((c) => c.status)).toEqual([200, 200]);
    const atWechat = (await h.control<{ out_refund_no: string; out_trade_no: string }[]>("/refunds")).filter(
      (x) => x.out_trade_no === subs[0]!.outTradeNo,
    );
    expect(atWechat.map((x) => x.out_refund_no)).toEqual([r.refundNo]);
    expect((await ledger(r.refundNo)).sendCount).toBe(1);
  }, 60_000);

  it("a final refusal (INVALID_REQUEST: WeChat already refunded most of it) → FAILED, amount freed", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    // A store's staff refunded 90 % in the merchant platform; no notification reached us yet.
    const tx = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    const { wechatpay } = await import("@/lib/wechatpay-server");
    await wechatpay().createRefund({
      sub_mchid: tx.subMchid!,
      out_trade_no: s.outTradeNo,
      out_refund_no: `STAFF${Date.now()}`,
      amount: { refund: Math.floor(s.amountFen * 0.9), total: s.amountFen, currency: "CNY" },
    });
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen }))).refund;
    expect(r.status).toBe("FAILED");
    expect(r.problem).toMatchObject({ code: "INVALID_REQUEST", class: "final" });
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(0);
  });

  it("CLOSED frees the amount; the same amount is re-issued under a new number", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen }))).refund;
    await result(r.refundNo, "closed");
    await eventually(async () => (await ledger(r.refundNo)).status === "CLOSED");
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(0);
    await ageLastRefund(s.outTradeNo);
    const again = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen }))).refund;
    expect(again.refundNo).not.toBe(r.refundNo);
    expect(again.status).toBe("PROCESSING");
  });

  it("ABNORMAL is explained; a later SUCCESS (bank card) completes it; a stale ABNORMAL redelivery never moves it back", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 40 }))).refund;
    await result(r.refundNo, "abnormal");
    await eventually(async () => (await ledger(r.refundNo)).status === "ABNORMAL");
    const q = await body(await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) }));
    expect(q.refund.advice).toContain("异常退款");
    await result(r.refundNo, "success");
    await eventually(async () => (await ledger(r.refundNo)).status === "SUCCESS");
    expect((await ledger(r.refundNo)).userReceivedAccount).toBe("招商银行借记卡0403");
    const stale = refundNotificationBody(
      refundPlain(s, { out_refund_no: r.refundNo, refund_status: "ABNORMAL", amount: { total: s.amountFen, refund: 40 } }),
    );
    expect((await deliverRefund(h, stale)).status).toBe(204);
    expect((await ledger(r.refundNo)).status).toBe("SUCCESS");
  });

  it("退至商户银行卡: an ABNORMAL refund is redirected once; SUCCESS completes it to the merchant's account; late messages change nothing", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 25 }))).refund;
    const abnormal = () => h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) });
    // not ABNORMAL (yet): refused, WeChat not asked
    const early = await abnormal();
    expect([early.status, ((await early.json()) as { code: string }).code]).toEqual([409, "REFUND_NOT_ABNORMAL"]);
    await result(r.refundNo, "abnormal");
    await eventually(async () => (await ledger(r.refundNo)).status === "ABNORMAL");
    const callsBefore = (await fakeAbnormalCalls(h)).length;

    const ok = await abnormal();
    expect(ok.status).toBe(200);
    const view = ((await ok.json()) as { refund: { status: string; abnormalAppliedAt: string | null; advice: string } }).refund;
    expect(view.status).toBe("ABNORMAL");
    expect(view.abnormalAppliedAt).not.toBeNull();
    expect(view.advice).toContain("已申请退至商户银行卡");
    expect((await fakeAbnormalCalls(h)).length - callsBefore).toBe(1);
    const again = await abnormal();
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, "ABNORMAL_REFUND_APPLIED"]);
    expect((await fakeAbnormalCalls(h)).length - callsBefore).toBe(1);
    const events = await h.prisma.paymentEvent.findMany({ where: { refundNo: r.refundNo, source: "REFUND_ABNORMAL" } });
    expect(events.map((e) => [e.outcome, e.tradeStates])).toEqual([["APPLIED", "PROCESSING"]]);

    // WeChat now says PROCESSING: the ledger keeps ABNORMAL (forward only) until the result
    await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) });
    expect((await ledger(r.refundNo)).status).toBe("ABNORMAL");
    await result(r.refundNo, "success");
    await eventually(async () => (await ledger(r.refundNo)).status === "SUCCESS");
    // (REFUND.* notifications carry the account but not the channel)
    expect((await ledger(r.refundNo)).userReceivedAccount).toBe("商户银行账户");
    const stale = refundNotificationBody(
      refundPlain(s, { out_refund_no: r.refundNo, refund_status: "ABNORMAL", amount: { total: s.amountFen, refund: 25 } }),
    );
    expect((await deliverRefund(h, stale)).status).toBe(204);
    expect((await ledger(r.refundNo)).status).toBe("SUCCESS");
    expect((await abnormal()).status).toBe(409);
  });

  it("退至商户银行卡 refused by WeChat: a clear 502, and the button is given back for a retry", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 12 }))).refund;
    await result(r.refundNo, "abnormal");
    await eventually(async () => (await ledger(r.refundNo)).status === "ABNORMAL");
    const { refundId } = await ledger(r.refundNo);
    await h.control("/faults", {
      target: "api",
      kind: "system_error",
      path: `/v3/refund/domestic/refunds/${refundId}/apply-abnormal-refund`,
    });
    const failed = await h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) });
    expect([failed.status, ((await failed.json()) as { code: string }).code]).toEqual([502, "WECHATPAY_UNAVAILABLE"]);
    expect((await ledger(r.refundNo)).abnormalAppliedAt).toBeNull();
    const retried = await h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) });
    expect(retried.status).toBe(200);
    expect((await ledger(r.refundNo)).abnormalAppliedAt).not.toBeNull();
  });

  it("refunds:sync settles a PROCESSING refund whose notification was lost (≥ 1 minute old only)", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const r = (await body(await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 15 }))).refund;
    await h.control("/faults", { target: "notify", kind: "drop", count: 100, orderNo: r.refundNo });
    await result(r.refundNo, "success");
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    await syncProcessingRefunds({ now: new Date(Date.now() + 1_000) }); // too young: not queried
    expect((await ledger(r.refundNo)).status).toBe("PROCESSING");
    await syncProcessingRefunds({ now: new Date(Date.now() + 120_000) });
    const after = await ledger(r.refundNo);
    expect([after.status, after.queryCount]).toEqual(["SUCCESS", 1]);
    await h.control("/faults", undefined, "DELETE");
  });
});

describe("refund-sync backoff (the in-app job and npm run refunds:sync), with an injected clock", () => {
  const MIN = 60_000;
  async function lostNotification() {
    const { orderNo, subs } = await paidOrder(h);
    const r = (await body(await refund(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, amountFen: 11 }))).refund;
    await h.control("/faults", { target: "notify", kind: "drop", count: 1000, orderNo: r.refundNo });
    const { createdAt } = await ledger(r.refundNo);
    return { no: r.refundNo, t0: createdAt.getTime() };
  }
  const queries = async (no: string) => (await ledger(no)).queryCount;

  it("a refund still PROCESSING is first queried ≥ 1 minute after the request, then after 1, 5, 30 and 60 minutes", async () => {
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    const { no, t0 } = await lostNotification();
    await syncProcessingRefunds({ now: new Date(t0 + MIN - 1000) });
    expect(await queries(no)).toBe(0); // too young
    let t = t0 + MIN;
    await syncProcessingRefunds({ now: new Date(t) });
    expect(await queries(no)).toBe(1);
    for (const [n, waitMin] of [
      [2, 1],
      [3, 5],
      [4, 30],
      [5, 60],
      [6, 60],
    ] as const) {
      await syncProcessingRefunds({ now: new Date(t + waitMin * MIN - 1000) });
      expect(await queries(no), `query ${n} not before ${waitMin} min`).toBe(n - 1);
      t += waitMin * MIN;
      await syncProcessingRefunds({ now: new Date(t) });
      expect(await queries(no), `query ${n} after ${waitMin} min`).toBe(n);
    }
    expect((await ledger(no)).status).toBe("PROCESSING");
    await result(no, "success");
    await syncProcessingRefunds({ now: new Date(t + 60 * MIN) });
    expect([(await ledger(no)).status, await queries(no)]).toEqual(["SUCCESS", 7]);
    // Final: never queried again.
    await syncProcessingRefunds({ now: new Date(t + 600 * MIN) });
    expect(await queries(no)).toBe(7);
  }, 60_000);

  it("an ABNORMAL refund is surfaced, not polled forever: at most ABNORMAL_MAX_QUERIES queries", async () => {
    const { syncProcessingRefunds, ABNORMAL_MAX_QUERIES } = await import("@/lib/refunds/sync");
    const { no, t0 } = await lostNotification();
    await result(no, "abnormal");
    let t = t0 + MIN;
    for (let i = 0; i < ABNORMAL_MAX_QUERIES + 5; i++, t += 60 * MIN) await syncProcessingRefunds({ now: new Date(t) });
    const after = await ledger(no);
    expect([after.status, after.queryCount]).toEqual(["ABNORMAL", ABNORMAL_MAX_QUERIES]);
  }, 60_000);
});

describe("refund notifications: tampering and strangers (docs/wechatpay.md §14.4)", () => {
  async function processing() {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const r = (await body(await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 25 }))).refund;
    return { orderNo, s, no: r.refundNo, plain: refundPlain(s, { out_refund_no: r.refundNo, amount: { total: s.amountFen, refund: 25 } }) };
  }
  const unchanged = async (no: string) => {
    expect((await ledger(no)).status).toBe("PROCESSING");
  };

  it("bad signature → 401, nothing changes, counted (bounded) instead of a row per request", async () => {
    const { no, plain } = await processing();
    const rowsBefore = await h.prisma.paymentEvent.count();
    const b = refundNotificationBody(plain);
    const r = await deliverRefund(h, b, signedHeaders(b, { signature: Buffer.alloc(256, 1).toString("base64") }));
    expect(r.status).toBe(401);
    await unchanged(no);
    expect(await h.prisma.paymentEvent.count()).toBe(rowsBefore);
    const { flushJunkCounters } = await import("@/lib/notify/junk");
    await flushJunkCounters();
    const junk = await h.prisma.junkNotificationCounter.findMany({ where: { reason: { startsWith: "signature:" } } });
    expect(junk.reduce((n, c) => n + c.count, 0)).toBeGreaterThanOrEqual(1);
  });

  it("stale timestamp → 401", async () => {
    const { no, plain } = await processing();
    const b = refundNotificationBody(plain);
    expect((await deliverRefund(h, b, signedHeaders(b, { timestamp: Math.floor(Date.now() / 1000) - 600 }))).status).toBe(401);
    await unchanged(no);
  });

  it("wrong amount → 400, nothing changes, audited REJECTED", async () => {
    const { no, plain } = await processing();
    const r = await deliverRefund(h, refundNotificationBody({ ...plain, amount: { ...plain.amount, refund: 26 } }));
    expect(r.status).toBe(400);
    await unchanged(no);
    expect(await h.prisma.paymentEvent.count({ where: { refundNo: no, outcome: "REJECTED" } })).toBe(1);
  });

  it("wrong sub_mchid → 400, nothing changes", async () => {
    const { no, plain } = await processing();
    expect((await deliverRefund(h, refundNotificationBody({ ...plain, sub_mchid: "1900000204" }))).status).toBe(400);
    await unchanged(no);
  });

  it("empty associated_data is accepted (§14.4.2)", async () => {
    const { no, plain } = await processing();
    expect((await deliverRefund(h, refundNotificationBody(plain, { aad: "" }))).status).toBe(204);
    expect((await ledger(no)).status).toBe("SUCCESS");
  });

  it("unknown refund for an unknown order → 404, no row", async () => {
    const { s } = await processing();
    const plain = refundPlain(
      { ...s, outTradeNo: "C999999999999NOPE-1", transactionId: "4200000000999999999999" },
      { out_refund_no: "RSTRANGER0001" },
    );
    expect((await deliverRefund(h, refundNotificationBody(plain))).status).toBe(404);
    expect(await h.prisma.refund.count({ where: { refundNo: "RSTRANGER0001" } })).toBe(0);
  });

  it("unknown refund matching a paid sub-order of ours (staff refunded in 商户平台) → recorded as EXTERNAL", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const plain = refundPlain(s, { out_refund_no: `MP${Date.now()}`, amount: { total: s.amountFen, refund: 60 } });
    expect((await deliverRefund(h, refundNotificationBody(plain))).status).toBe(204);
    const row = await ledger(plain.out_refund_no);
    expect([row.origin, row.status, row.amountFen, row.orderNo]).toEqual(["EXTERNAL", "SUCCESS", 60, orderNo]);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect([sub.refundedFen, sub.refundReservedFen]).toEqual([60, 60]);
    // the same external notification again: one row, DUPLICATE
    expect((await deliverRefund(h, refundNotificationBody(plain))).status).toBe(204);
    expect(await h.prisma.refund.count({ where: { outTradeNo: s.outTradeNo } })).toBe(1);
    // an external refund whose total is not our sub-order's → 400
    const wrong = refundPlain(s, { out_refund_no: `MP${Date.now()}X`, amount: { total: s.amountFen + 1, refund: 1 } });
    expect((await deliverRefund(h, refundNotificationBody(wrong))).status).toBe(400);
  });
});

describe("races (SQLite)", () => {
  refundRaceTests(() => h);
});

describe("refund notifications: the official shapes and their merchant ids (SQLite)", () => {
  refundNotificationShapeTests(() => h);
});

describe("back office: refunds needing attention", () => {
  it("are listed newest first, 50 to a page, with out-of-range pages clamped", async () => {
    const { listRefundsNeedingAttention, ATTENTION_PAGE_SIZE } = await import("@/lib/refunds/view");
    const { subs } = await paidOrder(h);
    const s = subs[0]!;
    const before = (await listRefundsNeedingAttention(TEST_OWNER, 1)).total;
    const t0 = Date.now() + 3600_000; // after every refund the other tests made
    await h.prisma.refund.createMany({
      data: Array.from({ length: ATTENTION_PAGE_SIZE + 5 }, (_, i) => ({
        refundNo: `RPAGE${String(i).padStart(4, "0")}`,
        outTradeNo: s.outTradeNo,
        orderNo: s.orderNo,
        subMchid: s.subMchid,
        amountFen: 1,
        totalFen: s.amountFen,
        requestedBy: "test",
        status: "CLOSED",
        createdAt: new Date(t0 + i * 1000),
      })),
    });
    const first = await listRefundsNeedingAttention(TEST_OWNER, 1);
    expect(first.total).toBe(before + ATTENTION_PAGE_SIZE + 5);
    expect(first.refunds).toHaveLength(ATTENTION_PAGE_SIZE);
    expect(first.refunds[0]!.refundNo).toBe(`RPAGE${String(ATTENTION_PAGE_SIZE + 4).padStart(4, "0")}`);
    const second = await listRefundsNeedingAttention(TEST_OWNER, 2);
    expect(second.refunds.map((r) => r.refundNo)).toEqual(
      ["RPAGE0004", "RPAGE0003", "RPAGE0002", "RPAGE0001", "RPAGE0000"].concat(second.refunds.slice(5).map((r) => r.refundNo)),
    );
    expect(second.refunds.slice(5).every((r) => !r.refundNo.startsWith("RPAGE"))).toBe(true);
    const beyond = await listRefundsNeedingAttention(TEST_OWNER, 999);
    expect(beyond.page).toBe(beyond.pageCount);
    expect(beyond.pageCount).toBe(Math.ceil(first.total / ATTENTION_PAGE_SIZE));
    await h.prisma.refund.deleteMany({ where: { refundNo: { startsWith: "RPAGE" } } });
  });
});
