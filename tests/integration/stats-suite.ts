// The sales overview's figures (GET /api/admin/stats, lib/stats/), shared by the SQLite suite (stats.test.ts)
// and the PostgreSQL suite (postgres/stats.test.ts): same route, same expected numbers. Each test works on
// its own Beijing dates (and the backlog on a `now` before every other test's payments), so none depends on
// what another inserted.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Harness } from "./harness";
import { insertOrder, staffHeaders, type FixtureOrder } from "./fulfilment-helpers";

const at = (beijing: string) => new Date(`${beijing}+08:00`);
const zeroDay = (date: string) => ({
  date,
  paidFen: 0,
  refundedFen: 0,
  netFen: 0,
  paidOrders: 0,
  checkouts: 0,
  paidCheckouts: 0,
  paidShare: null,
  closedOrders: 0,
});

/** An order as the fixture inserts it, then created (and closed) at the given Beijing times. */
async function order(h: Harness, o: FixtureOrder & { createdAt: string; closedAt?: string }) {
  const r = await insertOrder(h, o);
  await h.prisma.order.update({
    where: { orderNo: r.orderNo },
    data: { createdAt: at(o.createdAt), ...(o.closedAt ? { closedAt: at(o.closedAt) } : {}) },
  });
  return r;
}

async function refund(h: Harness, sub: { outTradeNo: string; amountFen: number }, amountFen: number, status: string, successAt?: string) {
  await h.prisma.refund.create({
    data: {
      refundNo: `RF${randomBytes(8).toString("hex")}`,
      outTradeNo: sub.outTradeNo,
      orderNo: sub.outTradeNo.replace(/-\d+$/, ""),
      amountFen,
      totalFen: sub.amountFen,
      requestedBy: "admin#test",
      status,
      successTime: successAt ? at(successAt) : null,
    },
  });
}

