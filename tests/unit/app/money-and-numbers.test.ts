import { describe, expect, it } from "vitest";
import { fenToYuanString, formatFen } from "@/lib/money";
import { newCombineOrderNo, ORDER_NO_PATTERN, subOrderNo } from "@/lib/orders/order-numbers";
import { beijingDateOf, toBeijingRfc3339 } from "@/lib/time/beijing";

describe("money", () => {
  it.each([
    [0, "¥0.00"],
    [1, "¥0.01"],
    [1230, "¥12.30"],
    [11790, "¥117.90"],
    [9999999, "¥99,999.99"],
    [-250, "-¥2.50"],
  ])("formats %d fen as %s", (fen, text) => expect(formatFen(fen)).toBe(text));

  it("writes bill-style yuan strings", () => {
    expect(fenToYuanString(1)).toBe("0.01");
    expect(fenToYuanString(9999999)).toBe("99999.99");
  });

  it("refuses non-integer fen", () => {
    expect(() => formatFen(12.3)).toThrow(RangeError);
  });
});

describe("order numbers", () => {
  it("are 6–32 chars of WeChat's charset, stamped in Beijing time, and unique", () => {
    const now = new Date("2026-11-27T16:30:05Z"); // 00:30:05 on the 28th in Beijing
    const nos = new Set(Array.from({ length: 2000 }, () => newCombineOrderNo(now)));
    expect(nos.size).toBe(2000);
    for (const no of nos) {
      expect(no).toMatch(ORDER_NO_PATTERN);
      expect(no.startsWith("C261128003005")).toBe(true);
      expect(subOrderNo(no, 50)).toMatch(ORDER_NO_PATTERN);
    }
  });

  it("formats time_expire as RFC 3339 with +08:00 and Beijing dates", () => {
    expect(toBeijingRfc3339(new Date("2026-11-27T16:30:05.987Z"))).toBe("2026-11-28T00:30:05+08:00");
    expect(beijingDateOf(new Date("2026-11-27T16:30:05Z"))).toBe("2026-11-28");
  });
});
