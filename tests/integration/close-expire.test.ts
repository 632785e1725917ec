import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "./harness";
import { newOrder } from "./payment-races";

describe("close and expiry (partner mode)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: "close" });
  });
  afterAll(() => h.close());

  const status = async (orderNo: string) => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status;

  it("closes an unpaid order at WeChat (all sub-orders) and locally; closing again is a no-op success", async () => {
    const { orderNo } = await newOrder(h);
    const res = await h.call("POST", `/api/orders/${orderNo}/close`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe("CLOSED");
    const atWechat = await h.control<{ order: { transaction: { sub_orders: { trade_state: string }[] } } }>(`/orders/${orderNo}`);
    expect(atWechat.order.transaction.sub_orders.map((s) => s.trade_state)).toEqual(["CLOSED", "CLOSED", "CLOSED"]);
    expect((await h.call("POST", `/api/orders/${orderNo}/close`)).status).toBe(200);
    const pay = await h.call("POST", `/api/orders/${orderNo}/pay`);
    expect(pay.status).toBe(409);
    expect(await pay.json()).toMatchObject({ code: "ORDER_CLOSED" });
  });

  it("treats WeChat's ORDER_CLOSED as success when the order was already closed there", async () => {
    const { orderNo } = await newOrder(h);
    const sub = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
    // Closed at WeChat behind our back (e.g. by the merchant platform): our close still succeeds.
    const { wechatpay } = await import("@/lib/wechatpay-server");
    await wechatpay().combineClose(orderNo, {
      combine_appid: "wxd930ea5d5a258f4f",
      sub_orders: sub.map((s) => ({ mchid: s.mchid, out_trade_no: s.outTradeNo, sub_mchid: s.subMchid! })),
    });
    const res = await h.call("POST", `/api/orders/${orderNo}/close`);
    expect(res.status).toBe(200);
    expect(await status(orderNo)).toBe("CLOSED");
  });

  it("refuses to close a paid order with 409", async () => {
    const { orderNo } = await newOrder(h);
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await status(orderNo)) === "PAID");
    const res = await h.call("POST", `/api/orders/${orderNo}/close`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ code: "ORDER_PAID" });
  });

  it("records a payment that WeChat reports when we try to close (paid, notification lost)", async () => {
    const { orderNo } = await newOrder(h);
    await h.control("/faults", { target: "notify", kind: "drop", count: 100, orderNo });
    await h.control(`/orders/${orderNo}/pay`, {});
    const res = await h.call("POST", `/api/orders/${orderNo}/close`);
    expect(res.status).toBe(409);
    expect(await status(orderNo)).toBe("PAID");
    await h.control("/faults", undefined, "DELETE");
  });

  it("the scheduler route needs the admin token and closes expired orders", async () => {
    const { orderNo } = await newOrder(h);
    await h.prisma.order.update({ where: { orderNo }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await h.call("POST", "/api/cron/close-expired")).status).toBe(401);
    expect((await h.call("POST", "/api/cron/close-expired", { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(
      401,
    );
    expect(await status(orderNo)).toBe("PENDING");
    const res = await h.call("POST", "/api/cron/close-expired", { headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ closed: expect.any(Number), failed: [] });
    expect(await status(orderNo)).toBe("CLOSED");
  });

  it("closes an expired order lazily when it is opened, and refuses to re-pay it", async () => {
    const { orderNo } = await newOrder(h);
    await h.prisma.order.update({ where: { orderNo }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const res = await h.call("GET", `/api/orders/${orderNo}`);
    expect(((await res.json()) as { status: string }).status).toBe("CLOSED");
    const pay = await h.call("POST", `/api/orders/${orderNo}/pay`);
    expect(pay.status).toBe(409);
  });

  it("answers 404 JSON for unknown or malformed order numbers", async () => {
    for (const no of ["C000000000000NOPE0000", "x", "bad!chars"]) {
      const res = await h.call("GET", `/api/orders/${encodeURIComponent(no)}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: "ORDER_NOT_FOUND" });
    }
  });

  it("re-pay reuses a fresh link and re-prepays an old one with identical parameters", async () => {
    const { orderNo } = await newOrder(h);
    const first = (await (await h.call("POST", `/api/orders/${orderNo}/pay`)).json()) as { payUrl: string };
    const again = (await (await h.call("POST", `/api/orders/${orderNo}/pay`)).json()) as { payUrl: string };
    expect(again.payUrl).toBe(first.payUrl);
    await h.prisma.order.update({ where: { orderNo }, data: { h5UrlExpiresAt: new Date(Date.now() - 1000) } });
    const fresh = (await (await h.call("POST", `/api/orders/${orderNo}/pay`)).json()) as { payUrl: string };
    expect(fresh.payUrl).not.toBe(first.payUrl);
    expect(fresh.payUrl).toContain("&redirect_url=");
  });
});
