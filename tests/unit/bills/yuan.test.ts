import { describe, expect, it } from "vitest";
import { BillAmountError, milliFenToYuanString, parseCount, yuanToFen, yuanToMilliFen } from "@/lib/bills/yuan";

describe("yuanToFen (exact, no floats)", () => {
  it.each([
    ["0.01", 1],
    ["12.30", 1230],
    ["99999.99", 9_999_999],
    ["0.29", 29], // Number("0.29") * 100 = 28.999999999999996
    ["1.1", 110],
    ["7", 700],
    ["0.00", 0],
    ["-0.00", 0],
    ["-12.30", -1230],
    ["0.01000", 1], // fee column: 5 decimals with trailing zeros
    ["90071992547409.91", 9_007_199_254_740_991],
  ])("%s → %i fen", (text, fen) => {
    expect(Object.is(yuanToFen(text), fen)).toBe(true);
  });

  it.each([
    "",
    " 1.00",
    "1.00 ",
    "+1.00",
    "1,000.00",
    "1e3",
    ".5",
    "5.",
    "00.01",
    "0x10",
    "1.2.3",
    "NaN",
    "¥1.00",
    "0.001",
    "0.00600",
    "`1.00",
    "90071992547409.92",
  ])("rejects %j", (text) => {
    expect(() => yuanToFen(text)).toThrow(BillAmountError);
  });
});

describe("yuanToMilliFen (fee, 5 decimals)", () => {
  it.each([
    ["0.01000", 1000],
    ["0.00600", 600],
    ["599.94000", 59_994_000],
    ["-0.07000", -7000],
    ["0.1", 10_000],
  ])("%s → %i", (text, units) => expect(yuanToMilliFen(text)).toBe(units));

  it("rejects a sixth significant decimal", () => expect(() => yuanToMilliFen("0.000001")).toThrow(BillAmountError));

  it("formats back", () => {
    expect(milliFenToYuanString(1000)).toBe("0.01000");
    expect(milliFenToYuanString(-7000)).toBe("-0.07000");
    expect(milliFenToYuanString(60_001_000)).toBe("600.01000");
  });
});

describe("parseCount", () => {
  it("reads whole numbers only", () => {
    expect(parseCount("0")).toBe(0);
    expect(parseCount("42")).toBe(42);
    for (const bad of ["", "-1", "01", "x", "1.", ".0", "1e2"]) expect(() => parseCount(bad)).toThrow(BillAmountError);
  });

  it("accepts a count written as a decimal when it is exactly whole (real bills do this), refuses a fraction", () => {
    expect(parseCount("45.0")).toBe(45);
    expect(parseCount("45.000")).toBe(45);
    expect(parseCount("0.0")).toBe(0);
    expect(() => parseCount("45.5")).toThrow(/fraction/);
    expect(() => parseCount("45.01")).toThrow(BillAmountError);
  });

  it("amounts in every exact form: one decimal, two, five (trailing zeros), none", () => {
    expect(yuanToFen("1.5")).toBe(150);
    expect(yuanToFen("1.50000")).toBe(150);
    expect(yuanToFen("12")).toBe(1200);
    expect(yuanToMilliFen("0.07")).toBe(7000);
    expect(yuanToMilliFen("0.0700000")).toBe(7000);
    expect(() => yuanToFen("1.505")).toThrow(BillAmountError);
  });
});
