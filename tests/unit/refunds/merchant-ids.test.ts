// The merchant ids of a REFUND.* notification against the sub-order's (docs/wechatpay.md §14.4.3): every official
// shape, in partner and direct mode, and the contradictions that must be refused.
import { describe, expect, it } from "vitest";
import { merchantMismatch } from "@/lib/refunds/merchant-ids";

const SP = "1900000100";
const STORE = "1900000201";
const partner = { mchid: SP, subMchid: STORE };
// direct mode: the participant merchant took the payment itself; there is no service provider
const direct = { mchid: "1900000301", subMchid: null };

describe("merchantMismatch", () => {
  it.each([
    ["partner, sp_mchid + sub_mchid (the service-provider table)", partner, { spMchid: SP, subMchid: STORE }],
    ["partner, mchid only (the service-provider example)", partner, { mchid: SP }],
    ["partner, mchid naming the store", partner, { mchid: STORE }],
    ["partner, all three", partner, { mchid: SP, spMchid: SP, subMchid: STORE }],
    ["direct, mchid (the merchant shape)", direct, { mchid: "1900000301" }],
  ])("accepts %s", (_name, sub, ids) => {
    expect(merchantMismatch(ids, sub)).toBeNull();
  });

  it.each([
    ["another service provider", partner, { spMchid: "1900009999", subMchid: STORE }],
    ["another store", partner, { spMchid: SP, subMchid: "1900000202" }],
    ["mchid of another merchant", partner, { mchid: "1900009999" }],
    ["mchid contradicting the ids beside it", partner, { mchid: "1900009999", spMchid: SP, subMchid: STORE }],
    ["a service provider for a direct-mode sub-order", direct, { spMchid: "1900000301" }],
    ["a store for a direct-mode sub-order", direct, { mchid: "1900000301", subMchid: STORE }],
    ["direct: mchid of another participant", direct, { mchid: "1900000302" }],
  ])("refuses %s", (_name, sub, ids) => {
    expect(merchantMismatch(ids, sub)).toMatch(/mchid/);
  });
});
