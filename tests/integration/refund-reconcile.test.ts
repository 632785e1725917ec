// Reconciliation with refunds, end to end (docs/wechatpay.md §14.7): payments and refunds at the fake, its ALL
// bill downloaded and matched by (特约商户号, 商户退款单号) against the refund ledger — ours, an external one
// (staff refunded in the merchant platform; we learned it from its notification), one the bill shows with another
// amount, one WeChat made that we never heard of, one of ours missing from the bill, and one WeChat holds that our
// ledger has as FAILED.
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "./harness";
import { paidOrder, refund } from "./refund-helpers";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "refund-reconcile" });
}, 60_000);
afterAll(() => h?.close());

type RefundJson = { refund: { refundNo: string; status: string } };
const succeed = async (no: string) => {
  await h.control(`/refunds/${no}/result`, { status: "success" });
  await eventually(async () => (await h.prisma.refund.findUnique({ where: { refundNo: no } }))?.status === "SUCCESS");
};

it("a bill with payments and refunds gives the right report", async () => {
  const { orderNo, subs } = await paidOrder(h);
  const [s0, s1, s2] = subs as [(typeof subs)[0], (typeof subs)[0], (typeof subs)[0]];
  const { wechatpay } = await import("@/lib/wechatpay-server");

  // ours, matched
  const a = ((await (await refund(h, orderNo, { outTradeNo: s0.outTradeNo, amountFen: 100 })).json()) as RefundJson).refund;
  await succeed(a.refundNo);
  // external: made at WeChat by a store's staff; its REFUND.SUCCESS reaches our refund-notify route
  const external = `MP${Date.now()}`;
  await wechatpay().createRefund({
    sub_mchid: s1.subMchid!,
    out_trade_no: s1.outTradeNo,
    out_refund_no: external,
    notify_url: `${h.appUrl}/api/wechatpay/refund-notify`,
    amount: { refund: 60, total: s1.amountFen, currency: "CNY" },
  });
  await h.control(`/refunds/${external}/result`, { status: "success" });
  await eventually(async () => (await h.prisma.refund.findUnique({ where: { refundNo: external } }))?.origin === "EXTERNAL");
  // ours, but the bill will show 0.70 instead of 0.50
  const b = ((await (await refund(h, orderNo, { outTradeNo: s2.outTradeNo, amountFen: 50 })).json()) as RefundJson).refund;
  // WeChat made it, no notification ever reached us
  const unknown = `MPX${Date.now()}`;
  await wechatpay().createRefund({
    sub_mchid: s2.subMchid!,
    out_trade_no: s2.outTradeNo,
    out_refund_no: unknown,
    amount: { refund: 20, total: s2.amountFen, currency: "CNY" },
  });
  // ours, held by WeChat, but FAILED in our ledger (what a refusal after a lost answer once did): a difference
  const d = ((await (await refund(h, orderNo, { outTradeNo: s1.outTradeNo, amountFen: 30 })).json()) as RefundJson).refund;
  await h.prisma.$transaction([
    h.prisma.refund.update({ where: { refundNo: d.refundNo }, data: { status: "FAILED", lastErrorCode: "NO_AUTH" } }),
    h.prisma.subOrder.update({
      where: { outTradeNo: s1.outTradeNo },
      data: { refundReservedFen: { decrement: 30 }, refundCount: { decrement: 1 } },
    }),
  ]);
  // ours, accepted, but left out of the bill
  await h.prisma.subOrder.update({ where: { outTradeNo: s0.outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
  const c = ((await (await refund(h, orderNo, { outTradeNo: s0.outTradeNo, amountFen: 10 })).json()) as RefundJson).refund;
  expect([a.status, b.status, c.status]).toEqual(["PROCESSING", "PROCESSING", "PROCESSING"]);
  await h.control("/bills/overrides", { amountFen: { [b.refundNo]: 70 }, remove: [c.refundNo] });

  const { now } = await h.control<{ now: string }>("/clock");
  const billDate = new Date(Date.parse(now) + 8 * 3600_000).toISOString().slice(0, 10);
  await h.control("/clock", {
    advanceSeconds: Math.ceil((Date.parse(`${billDate}T10:00:30+08:00`) + 86_400_000 - Date.parse(now)) / 1000),
  });
  const svc = await import("@/lib/bills/service");
  const r = await svc.downloadAndReconcile({ billDate });
  expect(r.status).toBe("RECONCILED");
  if (r.status !== "RECONCILED") return;
  const report = r.report;
  expect(report.ok).toBe(false);
  // 3 payments + refund a + the external refund
  expect(report.counts).toMatchObject({
    MATCHED: 5,
    REFUND_AMOUNT_DIFFERS: 1,
    REFUND_UNKNOWN: 1,
    REFUND_MISSING_FROM_BILL: 1,
    REFUND_STATUS_DIFFERS: 1,
    STATUS_DIFFERS: 0,
    NOT_PAID_LOCALLY: 0,
    MISSING_FROM_BILL: 0,
  });
  expect(report.lines.find((l) => l.kind === "REFUND_AMOUNT_DIFFERS")).toMatchObject({
    refundNo: b.refundNo,
    billAmountFen: 70,
    localAmountFen: 50,
  });
  expect(report.lines.find((l) => l.kind === "REFUND_UNKNOWN")).toMatchObject({ refundNo: unknown, outTradeNo: s2.outTradeNo });
  expect(report.lines.find((l) => l.kind === "REFUND_MISSING_FROM_BILL")).toMatchObject({ refundNo: c.refundNo, orderNo });
  expect(report.lines.find((l) => l.refundNo === external)).toMatchObject({ kind: "MATCHED", note: expect.stringContaining("商户平台") });
  expect(report.lines.find((l) => l.kind === "REFUND_STATUS_DIFFERS")).toMatchObject({ refundNo: d.refundNo, localState: "FAILED" });
  // per store: payments, refunds as the bill shows them, net
  const byStore = Object.fromEntries(report.stores.map((t) => [t.subMchid, t]));
  expect(byStore[s0.subMchid!]).toMatchObject({ paymentFen: s0.amountFen, refundCount: 1, refundFen: 100, netFen: s0.amountFen - 100 });
  expect(byStore[s1.subMchid!]).toMatchObject({ paymentFen: s1.amountFen, refundCount: 2, refundFen: 90 });
  expect(byStore[s2.subMchid!]).toMatchObject({ paymentFen: s2.amountFen, refundCount: 2, refundFen: 90 });
  // the file is consistent with itself: every summary total equals its detail rows
  expect(report.totals.filter((t) => t.label.endsWith("明细合计") || t.label.endsWith("明细行数")).every((t) => t.ok)).toBe(true);
}, 90_000);
