import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BillParseError, parseTradeBill } from "@/lib/bills/parse";
import { SUMMARY_FORMS } from "../../fake-wechatpay/bills";

const fixture = (name: string) => fs.readFileSync(path.resolve("tests/fixtures/bills", name));

const ALL_HEADER =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注".split(
    ",",
  );
const SUCCESS_HEADER =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注".split(
    ",",
  );

describe("parseTradeBill: fixtures", () => {
  it("ALL bill with BOM and CRLF (the SDK fixture's form)", () => {
    const raw = fixture("all-bom-crlf.csv");
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(raw.includes("\r\n")).toBe(true);
    const bill = parseTradeBill(raw);
    expect(bill.kind).toBe("ALL");
    expect(bill.header).toEqual(ALL_HEADER);
    expect(bill.header).toHaveLength(27);
    expect(bill.rows).toHaveLength(4);
    const [a, b, refund, big] = bill.rows;
    expect(a).toMatchObject({
      lineNo: 2,
      tradeTime: "2026-11-26 10:15:01",
      appid: "wxd930ea5d5a258f4f",
      mchid: "1900000109",
      subMchid: "1900000201",
      deviceInfo: "", // a lone backtick
      transactionId: "4200001234202611260000000001",
      outTradeNo: "S20261126A1",
      tradeType: "MWEB",
      tradeState: "SUCCESS",
      currency: "CNY",
      settlementAmountFen: 1,
      couponAmountFen: 0,
      refundId: "0",
      refundType: "",
      description: "咖啡豆, 250g", // a comma inside a field survives (",`" is the separator)
      attach: "store-a",
      feeMilliFen: 0,
      feeRate: "0.60%",
      orderAmountFen: 1,
      requestedRefundAmountFen: 0,
      feeRemark: "",
    });
    expect(b).toMatchObject({ orderAmountFen: 1230, settlementAmountFen: 1230, feeMilliFen: 7000, tradeTime: "2026-11-26 11:02:45" });
    expect(refund).toMatchObject({
      tradeState: "REFUND",
      refundId: "50300001012026112600000000001",
      refundAmountFen: 1230,
      feeMilliFen: -7000,
      refundStatus: "SUCCESS",
    });
    expect(big).toMatchObject({ orderAmountFen: 9_999_999, feeMilliFen: 1000 });
    // no field keeps a backtick or a CR
    for (const r of bill.rows) for (const v of Object.values(r)) if (typeof v === "string") expect(v).not.toMatch(/[`\r]/);
    expect(bill.summary).toEqual({
      tradeCount: 4,
      settlementFen: 10_001_230,
      refundFen: 1230,
      rechargeRefundFen: 0,
      feeMilliFen: 1000,
      orderFen: 10_001_230,
      requestedRefundFen: 1230,
      extra: {},
    });
  });

  it("SUCCESS bill, no BOM, LF; 0.01 / 12.30 / 99999.99 exactly", () => {
    const bill = parseTradeBill(fixture("success-lf.csv").toString("utf8"));
    expect(bill.kind).toBe("SUCCESS");
    expect(bill.header).toEqual(SUCCESS_HEADER);
    expect(bill.rows.map((r) => r.orderAmountFen)).toEqual([1, 1230, 9_999_999]);
    expect(bill.rows.map((r) => r.settlementAmountFen)).toEqual([1, 1230, 9_998_999]);
    expect(bill.rows[2]!.couponAmountFen).toBe(1000);
    expect(bill.rows[2]!.feeMilliFen).toBe(59_994_000);
    expect(bill.rows[0]!.subMchid).toBe("0"); // direct mode
    expect(bill.rows[0]).not.toHaveProperty("refundId"); // not in this column set
    expect(bill.summary).toEqual({ tradeCount: 3, settlementFen: 10_000_230, feeMilliFen: 60_001_000, orderFen: 10_001_230, extra: {} });
  });

  it("REFUND bill (29 columns, 退款申请时间/退款成功时间 kept in extra)", () => {
    const bill = parseTradeBill(fixture("refund.csv"));
    expect(bill.kind).toBe("REFUND");
    expect(bill.header).toHaveLength(29);
    expect(bill.header.slice(12, 16)).toEqual(["应结订单金额", "代金券金额", "退款申请时间", "退款成功时间"]);
    expect(bill.rows[0]).toMatchObject({ refundAmountFen: 1230, requestedRefundAmountFen: 1230, outRefundNo: "R20261126B1" });
    expect(bill.rows[0]!.extra).toEqual({ 退款申请时间: "2026-11-26 15:40:00", 退款成功时间: "2026-11-26 15:40:05" });
    expect(bill.summary).toMatchObject({ tradeCount: 1, refundFen: 1230, feeMilliFen: -7000, settlementFen: 0 });
  });

  it("the older header set (子商户号, 总金额, 企业红包金额; summary 总交易额, 总退款金额) maps onto the same fields", () => {
    const bill = parseTradeBill(fixture("old-format.csv"));
    expect(bill.kind).toBe("ALL");
    expect(bill.header).toHaveLength(24);
    const [e1, e2, refund] = bill.rows;
    expect(e1).toMatchObject({
      outTradeNo: "S20261126E1",
      subMchid: "1900000204",
      orderAmountFen: 1230,
      couponAmountFen: 0,
      description: "茶叶, 50g",
      feeMilliFen: 7000,
      feeRate: "0.60%",
    });
    expect(e1!.settlementAmountFen).toBeUndefined(); // not in this column set
    expect(e2).toMatchObject({ orderAmountFen: 100, subMchid: "1900000204" });
    expect(refund).toMatchObject({
      tradeState: "REFUND",
      refundId: "50300004012026112600000000031",
      outRefundNo: "R20261126E1",
      refundAmountFen: 500,
      rechargeRefundAmountFen: 0,
      orderAmountFen: 0,
      feeMilliFen: -3000,
    });
    for (const r of bill.rows) expect(r.extra).toEqual({});
    expect(bill.summary).toEqual({ tradeCount: 3, orderFen: 1330, refundFen: 500, rechargeRefundFen: 0, feeMilliFen: 5000, extra: {} });
  });

  it("the older set's other spelling (代金券或立减优惠…), columns shuffled, an unknown column kept", () => {
    const bill = parseTradeBill(fixture("reordered-old-merchant.csv"));
    const r = bill.rows[0]!;
    expect(r).toMatchObject({
      outTradeNo: "S20261126D1",
      tradeState: "SUCCESS",
      orderAmountFen: 1230,
      couponAmountFen: 0,
      rechargeRefundAmountFen: 0,
      transactionId: "4200001234202611260000000021",
      subMchid: "1900000203",
    });
    expect(r.settlementAmountFen).toBeUndefined();
    expect(r.extra).toEqual({ 新增列: "x" });
    expect(bill.summary).toEqual({ tradeCount: 1, orderFen: 1230, refundFen: 0, feeMilliFen: 7000, rechargeRefundFen: 0, extra: {} });
  });

  it("a header naming one field twice (a new and an old name together) is refused", () => {
    const text = [
      "交易时间,微信订单号,商户订单号,交易状态,订单金额,总金额",
      "`2026-11-26 12:00:00,`4200001234202611260000000021,`S1,`SUCCESS,`1.00,`1.00",
      "总交易单数,订单总金额",
      "`1,`1.00",
    ].join("\n");
    expect(() => parseTradeBill(text)).toThrow(/总金额.*订单金额|订单金额.*总金额/);
  });

  it("the summary forms of the official SDK's sample bill: count 3.0, a zero amount 0.0, the fee total with 2 decimals", () => {
    const bill = parseTradeBill(fixture("all-count-decimal.csv"));
    expect(bill.rows.map((r) => r.refundId)).toEqual(["0", "0", "50300004012026112600000000041"]);
    expect(bill.summary).toEqual({
      tradeCount: 3,
      settlementFen: 130,
      refundFen: 30,
      rechargeRefundFen: 0,
      feeMilliFen: 1000,
      orderFen: 130,
      requestedRefundFen: 30,
      extra: {},
    });
  });
});

describe("parseTradeBill: line endings and BOM variants give the same result", () => {
  const lf = fixture("success-lf.csv").toString("utf8");
  const variants = {
    lf,
    crlf: lf.replace(/\n/g, "\r\n"),
    "bom+lf": "\uFEFF" + lf,
    "bom+crlf": "\uFEFF" + lf.replace(/\n/g, "\r\n"),
    "no final newline": lf.trimEnd(),
    "extra blank lines at the end": lf + "\r\n\r\n",
  };
  const expected = parseTradeBill(lf);
  for (const [name, text] of Object.entries(variants)) {
    it(name, () => expect(parseTradeBill(Buffer.from(text, "utf8"))).toEqual(expected));
  }
});

describe("parseTradeBill: edge cases", () => {
  const H = "交易时间,微信订单号,商户订单号,交易状态,订单金额,手续费";
  const S = "总交易单数,订单总金额,手续费总金额";
  const bill = (...rows: string[]) => [H, ...rows, S, "`" + rows.length + ",`0.00,`0.00000"].join("\n");

  it("a bill with no detail rows (header + summary only)", () => {
    const b = parseTradeBill(`${H}\n${S}\n\`0,\`0.00,\`0.00000\n`);
    expect(b.rows).toEqual([]);
    expect(b.summary).toEqual({ tradeCount: 0, orderFen: 0, feeMilliFen: 0, extra: {} });
  });

  it("an empty amount field (lone backtick) is absent, not zero", () => {
    const b = parseTradeBill(bill("`2026-11-26 10:00:00,`42000001,`S1,`SUCCESS,`,`"));
    expect(b.rows[0]!.orderAmountFen).toBeUndefined();
    expect(b.rows[0]!.feeMilliFen).toBeUndefined();
  });

  it.each([
    ["1.001", "more than 2"],
    ["12,30", "not a plain decimal"], // ",`" is the separator, so the comma stays inside the field
    ["1e2", "not a plain decimal"],
    ["-", "not a plain decimal"],
    ["abc", "not a plain decimal"],
  ])("rejects the malformed amount %j", (amount, message) => {
    expect(() => parseTradeBill(bill(`\`2026-11-26 10:00:00,\`42000001,\`S1,\`SUCCESS,\`${amount},\`0.00000`))).toThrow(message);
  });

  it("rejects a malformed fee and names the line and column", () => {
    expect(() => parseTradeBill(bill("`2026-11-26 10:00:00,`42000001,`S1,`SUCCESS,`1.00,`0.000001"))).toThrow(/line 2: column 手续费/);
  });

  it("rejects a malformed summary value", () => {
    expect(() => parseTradeBill(`${H}\n${S}\n\`1.5,\`0.00,\`0.00000`)).toThrow(BillParseError);
    expect(() => parseTradeBill(`${H}\n${S}\n\`0,\`0.0x,\`0.00000`)).toThrow(/column 订单总金额/);
  });

  it("rejects data lines without the backtick prefix, wrong widths, missing key columns, missing summary", () => {
    expect(() => parseTradeBill(bill("2026-11-26 10:00:00,42000001,S1,SUCCESS,1.00,0.00000"))).toThrow(/backtick/);
    expect(() => parseTradeBill(bill("`2026-11-26 10:00:00,`42000001,`S1,`SUCCESS,`1.00"))).toThrow(/expected 6 fields, found 5/);
    expect(() => parseTradeBill("交易时间,商户订单号,交易状态\n" + S + "\n`0,`0.00,`0.00000")).toThrow(/微信订单号/);
    expect(() => parseTradeBill(`${H}\n\`2026-11-26 10:00:00,\`42000001,\`S1,\`SUCCESS,\`1.00,\`0.00000\n`)).toThrow(BillParseError);
    expect(() => parseTradeBill(`${H}\n${H}\n\`0,\`0,\`0,\`0,\`0,\`0`)).toThrow(/总交易单数/);
    expect(() => parseTradeBill("")).toThrow(BillParseError);
    expect(() => parseTradeBill(bill("`2026-11-26 10:00:00,`42000001,`,`SUCCESS,`1.00,`0.00000"))).toThrow(/商户订单号 is empty/);
  });

  it("rejects duplicate header names (mapping by name would be ambiguous)", () => {
    expect(() => parseTradeBill(`交易时间,微信订单号,商户订单号,交易状态,订单金额,订单金额\n${S}\n\`0,\`0.00,\`0.00000`)).toThrow(
      /duplicate column 订单金额/,
    );
  });
});

describe("parseTradeBill: summary numbers in every exact form real bills use", () => {
  const base = fixture("success-lf.csv").toString("utf8").trimEnd().split("\n");
  const withSummary = (values: string[]) => [...base.slice(0, -1), values.map((v) => `\`${v}`).join(",")].join("\n") + "\n";
  const expected = { tradeCount: 3, settlementFen: 10000230, feeMilliFen: 60001000, orderFen: 10001230 };

  it.each(SUMMARY_FORMS.map((f) => [f.name, f] as const))('the fake\'s form "%s" parses to the same numbers', (_name, f) => {
    const bill = parseTradeBill(withSummary([f.count(3), f.amount(10000230), f.fee(60001), f.amount(10001230)]));
    expect(bill.summary).toMatchObject(expected);
  });

  it("count 45.0, amounts 1.5 and 1.50000 are exact; a count of 45.5 or an amount of 1.505 is refused", () => {
    expect(parseTradeBill(withSummary(["3.0", "100002.3", "600.01", "100012.30000"])).summary).toMatchObject(expected);
    expect(() => parseTradeBill(withSummary(["3.5", "100002.30", "600.01000", "100012.30"]))).toThrow(BillParseError);
    expect(() => parseTradeBill(withSummary(["3", "100002.305", "600.01000", "100012.30"]))).toThrow(BillParseError);
  });
});
