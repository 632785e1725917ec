// The back office's refund request body (lib/refunds/admin.ts): the reason reaches WeChat (§14.1.1),
// the shopper's refund notice and our audit log, so it is plain text on one line.
import { describe, expect, it } from "vitest";
import { RefundRequestBodySchema } from "@/lib/refunds/admin";

const body = { outTradeNo: "C2611270715001234", amountFen: 100 };

describe("RefundRequestBodySchema", () => {
  it("refuses control characters in the reason (NUL, ESC, CR/LF, TAB, DEL, C1), naming the field", () => {
    for (const reason of [
      "少发\u0000一件",
      "\u001b[31m少发",
      "少发一件\r\n第二行",
      "少发\n一件",
      "少发\t一件",
      "少发\u007f",
      "少发\u0085一件",
    ]) {
      const r = RefundRequestBodySchema.safeParse({ ...body, reason });
      expect(r.success, JSON.stringify(reason)).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(["reason"]);
    }
  });

  it("keeps an ordinary reason (trimmed) and treats an empty one as none", () => {
    expect(RefundRequestBodySchema.parse({ ...body, reason: "  少发一件，退 1 元  " }).reason).toBe("少发一件，退 1 元");
    expect(RefundRequestBodySchema.parse({ ...body, reason: "" }).reason).toBeUndefined();
  });
});
