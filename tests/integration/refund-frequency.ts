// WeChat refuses a second partial refund of one sub-order less than a minute after the previous one (§14.1.2,
// 429 FREQUENCY_LIMITED). Our own REFUND_MIN_INTERVAL_SECONDS usually keeps us from asking, but WeChat counts
// refunds we do not know of (staff refunding in the merchant platform) and uses its own clock. Either way the
// refund must stay PENDING with its amount held and a clear "retry later" message, and go out again, under the
// same number, once the minute is over — never FAILED. Shared by the SQLite and PostgreSQL suites; the harness's
// fake applies WeChat's 60 s.
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { adminHeaders, fakeRefundCalls, paidOrder, refund } from "./refund-helpers";

type RefundJson = {
  refund: { refundNo: string; status: string; advice: string | null; problem?: { code: string; class: string; advice: string } };
};

export function refundFrequencyTests(harness: () => Harness) {
  const ledger = (h: Harness, no: string) => h.prisma.refund.findUniqueOrThrow({ where: { refundNo: no } });
  const reserved = async (h: Harness, outTradeNo: string) =>
    (await h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo } })).refundReservedFen;
  const atWechat = async (h: Harness, no: string) =>
    (await h.control<{ out_refund_no: string; status: string }[]>("/refunds")).filter((r) => r.out_refund_no === no);

  /** The refund was refused for now: PENDING, amount held, a retry-later problem naming the minute; nothing at WeChat. */
  async function expectRefusedForNow(h: Harness, r: RefundJson["refund"], outTradeNo: string, heldFen: number) {
    expect(r.status).toBe("PENDING");
    expect(r.problem).toMatchObject({ code: "FREQUENCY_LIMITED", class: "retry_later" });
    expect(r.problem!.advice).toMatch(/1 分钟/);
    expect(r.problem!.advice).toMatch(/同一退款单号/);
    expect(r.advice).toBe(r.problem!.advice); // what the back office shows on the refund
    expect(await ledger(h, r.refundNo)).toMatchObject({ status: "PENDING", lastErrorCode: "FREQUENCY_LIMITED" });
    expect(await reserved(h, outTradeNo)).toBe(heldFen);
    expect(await atWechat(h, r.refundNo)).toEqual([]);
  }

  it("a refund right after one made by staff in WeChat's merchant platform: FREQUENCY_LIMITED → PENDING (retry later), amount held; a minute later 重试 sends the same number and WeChat accepts it", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[0]!;
    // Staff refund 1.00 in the merchant platform: WeChat has it, our ledger does not (yet).
    const { wechatpay } = await import("@/lib/wechatpay-server");
    await wechatpay().createRefund({
      sub_mchid: s.subMchid!,
      out_trade_no: s.outTradeNo,
      out_refund_no: `STAFF${Date.now()}`,
      amount: { refund: 100, total: s.amountFen, currency: "CNY" },
    });
    const before = (await fakeRefundCalls(h)).length;

    const res = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 200 });
    expect(res.status).toBe(201);
    const r = ((await res.json()) as RefundJson).refund;
    await expectRefusedForNow(h, r, s.outTradeNo, 200);
    expect((await fakeRefundCalls(h)).slice(before).every((c) => c.status === 429)).toBe(true);

    // Still within WeChat's minute: 重试 is refused the same way and changes nothing.
    const early = await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) });
    expect(early.status).toBe(200);
    await expectRefusedForNow(h, ((await early.json()) as RefundJson).refund, s.outTradeNo, 200);

    await h.control("/clock", { advanceSeconds: 61 });
    const retried = await h.call("POST", `/api/admin/refunds/${r.refundNo}/query`, { headers: adminHeaders(h) });
    expect(((await retried.json()) as RefundJson).refund).toMatchObject({ refundNo: r.refundNo, status: "PROCESSING", advice: null });
    expect(await atWechat(h, r.refundNo)).toEqual([expect.objectContaining({ status: "PROCESSING" })]);
    expect(await ledger(h, r.refundNo)).toMatchObject({ status: "PROCESSING", lastErrorCode: null });
    expect(await reserved(h, s.outTradeNo)).toBe(200);
  });

  it("two refunds of ours inside WeChat's minute (our clock or setting disagrees with WeChat's): the second waits PENDING, and refunds:sync re-sends it once the minute is over", async () => {
    const h = harness();
    const { orderNo, subs } = await paidOrder(h);
    const s = subs[1]!;
    const first = await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 50 });
    expect(((await first.json()) as RefundJson).refund.status).toBe("PROCESSING");
    // Our own minute is over (as if REFUND_MIN_INTERVAL_SECONDS were shorter, or our clock ahead); WeChat's is not.
    await h.prisma.subOrder.update({ where: { outTradeNo: s.outTradeNo }, data: { lastRefundAt: new Date(Date.now() - 120_000) } });
    const second = ((await (await refund(h, orderNo, { outTradeNo: s.outTradeNo, amountFen: 60 })).json()) as RefundJson).refund;
    await expectRefusedForNow(h, second, s.outTradeNo, 110);

    await h.control("/clock", { advanceSeconds: 61 });
    const { syncProcessingRefunds } = await import("@/lib/refunds/sync");
    await syncProcessingRefunds({ now: new Date(Date.now() + 120_000) });
    expect(await ledger(h, second.refundNo)).toMatchObject({ status: "PROCESSING", lastErrorCode: null });
    expect(await atWechat(h, second.refundNo)).toHaveLength(1);
    expect(await reserved(h, s.outTradeNo)).toBe(110);
  });
}
