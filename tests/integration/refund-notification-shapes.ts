// REFUND.* notifications in every shape the official samples show (docs/wechatpay.md §14.4.3) — the service-provider
// table (sp_mchid + sub_mchid), the service-provider example (mchid only, what a refund made by store staff in the
// merchant platform brings), the union of both — and tampered merchant ids: whichever of sp_mchid / sub_mchid / mchid
// are present must be ours for that sub-order, as on the payment path. Shared by the SQLite suite (refunds.test.ts)
// and the PostgreSQL suite (postgres/refunds.test.ts).
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { deliverRefund, paidOrder, refund, refundNotificationBody, refundPlain, type RefundPlain } from "./refund-helpers";
import { testKeys } from "../support/test-identity";

const SP = testKeys.combineMchid;
const OTHER_SP = "1900009999";

/** The official shapes of the decrypted content for one sub-order (partner mode: SP = our combine_mchid). */
function shapes(p: RefundPlain): Record<"spTable" | "spExample" | "union", RefundPlain> {
  const { sp_mchid: _sp, sub_mchid, mchid: _m, ...rest } = p;
  return {
    spTable: { sp_mchid: SP, sub_mchid, ...rest },
    spExample: { mchid: SP, ...rest },
    union: { mchid: SP, sp_mchid: SP, sub_mchid, ...rest },
  };
}

export function refundNotificationShapeTests(harness: () => Harness) {
  const ledger = (h: Harness, no: string) => h.prisma.refund.findUnique({ where: { refundNo: no } });
  const rejected = (h: Harness, no: string) =>
    h.prisma.paymentEvent.count({ where: { refundNo: no, source: "REFUND_NOTIFY", outcome: "REJECTED" } });

  it("a refund made in the merchant platform, notified in each official shape (mchid only included), is recorded as EXTERNAL", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    for (const [i, [name, plain]] of Object.entries(
      shapes(refundPlain(subs[0]!, { out_refund_no: "x", amount: { total: subs[0]!.amountFen, refund: 10 } })),
    ).entries()) {
      const no = `MP${Date.now()}${i}`;
      const res = await deliverRefund(h, refundNotificationBody({ ...plain, out_refund_no: no, refund_id: `5030000000000000000000${i}` }));
      expect(res.status, name).toBe(204);
      expect(await ledger(h, no), name).toMatchObject({ origin: "EXTERNAL", status: "SUCCESS", amountFen: 10, orderNo });
    }
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: subs[0]!.outTradeNo } });
    expect([sub.refundedFen, sub.refundReservedFen]).toEqual([30, 30]);
  });

  it("our own refund notified in each official shape is applied", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    const created = (await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 20 })).json()) as {
      refund: { refundNo: string };
    };
    const no = created.refund.refundNo;
    const all = shapes(refundPlain(s, { out_refund_no: no, refund_status: "ABNORMAL", amount: { total: s.amountFen, refund: 20 } }));
    expect((await deliverRefund(h, refundNotificationBody(all.spExample))).status).toBe(204);
    expect((await ledger(h, no))!.status).toBe("ABNORMAL");
    expect((await deliverRefund(h, refundNotificationBody({ ...all.union, refund_status: "SUCCESS" }))).status).toBe(204);
    expect((await ledger(h, no))!.status).toBe("SUCCESS");
    expect((await deliverRefund(h, refundNotificationBody({ ...all.spTable, refund_status: "SUCCESS" }))).status).toBe(204);
  });

  /** A paid order, a PROCESSING refund of its third sub-order, and that refund's official shapes. */
  async function processing(h: Harness) {
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const created = (await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 15 })).json()) as {
      refund: { refundNo: string };
    };
    const no = created.refund.refundNo;
    const otherStore = testKeys.subMerchants.find((m) => m.subMchid !== s.subMchid)!.subMchid;
    return { subs, s, no, otherStore, ours: shapes(refundPlain(s, { out_refund_no: no, amount: { total: s.amountFen, refund: 15 } })) };
  }

  it("a refund we do not know whose merchant ids or transaction are not that sub-order's → 400, not recorded, audited REJECTED", async () => {
    const h = harness();
    const { subs, s, ours, otherStore } = await processing(h);
    const stranger = `MP${Date.now()}T`;
    const strangers: [string, RefundPlain][] = [
      ["another service provider", { ...ours.spTable, out_refund_no: stranger, sp_mchid: OTHER_SP }],
      ["mchid of another merchant", { ...ours.spExample, out_refund_no: stranger, mchid: OTHER_SP }],
      ["another store", { ...ours.spTable, out_refund_no: stranger, sub_mchid: otherStore }],
      ["union: sp_mchid contradicts", { ...ours.union, out_refund_no: stranger, sp_mchid: OTHER_SP }],
      ["transaction_id of another sub-order", { ...ours.spExample, out_refund_no: stranger, transaction_id: subs[0]!.transactionId! }],
    ];
    for (const [name, plain] of strangers) expect((await deliverRefund(h, refundNotificationBody(plain))).status, name).toBe(400);
    expect(await ledger(h, stranger)).toBeNull();
    expect(await rejected(h, stranger)).toBe(strangers.length);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect([sub.refundReservedFen, sub.refundedFen]).toEqual([15, 0]);
  });

  it("our own refund notified with merchant ids that are not ours (another service provider, store or merchant) → 400, nothing changes, audited REJECTED", async () => {
    const h = harness();
    const { s, no, ours, otherStore } = await processing(h);
    const tampered: [string, RefundPlain][] = [
      ["another service provider", { ...ours.spTable, sp_mchid: OTHER_SP }],
      ["another store", { ...ours.spTable, sub_mchid: otherStore }],
      ["mchid of another merchant", { ...ours.spExample, mchid: OTHER_SP }],
      ["union: mchid contradicts", { ...ours.union, mchid: OTHER_SP }],
      ["union: sp_mchid contradicts", { ...ours.union, sp_mchid: OTHER_SP }],
    ];
    for (const [name, plain] of tampered) {
      expect((await deliverRefund(h, refundNotificationBody(plain))).status, name).toBe(400);
      expect((await ledger(h, no))!.status, name).toBe("PROCESSING");
    }
    expect(await rejected(h, no)).toBe(tampered.length);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect([sub.refundReservedFen, sub.refundedFen]).toEqual([15, 0]);
    // the genuine message still applies
    expect((await deliverRefund(h, refundNotificationBody(ours.spExample))).status).toBe(204);
    expect((await ledger(h, no))!.status).toBe("SUCCESS");
  });
}
