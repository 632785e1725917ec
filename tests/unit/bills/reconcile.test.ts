import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseTradeBill } from "@/lib/bills/parse";
import { beijingDateOf, beijingDayRange } from "@/lib/time/beijing";
import { reconcile, type BillLine, type LocalRefund, type LocalSubOrder } from "@/lib/bills/reconcile";
import { reportToCsv } from "@/lib/bills/report-csv";

const DATE = "2026-11-26";
const at = (hhmmss: string, date = DATE) => new Date(`${date}T${hhmmss}+08:00`);

let seq = 0;
function local(outTradeNo: string, amountFen: number, over: Partial<LocalSubOrder> = {}): LocalSubOrder {
  seq += 1;
  return {
    outTradeNo,
    orderNo: `C${outTradeNo}`,
    storeName: "店铺",
    amountFen,
    tradeState: "SUCCESS",
    transactionId: `42000${outTradeNo}`,
    successTime: at("10:00:00"),
    ...over,
  };
}
function row(s: LocalSubOrder, over: Partial<BillLine> = {}): BillLine {
  seq += 1;
  return {
    lineNo: seq,
    tradeTime: `${DATE} 10:00:00`,
    outTradeNo: s.outTradeNo,
    transactionId: s.transactionId ?? "",
    tradeState: "SUCCESS",
    refundId: "0",
    orderAmountFen: s.amountFen,
    settlementAmountFen: s.amountFen,
    couponAmountFen: 0,
    refundAmountFen: 0,
    feeMilliFen: 0,
    ...over,
  };
}
/** A summary that agrees with the given detail rows. */
function summaryOf(rows: BillLine[]) {
  const s = (f: (r: BillLine) => number | null | undefined) => rows.reduce((a, r) => a + (f(r) ?? 0), 0);
  return {
    tradeCount: rows.length,
    settlementFen: s((r) => r.settlementAmountFen),
    refundFen: s((r) => r.refundAmountFen),
    feeMilliFen: s((r) => r.feeMilliFen),
    orderFen: s((r) => r.orderAmountFen),
  };
}
const run = (rows: BillLine[], locals: LocalSubOrder[], summary = summaryOf(rows)) =>
  reconcile({ billDate: DATE, rows, summary, local: locals });