export function statsTests(harness: () => Harness) {
  const stats = (h: Harness, query: string, headers = staffHeaders(h)) => h.call("GET", `/api/admin/stats?${query}`, { headers });

  describe("GET /api/admin/stats", () => {
    it("paid, partly refunded, unpaid and closed orders over three Beijing days: exact days (zeros included), stores and totals", async () => {
      const h = harness();
      // paid at the last second of 1 May and at the first second of 2 May (Beijing): one on each day
      const a = await order(h, {
        createdAt: "2018-05-01T10:00:00",
        paidAt: at("2018-05-01T23:59:59"),
        subs: [
          { storeId: "chayu", method: "SHIPPING", amountFen: 1000 },
          { storeId: "xiangxiang", method: "PICKUP", amountFen: 2000 },
        ],
      });
      await order(h, {
        createdAt: "2018-05-01T23:50:00",
        paidAt: at("2018-05-02T00:00:00"),
        subs: [{ storeId: "chayu", method: "SHIPPING", amountFen: 500 }],
      });
      const c = await order(h, {
        createdAt: "2018-05-02T09:00:00",
        paidAt: at("2018-05-02T09:05:00"),
        subs: [
          { storeId: "mumu", method: "SHIPPING", amountFen: 4000 },
          { storeId: "chayu", method: "NONE", amountFen: 1500 },
        ],
      });
      // refunds: a success on 3 May counts that day; one still processing and one that succeeded after the range do not
      await refund(h, c.subs[0]!, 1000, "SUCCESS", "2018-05-03T10:00:00");
      await refund(h, c.subs[1]!, 500, "PROCESSING");
      await refund(h, a.subs[0]!, 300, "SUCCESS", "2018-05-05T00:00:00");
      // unpaid, and closed unpaid (one closed the day after its checkout)
      await order(h, { status: "PENDING", createdAt: "2018-05-02T12:00:00", subs: [{ storeId: "chayu", method: "SHIPPING" }] });
      await order(h, {
        status: "CLOSED",
        createdAt: "2018-05-03T08:00:00",
        closedAt: "2018-05-03T08:30:00",
        subs: [{ storeId: "xiangxiang", method: "PICKUP" }],
      });
      await order(h, {
        status: "CLOSED",
        createdAt: "2018-05-01T23:00:00",
        closedAt: "2018-05-02T00:10:00",
        subs: [{ storeId: "chayu", method: "SHIPPING" }],
      });
      // just outside the range, both ends
      await order(h, {
        createdAt: "2018-04-29T23:59:59",
        paidAt: at("2018-04-29T23:59:59"),
        subs: [{ storeId: "mumu", method: "NONE", amountFen: 7 }],
      });
      await order(h, {
        createdAt: "2018-05-05T00:00:00",
        paidAt: at("2018-05-05T00:00:00"),
        subs: [{ storeId: "mumu", method: "NONE", amountFen: 9 }],
      });

      const res = await stats(h, "from=2018-04-30&to=2018-05-04");
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ from: "2018-04-30", to: "2018-05-04", storeIds: null });
      expect(body.days).toEqual([
        zeroDay("2018-04-30"),
        { ...zeroDay("2018-05-01"), paidFen: 3000, netFen: 3000, paidOrders: 1, checkouts: 3, paidCheckouts: 2, paidShare: 0.6667 },
        {
          ...zeroDay("2018-05-02"),
          paidFen: 6000,
          netFen: 6000,
          paidOrders: 2,
          checkouts: 2,
          paidCheckouts: 1,
          paidShare: 0.5,
          closedOrders: 1,
        },
        { ...zeroDay("2018-05-03"), refundedFen: 1000, netFen: -1000, checkouts: 1, paidShare: 0, closedOrders: 1 },
        zeroDay("2018-05-04"),
      ]);
      expect(body.stores).toEqual([
        { storeId: "mumu", name: "木木文具馆", paidFen: 4000, refundedFen: 1000, netFen: 3000, subOrders: 1, averageFen: 4000 },
        { storeId: "chayu", name: "茶语轩茶叶铺", paidFen: 3000, refundedFen: 0, netFen: 3000, subOrders: 3, averageFen: 1000 },
        { storeId: "xiangxiang", name: expect.any(String), paidFen: 2000, refundedFen: 0, netFen: 2000, subOrders: 1, averageFen: 2000 },
        // a store without sales is listed too, with zeros
        { storeId: "chengnan", name: "城南咖啡馆", paidFen: 0, refundedFen: 0, netFen: 0, subOrders: 0, averageFen: 0 },
      ]);
      expect(body.totals).toEqual({
        paidFen: 9000,
        refundedFen: 1000,
        netFen: 8000,
        paidOrders: 3,
        checkouts: 6,
        paidCheckouts: 3,
        paidShare: 0.5,
        closedOrders: 2,
        subOrders: 5,
        averageFen: 1800,
      });

      // one store: its sub-orders, its refunds, and the checkouts that include it
      const mumu = await (await stats(h, "from=2018-04-30&to=2018-05-04&storeId=mumu")).json();
      expect(mumu.storeIds).toEqual(["mumu"]);
      expect(
        mumu.days.filter((d: { paidFen: number; refundedFen: number; checkouts: number }) => d.paidFen || d.refundedFen || d.checkouts),
      ).toEqual([
        { ...zeroDay("2018-05-02"), paidFen: 4000, netFen: 4000, paidOrders: 1, checkouts: 1, paidCheckouts: 1, paidShare: 1 },
        { ...zeroDay("2018-05-03"), refundedFen: 1000, netFen: -1000 },
      ]);
      expect(mumu.stores).toEqual([
        { storeId: "mumu", name: "木木文具馆", paidFen: 4000, refundedFen: 1000, netFen: 3000, subOrders: 1, averageFen: 4000 },
      ]);
      expect(mumu.totals).toMatchObject({ paidFen: 4000, refundedFen: 1000, netFen: 3000, paidOrders: 1, checkouts: 1, closedOrders: 0 });

      // several stores (a staff member's): an order with sub-orders in two of them is one paid order
      const { salesStats } = await import("@/lib/stats/overview");
      const two = await salesStats({ from: "2018-05-01", to: "2018-05-02" }, ["mumu", "chayu"]);
      expect(two.days.map((d) => [d.date, d.paidFen, d.paidOrders, d.checkouts])).toEqual([
        ["2018-05-01", 1000, 1, 3],
        ["2018-05-02", 6000, 2, 2],
      ]);
      expect(two.stores.map((st) => st.storeId)).toEqual(["mumu", "chayu"]);

      // one day: the order paid at 00:00:00 is there, the one paid at 23:59:59 the day before is not
      const may2 = await (await stats(h, "from=2018-05-02&to=2018-05-02")).json();
      expect(may2.days).toHaveLength(1);
      expect(may2.totals).toMatchObject({ paidFen: 6000, paidOrders: 2, subOrders: 3 });
    });

    it("every day of a 366-day range is present, in order, zeros included", async () => {
      const h = harness();
      const body = await (await stats(h, "from=2015-01-01&to=2016-01-01")).json();
      expect(body.days).toHaveLength(366);
      expect(body.days[0].date).toBe("2015-01-01");
      expect(body.days[365].date).toBe("2016-01-01");
      expect(body.days.map((d: { date: string }) => d.date)).toEqual([...body.days.map((d: { date: string }) => d.date)].sort());
      expect(body.totals).toMatchObject({ paidFen: 0, checkouts: 0, paidShare: null, subOrders: 0, averageFen: 0 });
    });

    it("the backlog: unfulfilled paid sub-orders per store by age (< 1 day, 1–3 days, > 3 days); shipped, fulfilled, fully refunded and unpaid ones are not work", async () => {
      const h = harness();
      const now = at("2017-06-10T12:00:00");
      const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);
      await insertOrder(h, {
        paidAt: hoursAgo(2),
        subs: [
          { storeId: "chayu", method: "SHIPPING" },
          { storeId: "mumu", method: "PICKUP" },
          { storeId: "xiangxiang", method: "NONE" },
        ],
      });
      await insertOrder(h, { paidAt: hoursAgo(24), subs: [{ storeId: "chayu", method: "SHIPPING" }] }); // exactly 1 day: 1–3 days
      await insertOrder(h, { paidAt: hoursAgo(30), subs: [{ storeId: "chayu", method: "PICKUP" }] });
      await insertOrder(h, { paidAt: hoursAgo(5 * 24), subs: [{ storeId: "chayu", method: "SHIPPING" }] });
      const shipped = await insertOrder(h, { paidAt: hoursAgo(50), subs: [{ storeId: "mumu", method: "SHIPPING" }] });
      await h.prisma.subOrder.update({ where: { outTradeNo: shipped.subs[0]!.outTradeNo }, data: { fulfilmentStatus: "SHIPPED" } });
      const refunded = await insertOrder(h, { paidAt: hoursAgo(80), subs: [{ storeId: "mumu", method: "SHIPPING", amountFen: 800 }] });
      await h.prisma.subOrder.update({
        where: { outTradeNo: refunded.subs[0]!.outTradeNo },
        data: { refundedFen: 800, tradeState: "REFUND" },
      });
      const partly = await insertOrder(h, { paidAt: hoursAgo(80), subs: [{ storeId: "mumu", method: "SHIPPING", amountFen: 800 }] });
      await h.prisma.subOrder.update({
        where: { outTradeNo: partly.subs[0]!.outTradeNo },
        data: { refundedFen: 300, tradeState: "REFUND" },
      });
      await insertOrder(h, { status: "PENDING", subs: [{ storeId: "chayu", method: "SHIPPING" }] });

      const { salesStats } = await import("@/lib/stats/overview");
      const s = await salesStats({ from: "2017-06-10", to: "2017-06-10" }, "all", now);
      expect(s.backlog).toEqual([
        { storeId: "chayu", name: "茶语轩茶叶铺", underOneDay: 1, oneToThreeDays: 2, overThreeDays: 1, total: 4 },
        { storeId: "mumu", name: "木木文具馆", underOneDay: 1, oneToThreeDays: 0, overThreeDays: 1, total: 2 },
      ]);
      const mumu = await salesStats({ from: "2017-06-10", to: "2017-06-10" }, ["mumu"], now);
      expect(mumu.backlog.map((b) => b.storeId)).toEqual(["mumu"]);
      expect(await salesStats({ from: "2017-06-10", to: "2017-06-10" }, [], now)).toMatchObject({
        stores: [],
        backlog: [],
        totals: { paidFen: 0 },
      });
    });

    it("the in-app funnel: guide shown, resume links made and resumed (per-day counters), orders paid from a resumed cart", async () => {
      const h = harness();
      const { countDaily, flushDailyCounters, FUNNEL_COUNTERS } = await import("@/lib/stats/counters");
      for (let i = 0; i < 5; i++) countDaily(FUNNEL_COUNTERS.guideShown, at("2016-03-01T09:00:00"));
      countDaily(FUNNEL_COUNTERS.guideShown, at("2016-03-02T23:59:59"));
      countDaily(FUNNEL_COUNTERS.guideShown, at("2016-03-03T00:00:00")); // the next Beijing day: outside
      for (let i = 0; i < 3; i++) countDaily(FUNNEL_COUNTERS.resumeLinks, at("2016-03-01T10:00:00"));
      countDaily(FUNNEL_COUNTERS.resumed, at("2016-03-02T10:00:00"));
      countDaily(FUNNEL_COUNTERS.resumed, at("2016-03-02T11:00:00"));
      await flushDailyCounters();
      countDaily(FUNNEL_COUNTERS.guideShown, at("2016-03-01T12:00:00")); // a second flush adds to the same row
      await flushDailyCounters();
      expect(await h.prisma.dailyCounter.count({ where: { day: { gte: "2016-03-01", lte: "2016-03-03" } } })).toBe(5);

      const resumedPaid = await order(h, {
        createdAt: "2016-03-02T10:05:00",
        paidAt: at("2016-03-02T10:06:00"),
        subs: [{ storeId: "mumu", method: "NONE" }],
      });
      await h.prisma.order.update({ where: { orderNo: resumedPaid.orderNo }, data: { viaResumeLink: true } });
      const resumedUnpaid = await order(h, {
        status: "PENDING",
        createdAt: "2016-03-02T11:05:00",
        subs: [{ storeId: "mumu", method: "NONE" }],
      });
      await h.prisma.order.update({ where: { orderNo: resumedUnpaid.orderNo }, data: { viaResumeLink: true } });
      await order(h, { createdAt: "2016-03-02T10:05:00", paidAt: at("2016-03-02T10:06:00"), subs: [{ storeId: "mumu", method: "NONE" }] });

      const body = await (await stats(h, "from=2016-03-01&to=2016-03-02")).json();
      expect(body.funnel).toEqual({ guideShown: 7, resumeLinks: 3, resumed: 2, paid: 1 });
      expect((await (await stats(h, "from=2016-03-01&to=2016-03-02&storeId=chayu")).json()).funnel.paid).toBe(0);
    });

    it("a checkout after a resume link marks its order only when the link's draft was consumed, and clears the marker", async () => {
      const h = harness();
      const { saveCartDraft, consumeCartDraft, markResumedCheckout } = await import("@/lib/in-app/cart-drafts");
      const sku = (await h.prisma.product.findFirstOrThrow({ where: { storeId: "mumu", active: true } })).sku;
      const consumed = await saveCartDraft([{ sku, quantity: 1 }]);
      expect((await consumeCartDraft(consumed.token)).status).toBe("restored");
      const unused = await saveCartDraft([{ sku, quantity: 2 }]);
      const checkoutWith = async (cookie: string) => {
        const o = await insertOrder(h, { status: "PENDING", subs: [{ storeId: "mumu", method: "NONE" }] });
        const res = await markResumedCheckout(
          new Request(`${h.appUrl}/api/checkout`, { headers: { cookie } }),
          o.orderNo,
          new Response(null, { status: 201 }),
          false,
        );
        const row = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: o.orderNo } });
        return { marked: row.viaResumeLink, setCookie: res.headers.get("set-cookie") };
      };
      expect(await checkoutWith(`cart_resumed=${consumed.token}`)).toEqual({
        marked: true,
        setCookie: expect.stringMatching(/^cart_resumed=; Path=\/api\/checkout; Max-Age=0/),
      });
      expect(await checkoutWith(`cart_resumed=${unused.token}`)).toMatchObject({
        marked: false,
        setCookie: expect.stringContaining("Max-Age=0"),
      });
      expect(await checkoutWith(`cart_resumed=not-a-token`)).toMatchObject({ marked: false });
      expect(await checkoutWith("other=1")).toEqual({ marked: false, setCookie: null });
    });

    it.each([
      ["to=2019-03-02", "from"],
      ["from=2019-03-02", "to"],
      ["from=2019-02-30&to=2019-03-02", "from"],
      ["from=2019-03-01&to=2019/03/02", "to"],
      ["from=2019-03-02&to=2019-03-01", "to"],
      ["from=2019-01-01&to=2020-01-02", "to"],
      ["from=2019-03-01&to=2019-03-02&storeId=NO%20SUCH", "storeId"],
      ["from=2019-03-01&to=2019-03-02&storeId=no-such-store", "storeId"],
    ])("?%s → 400 naming %s", async (query, field) => {
      const h = harness();
      const res = await stats(h, query);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", field });
    });

    it("needs a session", async () => {
      const h = harness();
      expect((await stats(h, "from=2019-03-01&to=2019-03-02", { cookie: "" })).status).toBe(401);
    });
  });
}
