import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "./harness";
import { newOrder } from "./payment-races";
import { checkoutBody } from "../support/checkout-body";

// Its own file: the app's configuration (env, WeChat client) is read once per process.
describe("direct mode (普通商户: each store is its own mchid, 2–10 sub-orders)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: "direct", mode: "direct" });
  });
  afterAll(() => h.close());

  it("sends each store's own mchid without sub_mchid, and the payment is applied", async () => {
    const { orderNo, subs } = await newOrder(h);
    expect(subs.map((s) => [s.mchid, s.subMchid])).toEqual([
      ["1900000301", null],
      ["1900000302", null],
      ["1900000303", null],
    ]);
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status === "PAID");
  });

  it("refuses a cart from a single store (WeChat needs 2–10 sub-orders in direct mode)", async () => {
    const before = await h.prisma.order.count();
    const res = await h.call("POST", "/api/checkout", { json: checkoutBody([{ sku: "TEA-LJ-50", quantity: 1 }]) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "CART_NOT_ALLOWED" });
    expect(await h.prisma.order.count()).toBe(before);
  });

  it("a store without its own mchid sells nothing in direct mode: its goods are refused as unknown, no order", async () => {
    const store = await h.prisma.store.findUniqueOrThrow({ where: { id: "xiangxiang" } });
    await h.prisma.store.update({ where: { id: store.id }, data: { mchid: null } });
    try {
      const before = await h.prisma.order.count();
      const res = await h.call("POST", "/api/checkout", {
        json: checkoutBody([
          { sku: "TEA-LJ-50", quantity: 1 },
          { sku: "BAK-TS-01", quantity: 1 },
        ]),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "UNKNOWN_SKU", skus: ["BAK-TS-01"] });
      expect(await h.prisma.order.count()).toBe(before);
    } finally {
      await h.prisma.store.update({ where: { id: store.id }, data: { mchid: store.mchid } });
    }
  });
});
