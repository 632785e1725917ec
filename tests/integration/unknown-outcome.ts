// "Unknown, then refused" (docs/wechatpay.md §9.4): WeChat accepts a request but its answer is lost (held past the
// client's time-out), and the re-send with the same parameters is refused (NO_AUTH, SIGN_ERROR, PARAM_ERROR …).
// The refusal says nothing about the first attempt, so it must not decide: we ask WeChat what it holds first.
// Shared by the SQLite suite (unknown-outcome.test.ts) and the PostgreSQL suite (postgres/unknown-outcome.test.ts).
import { expect, it } from "vitest";
import { eventually, type Harness } from "./harness";
import { adminHeaders, newKey, paidOrder, refund } from "./refund-helpers";
import { newOrder, RACE_CART } from "./payment-races";

type RefundJson = { refund: { refundNo: string; status: string; problem?: { code: string; class: string } } };
/** The suites' client time-out (WECHAT_CALL_TIMEOUT_MS; 8 s by default), short so the suite stays quick. */
export const UNKNOWN_OUTCOME_TIMEOUT_MS = 2000;
/** Past the client time-out: the fake has processed the call, the client gave up on it. */
const HELD_MS = UNKNOWN_OUTCOME_TIMEOUT_MS + 1000;
const REFUNDS = "/v3/refund/domestic/refunds";

