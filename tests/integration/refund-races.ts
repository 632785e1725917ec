// The refund exactly-once races, shared by the SQLite suite (refunds.test.ts) and the PostgreSQL suite
// (postgres/refunds.test.ts): same route handlers, same assertions, different database.
import { expect, it } from "vitest";
import { eventually, type Harness } from "./harness";
import {
  adminHeaders,
  deliverRefund,
  fakeAbnormalCalls,
  fakeRefundCalls,
  paidOrder,
  refund,
  refundNotificationBody,
  refundPlain,
} from "./refund-helpers";
import { signedHeaders } from "../support/notification-signer";

export function refundRaceTests(harness: () => Harness) {
  it("20 concurrent full refunds of one sub-order (distinct keys): exactly one reaches WeChat, the ledger never exceeds what was paid", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const before = (await fakeRefundCalls(h)).length;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: s.amountFen })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 409)).toHaveLength(19);
    for (const r of replies.filter((x) => x.status === 409))
      expect(((await r.json()) as { code: string }).code).toBe("REFUND_EXCEEDS_REMAINING");
    expect((await fakeRefundCalls(h)).length - before).toBe(1);
    const row = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect(row.refundReservedFen).toBe(s.amountFen);
    const live = await h.prisma.refund.findMany({ where: { outTradeNo: s.outTradeNo } });
    expect(live).toHaveLength(1);
    expect(live.reduce((sum, r) => sum + r.amountFen, 0)).toBeLessThanOrEqual(s.amountFen);
  }, 60_000);

  it("50 concurrent deliveries of the same REFUND.SUCCESS: one transition, all audited", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    const created = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 100 });
    expect(created.status).toBe(201);
    const { refund: r } = (await created.json()) as { refund: { refundNo: string; status: string } };
    expect(r.status).toBe("PROCESSING");
    const body = refundNotificationBody(refundPlain(s, { out_refund_no: r.refundNo, amount: { total: s.amountFen, refund: 100 } }));
    const headers = signedHeaders(body);
    const replies = await Promise.all(Array.from({ length: 50 }, () => deliverRefund(h, body, headers)));
    expect(replies.map((x) => x.status)).toEqual(Array(50).fill(204));
    const events = await h.prisma.paymentEvent.findMany({ where: { refundNo: r.refundNo, source: "REFUND_NOTIFY" } });
    expect(events).toHaveLength(50);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(49);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect(sub.refundedFen).toBe(100);
    expect((await h.prisma.refund.findUniqueOrThrow({ where: { refundNo: r.refundNo } })).status).toBe("SUCCESS");
  }, 60_000);

  it("20 concurrent deliveries of REFUND.SUCCESS for a FAILED refund WeChat holds: one move out of FAILED, the amount reserved once", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    const created = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 80 });
    const { refund: r } = (await created.json()) as { refund: { refundNo: string } };
    // FAILED with its amount given back, as a refusal after a lost answer once left it
    await h.prisma.$transaction([
      h.prisma.refund.update({ where: { refundNo: r.refundNo }, data: { status: "FAILED" } }),
      h.prisma.subOrder.update({ where: { outTradeNo: s.outTradeNo }, data: { refundReservedFen: 0, refundCount: 0 } }),
    ]);
    const body = refundNotificationBody(refundPlain(s, { out_refund_no: r.refundNo, amount: { total: s.amountFen, refund: 80 } }));
    const headers = signedHeaders(body);
    const replies = await Promise.all(Array.from({ length: 20 }, () => deliverRefund(h, body, headers)));
    expect(replies.map((x) => x.status)).toEqual(Array(20).fill(204));
    const events = await h.prisma.paymentEvent.findMany({ where: { refundNo: r.refundNo, source: "REFUND_NOTIFY" } });
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    const sub = await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: s.outTradeNo } });
    expect([sub.refundReservedFen, sub.refundedFen, sub.refundCount]).toEqual([80, 80, 1]);
    expect((await h.prisma.refund.findUniqueOrThrow({ where: { refundNo: r.refundNo } })).status).toBe("SUCCESS");
  }, 60_000);

  it("10 concurrent 退至商户银行卡 of one ABNORMAL refund: one call to WeChat, nine 409s", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[2]!;
    const created = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 30 });
    const { refund: r } = (await created.json()) as { refund: { refundNo: string } };
    await h.control(`/refunds/${r.refundNo}/result`, { status: "abnormal" });
    await eventually(async () => (await h.prisma.refund.findUniqueOrThrow({ where: { refundNo: r.refundNo } })).status === "ABNORMAL");
    const before = (await fakeAbnormalCalls(h)).length;
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => h.call("POST", `/api/admin/refunds/${r.refundNo}/abnormal`, { headers: adminHeaders(h) })),
    );
    expect(replies.map((x) => x.status).sort()).toEqual([200, ...Array(9).fill(409)]);
    expect((await fakeAbnormalCalls(h)).length - before).toBe(1);
    expect(await h.prisma.paymentEvent.count({ where: { refundNo: r.refundNo, source: "REFUND_ABNORMAL" } })).toBe(1);
  }, 60_000);
}
