// The shopper's view of an order (GET /api/orders/{orderNo}, the query answer) and 我的订单, shared by the
// SQLite suite (shopper-view.test.ts) and the PostgreSQL suite (postgres/shopper-view.test.ts).
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { buyerCookie, DEFAULT_ADDRESS, DEFAULT_CONTACT, insertOrder, newBuyerId, payByNotification } from "./order-fixtures";
import type { OrderView } from "@/lib/orders/view-types";

export function shopperViewTests(harness: () => Harness) {
  const view = async (orderNo: string, cookie: string) => {
    const res = await harness().call("GET", `/api/orders/${orderNo}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    return (await res.json()) as OrderView;
  };

  const shippedAndPickup = {
    status: "PAID" as const,
    subs: [
      {
        store: "chayu" as const,
        method: "SHIPPING" as const,
        fulfilmentStatus: "SHIPPED" as const,
        carrier: "顺丰",
        trackingNo: "SF1234567890",
        shippedAt: new Date("2026-12-01T02:00:00Z"),
      },
      { store: "xiangxiang" as const, method: "PICKUP" as const, fulfilmentStatus: "READY_FOR_PICKUP" as const, pickupCode: "483920" },
      { store: "mumu" as const, method: "NONE" as const },
    ],
  };

  it("the buyer's own browser sees the full contact, address, tracking number and pickup code", async () => {
    const buyer = newBuyerId();
    const { orderNo } = await insertOrder(harness().prisma, { ...shippedAndPickup, buyerId: buyer });
    const v = await view(orderNo, buyerCookie(buyer));
    expect(v.viewer).toBe("buyer");
    expect(v.contact).toEqual(DEFAULT_CONTACT);
    expect(v.address).toEqual(DEFAULT_ADDRESS);
    expect(v.subOrders.map((s) => s.fulfilment)).toEqual([
      { method: "SHIPPING", status: "SHIPPED", carrier: "顺丰", trackingNo: "SF1234567890", shippedAt: "2026-12-01T02:00:00.000Z" },
      {
        method: "PICKUP",
        status: "READY_FOR_PICKUP",
        pickupCode: "483920",
        pickupAddress: "杭州市西湖区龙井路 1 号",
        pickupHours: "每天 9:00–18:00",
      },
      { method: "NONE", status: "FULFILLED" },
    ]);
  });

  it("anyone else with the order number: name and phone masked, address cut to province and city, no pickup code or tracking number", async () => {
    const buyer = newBuyerId();
    const { orderNo } = await insertOrder(harness().prisma, { ...shippedAndPickup, buyerId: buyer });
    // no cookie, and another browser's (well-formed) buyer cookie: both strangers
    for (const cookie of ["", buyerCookie(newBuyerId())]) {
      const v = await view(orderNo, cookie);
      expect(v.viewer).toBe("stranger");
      expect(v.contact).toEqual({ name: "张*", phone: "138****1234" });
      expect(v.address).toEqual({ province: "浙江省", city: "杭州市" });
      expect(v.subOrders.map((s) => s.fulfilment)).toEqual([
        { method: "SHIPPING", status: "SHIPPED", carrier: "顺丰", shippedAt: "2026-12-01T02:00:00.000Z" },
        { method: "PICKUP", status: "READY_FOR_PICKUP", pickupAddress: "杭州市西湖区龙井路 1 号", pickupHours: "每天 9:00–18:00" },
        { method: "NONE", status: "FULFILLED" },
      ]);
      const text = JSON.stringify(v);
      for (const secret of ["张三", "13812341234", "滨江区", "江南大道", "310012", "483920", "SF1234567890"])
        expect(text).not.toContain(secret);
    }
  });

  it("the 查询结果 answer follows the same rule as GET", async () => {
    const h = harness();
    const buyer = newBuyerId();
    const { orderNo } = await insertOrder(h.prisma, { ...shippedAndPickup, buyerId: buyer });
    const asStranger = (await (await h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie: "" } })).json()) as OrderView;
    expect(asStranger.contact).toEqual({ name: "张*", phone: "138****1234" });
    expect(asStranger.subOrders[1]!.fulfilment).not.toHaveProperty("pickupCode");
    const asBuyer = (await (
      await h.call("POST", `/api/orders/${orderNo}/query`, { headers: { cookie: buyerCookie(buyer) } })
    ).json()) as OrderView;
    expect(asBuyer.contact).toEqual(DEFAULT_CONTACT);
    expect(asBuyer.subOrders[1]!.fulfilment?.pickupCode).toBe("483920");
  });

  it("an order without buyer binding has no buyer browser: its personal data is masked for everyone", async () => {
    const { orderNo } = await insertOrder(harness().prisma, { ...shippedAndPickup, buyerId: null });
    const v = await view(orderNo, buyerCookie(newBuyerId()));
    expect(v.viewer).toBe("stranger");
    expect(v.contact).toEqual({ name: "张*", phone: "138****1234" });
  });

  it("fulfilment is null until paid; the payment notification makes it appear", async () => {
    const h = harness();
    const buyer = newBuyerId();
    const order = await insertOrder(h.prisma, {
      buyerId: buyer,
      subs: [
        { store: "chayu", method: "SHIPPING" },
        { store: "xiangxiang", method: "PICKUP", pickupCode: "102938" },
      ],
    });
    const before = await view(order.orderNo, buyerCookie(buyer));
    expect(before.status).toBe("PENDING");
    expect(before.subOrders.map((s) => s.fulfilment)).toEqual([null, null]);
    expect(await payByNotification(h, order)).toEqual([204]);
    const after = await view(order.orderNo, buyerCookie(buyer));
    expect(after.status).toBe("PAID");
    expect(after.subOrders.map((s) => s.fulfilment && [s.fulfilment.method, s.fulfilment.status, s.fulfilment.pickupCode])).toEqual([
      ["SHIPPING", "UNFULFILLED", undefined],
      ["PICKUP", "UNFULFILLED", "102938"],
    ]);
  });

  it("an order whose personal data was purged shows no contact and no address, to anyone", async () => {
    const h = harness();
    const buyer = newBuyerId();
    const { orderNo } = await insertOrder(h.prisma, { status: "CLOSED", buyerId: buyer, contact: null, address: null });
    const v = await view(orderNo, buyerCookie(buyer));
    expect([v.contact, v.address]).toEqual([null, null]);
  });

  it("我的订单 lists only this browser's orders, newest first, with each store's state", async () => {
    const h = harness();
    const { listBuyerOrders } = await import("@/lib/orders/my-orders");
    const mine = newBuyerId();
    const other = newBuyerId();
    const t0 = Date.now() - 3600_000;
    const older = await insertOrder(h.prisma, { buyerId: mine, createdAt: new Date(t0), status: "CLOSED" });
    const newer = await insertOrder(h.prisma, { ...shippedAndPickup, buyerId: mine, createdAt: new Date(t0 + 60_000) });
    await insertOrder(h.prisma, { buyerId: other, createdAt: new Date(t0 + 30_000) });

    const page = await listBuyerOrders(mine);
    expect(page.total).toBe(2);
    expect(page.orders.map((o) => o.orderNo)).toEqual([newer.orderNo, older.orderNo]);
    expect(page.orders[0]!.stores).toEqual([
      { name: "茶语轩茶叶铺", state: "已发货" },
      { name: expect.any(String), state: "待自提" },
      { name: "木木文具馆", state: "无需配送" },
    ]);
    expect(page.orders[1]!.stores.map((s) => s.state)).toEqual(["已关闭"]);
    expect((await listBuyerOrders(other)).orders).toHaveLength(1);
    expect(await listBuyerOrders(undefined)).toEqual({ total: 0, page: 1, pageCount: 1, orders: [] });
  });

  it("我的订单 is paginated and bounded: 20 a page, out-of-range pages clamp, nothing is written", async () => {
    const h = harness();
    const { listBuyerOrders, MY_ORDERS_PAGE_SIZE } = await import("@/lib/orders/my-orders");
    const mine = newBuyerId();
    const t0 = Date.now() - 86_400_000;
    for (let i = 0; i < MY_ORDERS_PAGE_SIZE + 3; i++) await insertOrder(h.prisma, { buyerId: mine, createdAt: new Date(t0 + i * 1000) });
    const countsBefore = [await h.prisma.order.count(), await h.prisma.paymentEvent.count()];
    const first = await listBuyerOrders(mine, 1);
    const second = await listBuyerOrders(mine, 2);
    const beyond = await listBuyerOrders(mine, 999);
    expect([first.orders.length, second.orders.length, first.pageCount]).toEqual([MY_ORDERS_PAGE_SIZE, 3, 2]);
    expect(beyond.page).toBe(2);
    expect(new Set([...first.orders, ...second.orders].map((o) => o.orderNo)).size).toBe(MY_ORDERS_PAGE_SIZE + 3);
    expect([await h.prisma.order.count(), await h.prisma.paymentEvent.count()]).toEqual(countsBefore);
  });
}
