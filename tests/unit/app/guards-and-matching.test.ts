import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/http/request-guards";
import { findMismatch } from "@/lib/orders/apply-result";
import type { CombineTransaction } from "@/lib/wechatpay";

const req = (xff?: string) => new Request("http://x/", { headers: xff ? { "x-forwarded-for": xff } : {} });

describe("clientIp", () => {
  it("uses the socket address Next.js records when there is no proxy", () => {
    expect(clientIp(req("203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientIp(req("::ffff:198.51.100.2"), 0)).toBe("198.51.100.2");
    expect(clientIp(req("2001:db8::1"), 0)).toBe("2001:db8::1");
  });
  it("behind N trusted proxies takes the peer the outermost trusted proxy saw, never a client-written entry", () => {
    // The client forged "1.1.1.1"; our one proxy appended the real peer 203.0.113.9.
    expect(clientIp(req("1.1.1.1, 203.0.113.9"), 1)).toBe("203.0.113.9");
    // CDN appended the client, then the load balancer appended the CDN.
    expect(clientIp(req("1.1.1.1, 203.0.113.9, 10.0.0.2"), 2)).toBe("203.0.113.9");
    expect(clientIp(req("203.0.113.9"), 2)).toBe("127.0.0.1");
  });
  it("falls back to a safe value for garbage", () => {
    expect(clientIp(req("not-an-ip"), 0)).toBe("127.0.0.1");
    expect(clientIp(req(), 0)).toBe("127.0.0.1");
  });
});

const ours = {
  combineMchid: "1900000109",
  combineAppid: "wxd930ea5d5a258f4f",
  subOrders: [
    { outTradeNo: "C1-1", mchid: "1900000109", subMchid: "1900000201", amountFen: 100 },
    { outTradeNo: "C1-2", mchid: "1900000109", subMchid: "1900000202", amountFen: 250 },
  ],
};
// The tests mutate one field at a time: a writable, index-checked view of the wire type.
type Mutable = CombineTransaction & { sub_orders: NonNullable<CombineTransaction["sub_orders"]> };
const theirs = (): CombineTransaction =>
  ({
    combine_appid: "wxd930ea5d5a258f4f",
    combine_mchid: "1900000109",
    combine_out_trade_no: "C1",
    sub_orders: ours.subOrders.map((s) => ({
      mchid: s.mchid,
      sub_mchid: s.subMchid,
      out_trade_no: s.outTradeNo,
      trade_state: "SUCCESS",
      amount: { total_amount: s.amountFen, payer_amount: s.amountFen, currency: "CNY" },
    })),
  }) as unknown as CombineTransaction;

describe("findMismatch: a payment result must describe exactly our order", () => {
  it("accepts our order", () => expect(findMismatch(ours, theirs())).toBeNull());
  it.each([
    ["combine_mchid", (t: Mutable) => void (t.combine_mchid = "1"), /combine_mchid/],
    ["combine_appid", (t: Mutable) => void (t.combine_appid = "wx1"), /combine_appid/],
    ["amount", (t: Mutable) => void (t.sub_orders[1]!.amount.total_amount = 249), /total_amount 249 ≠ 250/],
    ["sub_mchid", (t: Mutable) => void (t.sub_orders[0]!.sub_mchid = "1900000204"), /sub_mchid/],
    ["mchid", (t: Mutable) => void (t.sub_orders[0]!.mchid = "1900000301"), /mchid/],
    ["unknown out_trade_no", (t: Mutable) => void (t.sub_orders[0]!.out_trade_no = "C1-9"), /unexpected sub-order/],
    ["duplicated sub-order", (t: Mutable) => void (t.sub_orders[1] = t.sub_orders[0]!), /unexpected sub-order/],
    ["missing sub-order", (t: Mutable) => void t.sub_orders.pop(), /expected 2 sub-orders, got 1/],
    ["currency", (t: Mutable) => void (t.sub_orders[0]!.amount.currency = "USD"), /currency/],
  ])("rejects a different %s", (_n, mutate, why) => {
    const t = theirs();
    mutate(t as Mutable);
    expect(findMismatch(ours, t)).toMatch(why);
  });
});