export function unknownOutcomeTests(harness: () => Harness) {
  const ledger = (h: Harness, no: string) => h.prisma.refund.findUniqueOrThrow({ where: { refundNo: no } });
  const atWechat = async (h: Harness, outTradeNo: string) =>
    (await h.control<{ out_refund_no: string; out_trade_no: string; status: string }[]>("/refunds")).filter(
      (x) => x.out_trade_no === outTradeNo,
    );

  it("refund: the first request times out (WeChat made the refund), the retry gets 403 NO_AUTH → not FAILED: queried, PROCESSING, amount still held", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    await h.control("/faults", { target: "api", kind: "delay_then_refuse", code: "NO_AUTH", delayMs: HELD_MS, orderNo, path: REFUNDS });
    const res = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen });
    expect(res.status).toBe(201);
    const r = ((await res.json()) as RefundJson).refund;
    expect(r.status).toBe("PROCESSING");
    expect((await atWechat(h, s.outTradeNo)).map((x) => x.out_refund_no)).toEqual([r.refundNo]);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect(sub.refundReservedFen).toBe(s.amountFen);
    // what decided it: WeChat's answer to the query, audited
    expect(await h.prisma.paymentEvent.count({ where: { refundNo: r.refundNo, source: "REFUND_QUERY", outcome: "APPLIED" } })).toBe(1);
    // so the merchant cannot refund the same money twice
    await h.prisma.subOrder.update({ where: { outTradeNo: s.outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
    const again = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen });
    expect([again.status, ((await again.json()) as { code: string }).code]).toEqual([409, "REFUND_EXCEEDS_REMAINING"]);
  }, 60_000);

  it("refund: an earlier send's outcome was unknown (kept in the database); refund-sync's re-send gets 401 SIGN_ERROR → queried, PROCESSING", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    // The first send: processed but unanswered, then two SYSTEM_ERRORs; the request ends PENDING (outcome unknown).
    await h.control("/faults", { target: "api", kind: "delay", delayMs: HELD_MS, orderNo, path: REFUNDS });
    await h.control("/faults", { target: "api", kind: "system_error", count: 2, orderNo, path: REFUNDS });
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 30 })).json()) as RefundJson).refund;
    expect(r.status).toBe("PENDING");
    // Later (any process): the re-send is refused on its first attempt.
    await h.control("/faults", { target: "api", kind: "refuse", code: "SIGN_ERROR", orderNo, path: REFUNDS });
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    await syncProcessingRefunds({ now: new Date(Date.now() + 120_000) });
    const after = await ledger(h, r.refundNo);
    expect([after.status, after.sendCount]).toEqual(["PROCESSING", 2]);
    expect((await atWechat(h, s.outTradeNo)).map((x) => x.out_refund_no)).toEqual([r.refundNo]);
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(30);
  }, 60_000);

  it("refund: after an unknown outcome, a refusal leads to FAILED only when the query proves nothing exists (RESOURCE_NOT_EXISTS)", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    // SYSTEM_ERROR before any effect: nothing exists at WeChat, but we cannot know that.
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, orderNo, path: REFUNDS });
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 40 })).json()) as RefundJson).refund;
    expect(r.status).toBe("PENDING");
    await h.control("/faults", { target: "api", kind: "refuse", code: "PARAM_ERROR", orderNo, path: REFUNDS });
    const q = await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) });
    expect(q.status).toBe(200);
    expect(((await q.json()) as RefundJson).refund).toMatchObject({ status: "FAILED", problem: { code: "PARAM_ERROR", class: "final" } });
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(0);
    const queried = await h.control<{ method: string; path: string; status: number; code?: string }[]>("/requests");
    expect(queried.filter((x) => x.method === "GET" && x.path.startsWith(`${REFUNDS}/${r.refundNo}`)).map((x) => x.code)).toEqual([
      "RESOURCE_NOT_EXISTS",
    ]);
    expect(await atWechat(h, s.outTradeNo)).toEqual([]);
  }, 60_000);

  it("refund: refused after an unknown outcome and WeChat cannot be asked either → stays PENDING (OUTCOME_UNKNOWN), refund-sync settles it later", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, orderNo, path: REFUNDS });
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 25 })).json()) as RefundJson).refund;
    // NOT_ENOUGH, which would otherwise leave the refund to the merchant (refund-sync skips those)
    await h.control("/faults", { target: "api", kind: "not_enough", orderNo, path: REFUNDS });
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, path: `${REFUNDS}/${r.refundNo}` });
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    const t = Date.now() + 120_000;
    await syncProcessingRefunds({ now: new Date(t) });
    const pending = await ledger(h, r.refundNo);
    expect([pending.status, pending.lastErrorCode]).toEqual(["PENDING", "OUTCOME_UNKNOWN"]);
    expect((await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } })).refundReservedFen).toBe(25);
    // the next slot: the re-send goes through
    await syncProcessingRefunds({ now: new Date(t + 5 * 60_000) });
    expect((await ledger(h, r.refundNo)).status).toBe("PROCESSING");
  }, 60_000);

  it("prepay: the first request times out, the retry is refused → not reported as refused: WeChat is asked, the checkout can be retried", async () => {
    const h = harness();
    await h.control("/faults", {
      target: "api",
      kind: "delay_then_refuse",
      code: "NO_AUTH",
      delayMs: HELD_MS,
      path: "/v3/combine-transactions/h5",
    });
    const key = newKey();
    const first = await h.call("POST", "/api/checkout", { json: RACE_CART, headers: { "idempotency-key": key } });
    expect(first.status).toBe(502);
    expect(((await first.json()) as { code: string }).code).toBe("WECHATPAY_UNAVAILABLE");
    const order = await h.prisma.order.findFirstOrThrow({ where: { checkoutKey: key } });
    expect(order.status).toBe("PENDING");
    const reqs = await h.control<{ method: string; path: string }[]>("/requests");
    expect(reqs.some((x) => x.method === "GET" && x.path === `/v3/combine-transactions/out-trade-no/${order.orderNo}`)).toBe(true);
    await h.prisma.order.update({ where: { orderNo: order.orderNo }, data: { prepayLeaseAt: null } });
    const retry = await h.call("POST", "/api/checkout", { json: RACE_CART, headers: { "idempotency-key": key } });
    expect(retry.status).toBe(201);
  }, 60_000);

  it("close: the first request times out (WeChat closed it), the retry is refused → WeChat is asked and the order is closed here too", async () => {
    const h = harness();
    const { orderNo } = await newOrder(h);
    await h.control("/faults", {
      target: "api",
      kind: "delay_then_refuse",
      code: "SIGN_ERROR",
      delayMs: HELD_MS,
      orderNo,
      path: `/v3/combine-transactions/out-trade-no/${orderNo}/close`,
    });
    const res = await h.call("POST", `/api/orders/${orderNo}/close`);
    expect(res.status).toBe(200);
    expect((await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("CLOSED");
  }, 60_000);

  it("退至商户银行卡: the first request's answer is lost, the second is refused → queried: WeChat took the first, the request stands", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 20 })).json()) as RefundJson).refund;
    await h.control(`/refunds/${r.refundNo}/result`, { status: "abnormal" });
    await eventually(async () => (await ledger(h, r.refundNo)).status === "ABNORMAL");
    const { refundId } = await ledger(h, r.refundNo);
    // The redirect is made but its answer never arrives, and WeChat cannot be asked right then.
    await h.control("/faults", { target: "api", kind: "delay", delayMs: HELD_MS, path: `${REFUNDS}/${refundId}/apply-abnormal-refund` });
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, path: `${REFUNDS}/${r.refundNo}` });
    const first = await h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) });
    expect([first.status, ((await first.json()) as { code: string }).code]).toEqual([502, "WECHATPAY_UNAVAILABLE"]);
    // The merchant tries again: WeChat refuses (the refund is no longer ABNORMAL there) — that is not a failure.
    const second = await h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) });
    expect(second.status).toBe(200);
    expect((await ledger(h, r.refundNo)).abnormalAppliedAt).not.toBeNull();
    expect(await h.prisma.paymentEvent.count({ where: { refundNo: r.refundNo, source: "REFUND_ABNORMAL", outcome: "APPLIED" } })).toBe(1);
  }, 60_000);

  // ---- FAILED is not a dead end: WeChat may hold the refund after all ------------------------------------------

  /** What a refusal after a lost answer did before: FAILED, the amount and count given back, while WeChat holds it. */
  const failAsBefore = (h: Harness, r: { refundNo: string; outTradeNo: string; amountFen: number }) =>
    h.prisma.$transaction([
      h.prisma.refund.update({
        where: { refundNo: r.refundNo },
        data: { status: "FAILED", lastErrorCode: "NO_AUTH", lastErrorMessage: "x" },
      }),
      h.prisma.subOrder.update({
        where: { outTradeNo: r.outTradeNo },
        data: { refundReservedFen: { decrement: r.amountFen }, refundCount: { decrement: 1 } },
      }),
    ]);
  const subOf = (h: Harness, outTradeNo: string) => h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo } });

  it("a FAILED refund that WeChat holds: its REFUND.SUCCESS moves it to SUCCESS and takes the amount again, audited", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 70 })).json()) as RefundJson).refund;
    await failAsBefore(h, { refundNo: r.refundNo, outTradeNo: s.outTradeNo, amountFen: 70 });
    expect((await subOf(h, s.outTradeNo)).refundReservedFen).toBe(0);
    await h.control(`/refunds/${r.refundNo}/result`, { status: "success" });
    await eventually(async () => (await ledger(h, r.refundNo)).status === "SUCCESS");
    const sub = await subOf(h, s.outTradeNo);
    expect([sub.refundReservedFen, sub.refundedFen, sub.refundCount]).toEqual([70, 70, 1]);
    const ev = await h.prisma.paymentEvent.findFirstOrThrow({
      where: { refundNo: r.refundNo, source: "REFUND_NOTIFY", outcome: "APPLIED" },
    });
    expect(ev.reason).toContain("FAILED");
  }, 60_000);

  it("查询退款 on a FAILED refund: WeChat's PROCESSING moves it forward and takes the amount again; RESOURCE_NOT_EXISTS leaves it FAILED", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    const r = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 45 })).json()) as RefundJson).refund;
    await failAsBefore(h, { refundNo: r.refundNo, outTradeNo: s.outTradeNo, amountFen: 45 });
    const q = await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) });
    expect(q.status).toBe(200);
    expect(((await q.json()) as RefundJson).refund.status).toBe("PROCESSING");
    expect((await subOf(h, s.outTradeNo)).refundReservedFen).toBe(45);

    // one that WeChat really refused: the query proves it, nothing moves
    await h.prisma.subOrder.update({ where: { outTradeNo: s.outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
    await h.control("/faults", { target: "api", kind: "refuse", code: "NO_AUTH", orderNo, path: REFUNDS });
    const refused = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 5 })).json()) as RefundJson).refund;
    expect(refused.status).toBe("FAILED");
    const again = await h.call("POST", `/api/admin/refunds/${refused.refundNo}/query`, { headers: adminHeaders(h) });
    expect([again.status, ((await again.json()) as RefundJson).refund.status]).toEqual([200, "FAILED"]);
    expect((await subOf(h, s.outTradeNo)).refundReservedFen).toBe(45);
  }, 60_000);

  it("a FAILED refund WeChat holds never over-reserves: while another refund holds the amount it waits (5xx, redelivered), then applies", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const a = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen })).json()) as RefundJson).refund;
    await failAsBefore(h, { refundNo: a.refundNo, outTradeNo: s.outTradeNo, amountFen: s.amountFen });
    // The merchant refunds again; the request's answer is unknown, so it holds the whole amount.
    await h.prisma.subOrder.update({ where: { outTradeNo: s.outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
    await h.control("/faults", { target: "api", kind: "system_error", count: 3, orderNo, path: REFUNDS });
    const b = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen })).json()) as RefundJson).refund;
    expect(b.status).toBe("PENDING");
    // WeChat completes the first one: it does not fit next to the second, so it is not applied yet
    await h.control(`/refunds/${a.refundNo}/result`, { status: "success" });
    await eventually(() => h.prisma.paymentEvent.count({ where: { refundNo: a.refundNo, source: "REFUND_NOTIFY", outcome: "REJECTED" } }));
    expect((await ledger(h, a.refundNo)).status).toBe("FAILED");
    expect((await subOf(h, s.outTradeNo)).refundReservedFen).toBe(s.amountFen);
    // refund-sync re-sends the second one: WeChat refuses it (nothing left), the query proves it never existed
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    await syncProcessingRefunds({ now: new Date(Date.now() + 120_000) });
    expect((await ledger(h, b.refundNo)).status).toBe("FAILED");
    // the redelivered REFUND.SUCCESS now fits
    await h.control(`/refunds/${a.refundNo}/notify`, {});
    await eventually(async () => (await ledger(h, a.refundNo)).status === "SUCCESS");
    const sub = await subOf(h, s.outTradeNo);
    expect([sub.refundReservedFen, sub.refundedFen]).toEqual([s.amountFen, s.amountFen]);
  }, 60_000);
}