describe("reconcile", () => {
  it("all matched: ok, every total check passes", () => {
    const a = local("A1", 1),
      b = local("B1", 1230),
      c = local("A2", 9_999_999);
    const r = run([row(a), row(b), row(c)], [a, b, c]);
    expect(r.ok).toBe(true);
    expect(r.counts.MATCHED).toBe(3);
    expect(r.lines.every((l) => l.kind === "MATCHED")).toBe(true);
    expect(r.totals.every((t) => t.ok)).toBe(true);
    expect(r.totals.map((t) => t.label)).toContain("订单总金额 = 本地当日已支付金额");
    expect(r.localPaidFen).toBe(10_001_230);
  });

  it("in the bill but not paid locally (unknown, or NOTPAY/CLOSED here)", () => {
    const paid = local("P1", 100),
      notpay = local("N1", 200, { tradeState: "NOTPAY", successTime: null, transactionId: null });
    const ghost = local("G1", 300);
    const rows = [row(paid), row(notpay, { transactionId: "4200N1" }), row(ghost)];
    const r = run(rows, [paid, notpay]);
    expect(r.ok).toBe(false);
    expect(r.counts.NOT_PAID_LOCALLY).toBe(2);
    const n = r.lines.find((l) => l.outTradeNo === "N1")!;
    expect(n).toMatchObject({ kind: "NOT_PAID_LOCALLY", localState: "NOTPAY", billState: "SUCCESS", billAmountFen: 200, orderNo: "CN1" });
    expect(r.lines.find((l) => l.outTradeNo === "G1")).toMatchObject({
      kind: "NOT_PAID_LOCALLY",
      orderNo: null,
      note: expect.stringContaining("本地无此子单"),
    });
  });

  it("paid locally on that Beijing date but missing from the bill; other days are not expected", () => {
    const a = local("A1", 100),
      missing = local("M1", 500, { successTime: at("23:59:59") });
    const yesterday = local("Y1", 700, { successTime: at("23:59:59", "2026-11-25") });
    const tomorrow = local("T1", 700, { successTime: at("00:00:00", "2026-11-27") });
    const r = run([row(a)], [a, missing, yesterday, tomorrow]);
    expect(r.counts.MISSING_FROM_BILL).toBe(1);
    expect(r.lines[0]).toMatchObject({ kind: "MISSING_FROM_BILL", outTradeNo: "M1", localAmountFen: 500, billLineNo: null });
    expect(r.localPaidCount).toBe(2);
    const local$ = r.totals.find((t) => t.label.startsWith("订单总金额 = 本地"))!;
    expect(local$).toMatchObject({ expected: 100, actual: 600, ok: false });
  });

  it("amount differs", () => {
    const a = local("A1", 1230);
    const r = run([row(a, { orderAmountFen: 1231, settlementAmountFen: 1231 })], [a]);
    expect(r.lines).toEqual([expect.objectContaining({ kind: "AMOUNT_DIFFERS", billAmountFen: 1231, localAmountFen: 1230 })]);
    expect(r.ok).toBe(false);
  });

  it("amount falls back to 应结订单金额 + 代金券金额 for old merchants without 订单金额", () => {
    const a = local("A1", 1230);
    const r = run([row(a, { orderAmountFen: undefined, settlementAmountFen: 1030, couponAmountFen: 200 })], [a]);
    expect(r.counts.MATCHED).toBe(1);
  });

  it("status differs (bill REVOKED / REFUND without refund id, our SUCCESS)", () => {
    const a = local("A1", 100),
      b = local("B1", 200);
    const r = run([row(a, { tradeState: "REVOKED" }), row(b, { tradeState: "REFUND" })], [a, b]);
    expect(r.counts.STATUS_DIFFERS).toBe(2);
    expect(r.lines[0]).toMatchObject({ kind: "STATUS_DIFFERS", billState: "REVOKED", localState: "SUCCESS" });
  });

  it("a sub-order whose amount and status both differ is reported twice", () => {
    const a = local("A1", 100);
    const r = run([row(a, { tradeState: "REVOKED", orderAmountFen: 99 })], [a]);
    expect(r.lines.map((l) => l.kind)).toEqual(["AMOUNT_DIFFERS", "STATUS_DIFFERS"]);
  });

  it("status differs for a non-SUCCESS row of an order we never saw paid", () => {
    const n = local("N1", 100, { tradeState: "CLOSED", successTime: null });
    const r = run([row(n, { tradeState: "REVOKED" })], [n]);
    expect(r.lines[0]).toMatchObject({ kind: "STATUS_DIFFERS", localState: "CLOSED" });
  });

  describe("refund lines (docs/wechatpay.md §14.7): matched by (特约商户号, 商户退款单号) against the ledger", () => {
    const SUB = "1900000201";
    const refundRow = (s: LocalSubOrder, outRefundNo: string, fen: number, over: Partial<BillLine> = {}) =>
      row(s, {
        tradeState: "REFUND",
        subMchid: SUB,
        refundId: `503${outRefundNo}`,
        outRefundNo,
        refundStatus: "PROCESSING",
        orderAmountFen: 0,
        settlementAmountFen: 0,
        refundAmountFen: fen,
        requestedRefundAmountFen: fen,
        feeMilliFen: -Math.round(fen * 6),
        ...over,
      });
    const ledger = (s: LocalSubOrder, refundNo: string, amountFen: number, over: Partial<LocalRefund> = {}): LocalRefund => ({
      refundNo,
      outTradeNo: s.outTradeNo,
      orderNo: s.orderNo,
      subMchid: SUB,
      storeName: "店铺",
      amountFen,
      status: "SUCCESS",
      origin: "APP",
      acceptedAt: at("11:00:00"),
      ...over,
    });

    it("a bill with payments and refunds (an external refund, an unknown one, an amount difference, one missing)", () => {
      const a = local("A1", 1000),
        b = local("B1", 500),
        c = local("C1", 300);
      const rows = [
        row(a, { subMchid: SUB, feeMilliFen: 6000 }),
        row(b, { subMchid: SUB, feeMilliFen: 3000 }),
        row(c, { subMchid: "1900000202", feeMilliFen: 2000 }),
        // ours, matched; the bill's snapshot says PROCESSING while our ledger says SUCCESS: not a difference
        refundRow(a, "RA1", 400),
        // staff refunded in the merchant platform; we learned it from its REFUND.* notification (EXTERNAL)
        refundRow(b, "MP0001", 100, { refundStatus: "SUCCESS" }),
        // amount differs: the bill says 60, our ledger 50
        refundRow(a, "RA2", 60),
        // never heard of
        refundRow(b, "MP9999", 20),
      ];
      const refunds = [
        ledger(a, "RA1", 400),
        ledger(b, "MP0001", 100, { origin: "EXTERNAL" }),
        ledger(a, "RA2", 50, { status: "PROCESSING" }),
        // accepted that day but not in the bill
        ledger(c, "RC1", 30, { subMchid: "1900000202" }),
        // refused / closed ones are not expected in the bill
        ledger(c, "RC2", 30, { subMchid: "1900000202", status: "FAILED" }),
        ledger(c, "RC3", 30, { subMchid: "1900000202", status: "CLOSED" }),
      ];
      const r = reconcile({
        billDate: DATE,
        rows,
        summary: { ...summaryOf(rows), requestedRefundFen: 580 },
        local: [a, b, c],
        localRefunds: refunds,
      });
      expect(r.ok).toBe(false);
      expect(r.counts).toMatchObject({
        MATCHED: 5,
        REFUND_UNKNOWN: 1,
        REFUND_AMOUNT_DIFFERS: 1,
        REFUND_MISSING_FROM_BILL: 1,
        STATUS_DIFFERS: 0,
      });
      expect(r.lines.find((l) => l.kind === "REFUND_UNKNOWN")).toMatchObject({ refundNo: "MP9999", outTradeNo: "B1", billAmountFen: 20 });
      expect(r.lines.find((l) => l.kind === "REFUND_AMOUNT_DIFFERS")).toMatchObject({
        refundNo: "RA2",
        billAmountFen: 60,
        localAmountFen: 50,
      });
      expect(r.lines.find((l) => l.kind === "REFUND_MISSING_FROM_BILL")).toMatchObject({
        refundNo: "RC1",
        outTradeNo: "C1",
        localAmountFen: 30,
      });
      expect(r.lines.find((l) => l.refundNo === "MP0001")).toMatchObject({ kind: "MATCHED", note: expect.stringContaining("商户平台") });
      // refund rows are not payments: the payment counts exclude them
      expect(r.totals.find((t) => t.label.startsWith("总交易单数（支付记录）"))).toMatchObject({ expected: 3, actual: 3, ok: true });
      // the bill's 申请退款总金额 against what our ledger accepted that day (400 + 100 + 50 + 30)
      expect(r.totals.find((t) => t.label.startsWith("申请退款总金额 = 本地"))).toMatchObject({ expected: 580, actual: 580, ok: true });
      // per store: payments, refunds, net, net fee (refund rows carry negative fees)
      expect(r.stores).toEqual([
        {
          subMchid: SUB,
          storeName: "店铺",
          paymentCount: 2,
          paymentFen: 1500,
          refundCount: 4,
          refundFen: 580,
          netFen: 920,
          netFeeMilliFen: 9000 - 2400 - 600 - 360 - 120,
        },
        {
          subMchid: "1900000202",
          storeName: "店铺",
          paymentCount: 1,
          paymentFen: 300,
          refundCount: 0,
          refundFen: 0,
          netFen: 300,
          netFeeMilliFen: 2000,
        },
      ]);
    });

    it("the same 商户退款单号 under another 特约商户号 is not ours", () => {
      const a = local("A1", 1000);
      const r = reconcile({
        billDate: DATE,
        rows: [row(a, { subMchid: SUB }), refundRow(a, "RA1", 400, { subMchid: "1900000299" })],
        summary: { tradeCount: 2 },
        local: [a],
        localRefunds: [ledger(a, "RA1", 400)],
      });
      expect(r.counts).toMatchObject({ REFUND_UNKNOWN: 1, REFUND_MISSING_FROM_BILL: 1 });
    });

    it("a bill refund row for a refund we hold as FAILED, CLOSED (bill SUCCESS) or PENDING is a difference, whatever the amounts", () => {
      const a = local("A1", 1000);
      const rows = [
        row(a, { subMchid: SUB }),
        refundRow(a, "RF1", 100, { refundStatus: "SUCCESS" }), // FAILED here: WeChat holds it
        refundRow(a, "RF2", 100), // FAILED here, PROCESSING in the bill: accepted all the same
        refundRow(a, "RC1", 100, { refundStatus: "SUCCESS" }), // CLOSED here, SUCCESS there
        refundRow(a, "RC2", 100), // CLOSED here, PROCESSING when the bill was made: closed later, not a difference
        refundRow(a, "RP1", 100), // PENDING here: we never learned that WeChat accepted it
      ];
      const r = reconcile({
        billDate: DATE,
        rows,
        summary: { tradeCount: rows.length },
        local: [a],
        localRefunds: [
          ledger(a, "RF1", 100, { status: "FAILED" }),
          ledger(a, "RF2", 100, { status: "FAILED" }),
          ledger(a, "RC1", 100, { status: "CLOSED" }),
          ledger(a, "RC2", 100, { status: "CLOSED" }),
          ledger(a, "RP1", 100, { status: "PENDING" }),
        ],
      });
      expect(r.ok).toBe(false);
      expect(r.counts).toMatchObject({ MATCHED: 2, REFUND_STATUS_DIFFERS: 4 });
      expect(r.lines.filter((l) => l.kind === "REFUND_STATUS_DIFFERS").map((l) => [l.refundNo, l.billState, l.localState])).toEqual([
        ["RF1", "REFUND SUCCESS", "FAILED"],
        ["RF2", "REFUND PROCESSING", "FAILED"],
        ["RC1", "REFUND SUCCESS", "CLOSED"],
        ["RP1", "REFUND PROCESSING", "PENDING"],
      ]);
      expect(r.lines.find((l) => l.refundNo === "RF1")!.note).toContain("查询退款");
    });

    it("all refunds matched → ok", () => {
      const a = local("A1", 1000);
      const rows = [row(a, { subMchid: SUB }), refundRow(a, "RA1", 400)];
      const r = reconcile({
        billDate: DATE,
        rows,
        summary: { ...summaryOf(rows), requestedRefundFen: 400 },
        local: [a],
        localRefunds: [ledger(a, "RA1", 400)],
      });
      expect(r.counts).toMatchObject({ MATCHED: 2 });
      expect(r.ok).toBe(true);
    });
  });

  it("matches by transaction_id when the out_trade_no is not ours; flags a different transaction_id", () => {
    const a = local("A1", 100),
      b = local("B1", 200);
    const r = run([row(a, { outTradeNo: "XX" }), row(b, { transactionId: "4200OTHER" })], [a, b]);
    expect(r.lines.map((l) => [l.kind, l.outTradeNo])).toEqual([
      ["TRANSACTION_ID_DIFFERS", "B1"],
      ["MATCHED", "XX"],
    ]);
  });

  it("duplicate rows for one sub-order", () => {
    const a = local("A1", 100);
    const r = run([row(a), row(a)], [a]);
    expect(r.counts).toMatchObject({ MATCHED: 1, DUPLICATE_IN_BILL: 1 });
  });

  it("totals: a summary that disagrees with the details is reported, not hidden", () => {
    const a = local("A1", 100),
      b = local("B1", 200);
    const rows = [row(a, { feeMilliFen: 600 }), row(b, { feeMilliFen: 1200 })];
    const summary = { ...summaryOf(rows), tradeCount: 3, orderFen: 301, feeMilliFen: 1700, settlementFen: 300 };
    const r = run(rows, [a, b], summary);
    expect(r.counts.MATCHED).toBe(2);
    expect(r.ok).toBe(false);
    const bad = r.totals.filter((t) => !t.ok).map((t) => [t.label, t.expected, t.actual]);
    expect(bad).toEqual([
      ["总交易单数 = 明细行数", 3, 2],
      ["手续费总金额 = 明细合计", 1700, 1800],
      ["订单总金额 = 明细合计", 301, 300],
      ["总交易单数（支付记录）= 本地当日已支付子单数", 3, 2],
      ["订单总金额 = 本地当日已支付金额", 301, 300],
    ]);
  });

  it("an empty bill (NO_STATEMENT_EXIST day) with local payments: everything is missing from the bill", () => {
    const a = local("A1", 100);
    const r = run([], [a], { tradeCount: 0, settlementFen: 0, refundFen: 0, feeMilliFen: 0, orderFen: 0 });
    expect(r.lines.map((l) => l.kind)).toEqual(["MISSING_FROM_BILL"]);
    expect(r.ok).toBe(false);
  });

  it("works on a parsed fixture end to end, and the CSV is Excel-ready", () => {
    const bill = parseTradeBill(fs.readFileSync(path.resolve("tests/fixtures/bills/all-bom-crlf.csv")));
    const locals: LocalSubOrder[] = [
      local("S20261126A1", 1, { transactionId: "4200001234202611260000000001", successTime: at("10:15:01") }),
      local("S20261126B1", 1230, { transactionId: "4200001234202611260000000002", tradeState: "REFUND", successTime: at("11:02:45") }),
      local("S20261126A2", 9_999_999, { transactionId: "4200001234202611260000000003", successTime: at("23:59:59") }),
    ];
    const refunds: LocalRefund[] = [
      {
        refundNo: "R20261126B1",
        outTradeNo: "S20261126B1",
        orderNo: "CS20261126B1",
        subMchid: "1900000202",
        amountFen: 1230,
        status: "SUCCESS",
        origin: "APP",
        acceptedAt: at("15:40:00"),
      },
    ];
    const r = reconcile({ billDate: DATE, rows: bill.rows, summary: bill.summary, local: locals, localRefunds: refunds });
    expect(r.counts.MATCHED).toBe(4);
    expect(r.ok).toBe(true);

    const csv = reportToCsv(
      { ...r, lines: [...r.lines, { ...r.lines[0]!, kind: "AMOUNT_DIFFERS", note: '=HYPERLINK("x")', billAmountFen: -5 }] },
      "全部店铺",
    );
    expect(csv.startsWith("\uFEFF对账日期,2026-11-26,范围,全部店铺,结果,全部一致\r\n")).toBe(true);
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.split("\r\n")).toContain(
      "一致,S20261126A2,4200001234202611260000000003,CS20261126A2,店铺,5,2026-11-26 23:59:59,SUCCESS,SUCCESS,99999.99,99999.99,",
    );
    expect(csv).toContain(`,-0.05,0.01,"'=HYPERLINK(""x"")"\r\n`); // amounts as yuan; formula neutralised
    expect(csv).toContain("手续费总金额 = 明细合计,0.01000,0.01000,一致");
  });

  it("an old-format bill (总金额, 子商户号, 总交易额) reconciles like a new one: amounts compared, store totals per 子商户号", () => {
    const bill = parseTradeBill(fs.readFileSync(path.resolve("tests/fixtures/bills/old-format.csv")));
    const locals: LocalSubOrder[] = [
      local("S20261126E1", 1230, { transactionId: "4200001234202611260000000031", tradeState: "REFUND", successTime: at("09:12:00") }),
      local("S20261126E2", 100, { transactionId: "4200001234202611260000000032", successTime: at("10:40:31") }),
    ];
    const refunds: LocalRefund[] = [
      {
        refundNo: "R20261126E1",
        outTradeNo: "S20261126E1",
        orderNo: "CS20261126E1",
        subMchid: "1900000204",
        amountFen: 500,
        status: "SUCCESS",
        origin: "APP",
        acceptedAt: at("16:05:09"),
      },
    ];
    const r = reconcile({ billDate: DATE, rows: bill.rows, summary: bill.summary, local: locals, localRefunds: refunds });
    expect(r.lines.map((l) => [l.kind, l.outTradeNo, l.note])).toEqual([
      ["MATCHED", "S20261126E1", ""],
      ["MATCHED", "S20261126E2", ""],
      ["MATCHED", "S20261126E1", expect.stringContaining("退款")],
    ]);
    expect(r.totals.filter((t) => !t.ok)).toEqual([]);
    expect(r.totals.map((t) => t.label)).toEqual(expect.arrayContaining(["订单总金额 = 明细合计", "订单总金额 = 本地当日已支付金额"]));
    expect(r.ok).toBe(true);
    expect(r.stores).toEqual([
      expect.objectContaining({
        subMchid: "1900000204",
        paymentCount: 2,
        paymentFen: 1330,
        refundCount: 1,
        refundFen: 500,
        netFeeMilliFen: 5000,
      }),
    ]);
  });
});

describe("Beijing day", () => {
  it("range and date of an instant", () => {
    const { start, end } = beijingDayRange(DATE);
    expect(start.toISOString()).toBe("2026-11-25T16:00:00.000Z");
    expect(end.toISOString()).toBe("2026-11-26T16:00:00.000Z");
    expect(beijingDateOf(new Date("2026-11-25T16:00:00Z"))).toBe(DATE);
    expect(beijingDateOf(new Date("2026-11-25T15:59:59.999Z"))).toBe("2026-11-25");
    expect(() => beijingDayRange("2026-02-30")).toThrow(RangeError);
  });
});
