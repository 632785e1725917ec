// The fulfilment rules (README "Delivery and fulfilment"), shared by the SQLite suite (fulfilment.test.ts)
// and the PostgreSQL suite (postgres/fulfilment.test.ts): same route handlers, same assertions. Every test
// inserts its own paid order (fulfilment-helpers.ts), so none depends on another.
import { TEST_OWNER } from "../support/admin-actor";
import { describe, expect, it } from "vitest";
import type { Harness } from "./harness";
import { bulkShip, fulfil, insertOrder, reply, staffHeaders } from "./fulfilment-helpers";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { parse as parseRaw } from "csv-parse/sync";
import { parseCsv } from "@/lib/csv";

const SHIP = { action: "SHIP", carrier: "顺丰", trackingNo: "SF1234567890" } as const;

export function fulfilmentTests(harness: () => Harness) {
  const events = (outTradeNo: string) => harness().prisma.fulfilmentEvent.findMany({ where: { outTradeNo }, orderBy: { id: "asc" } });
  const sub = (outTradeNo: string) => harness().prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo } });

  describe("shipping: UNFULFILLED → SHIPPED → DELIVERED", () => {
    it("ships with carrier and tracking number, corrects the tracking number, then is delivered; each move audited with who and when", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }, { method: "PICKUP" }] });
      const s = subs[0]!.outTradeNo;
      const shipped = await fulfil(h, orderNo, { outTradeNo: s, ...SHIP });
      expect(shipped.status).toBe(200);
      const a = await reply(shipped);
      expect(a.fulfilment).toMatchObject({ method: "SHIPPING", status: "SHIPPED", carrier: "顺丰", trackingNo: "SF1234567890" });
      expect(new Date(a.fulfilment!.shippedAt!).getTime()).toBeGreaterThan(Date.now() - 60_000);
      expect(a.fulfilment).not.toHaveProperty("deliveredAt");

      const corrected = await fulfil(h, orderNo, { outTradeNo: s, action: "UPDATE_TRACKING", carrier: "中通", trackingNo: "ZT-778899" });
      expect(corrected.status).toBe(200);
      expect((await reply(corrected)).fulfilment).toMatchObject({ status: "SHIPPED", carrier: "中通", trackingNo: "ZT-778899" });

      const delivered = await fulfil(h, orderNo, { outTradeNo: s, action: "DELIVERED" });
      expect(delivered.status).toBe(200);
      const d = (await reply(delivered)).fulfilment!;
      expect(d).toMatchObject({ status: "DELIVERED", carrier: "中通", trackingNo: "ZT-778899" });
      expect(d.deliveredAt).toBeTruthy();

      const trail = await events(s);
      expect(trail.map((e) => [e.action, e.fromStatus, e.toStatus, e.carrier, e.trackingNo])).toEqual([
        ["SHIP", "UNFULFILLED", "SHIPPED", "顺丰", "SF1234567890"],
        ["UPDATE_TRACKING", "SHIPPED", "SHIPPED", "中通", "ZT-778899"],
        ["DELIVERED", "SHIPPED", "DELIVERED", null, null],
      ]);
      expect(trail.every((e) => /^break-glass:[\w-]{8}$/.test(e.actor) && e.orderNo === orderNo)).toBe(true);
      // the other store's sub-order is untouched
      expect((await sub(subs[1]!.outTradeNo)).fulfilmentStatus).toBe("UNFULFILLED");
    });

    it("forward only: a second SHIP, and every move out of DELIVERED, is 409 FULFILMENT_CONFLICT with the current fulfilment; nothing changes", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const s = subs[0]!.outTradeNo;
      expect((await fulfil(h, orderNo, { outTradeNo: s, ...SHIP })).status).toBe(200);
      const again = await fulfil(h, orderNo, { outTradeNo: s, action: "SHIP", carrier: "韵达", trackingNo: "YD00000001" });
      expect(again.status).toBe(409);
      const r = await reply(again);
      expect(r.code).toBe("FULFILMENT_CONFLICT");
      expect(r.fulfilment).toMatchObject({ method: "SHIPPING", status: "SHIPPED", carrier: "顺丰", trackingNo: "SF1234567890" });

      expect((await fulfil(h, orderNo, { outTradeNo: s, action: "DELIVERED" })).status).toBe(200);
      for (const body of [
        SHIP,
        { action: "UPDATE_TRACKING", carrier: "EMS", trackingNo: "EMS1234567" },
        { action: "DELIVERED" },
        { action: "READY_FOR_PICKUP" },
        { action: "PICKED_UP", pickupCode: "123456" },
      ]) {
        const res = await fulfil(h, orderNo, { outTradeNo: s, ...body });
        expect([body.action, res.status]).toEqual([body.action, 409]);
        const x = await reply(res);
        expect(x.code).toBe("FULFILMENT_CONFLICT");
        expect(x.fulfilment?.status).toBe("DELIVERED");
      }
      const row = await sub(s);
      expect([row.fulfilmentStatus, row.carrier, row.trackingNo]).toEqual(["DELIVERED", "顺丰", "SF1234567890"]);
      expect(await events(s)).toHaveLength(2);
    });

    it("UPDATE_TRACKING and DELIVERED before shipping are conflicts", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const s = subs[0]!.outTradeNo;
      for (const body of [{ action: "UPDATE_TRACKING", carrier: "EMS", trackingNo: "EMS1234567" }, { action: "DELIVERED" }]) {
        const r = await reply(await fulfil(h, orderNo, { outTradeNo: s, ...body }));
        expect(r).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { method: "SHIPPING", status: "UNFULFILLED" } });
      }
      expect(await events(s)).toHaveLength(0);
    });

    it("10 concurrent SHIP of one sub-order: exactly one SHIPPED, nine FULFILMENT_CONFLICT, one audit row", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const s = subs[0]!.outTradeNo;
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fulfil(h, orderNo, { outTradeNo: s, action: "SHIP", carrier: "圆通", trackingNo: `YT-RACE-${i}` }),
        ),
      );
      const statuses = replies.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(409)]);
      const bodies = await Promise.all(replies.map(reply));
      const winner = bodies.find((b) => !b.code)!;
      expect(bodies.filter((b) => b.code === "FULFILMENT_CONFLICT")).toHaveLength(9);
      // every loser is told the winner's tracking number
      expect(bodies.filter((b) => b.code).every((b) => b.fulfilment?.trackingNo === winner.fulfilment!.trackingNo)).toBe(true);
      const trail = await events(s);
      expect(trail.map((e) => e.action)).toEqual(["SHIP"]);
      expect((await sub(s)).trackingNo).toBe(winner.fulfilment!.trackingNo);
    });
  });

  describe("pickup: UNFULFILLED → READY_FOR_PICKUP → PICKED_UP", () => {
    it("ready, then picked up with the buyer's code; confirming before ready or twice is a conflict", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "PICKUP", pickupCode: "052719" }] });
      const s = subs[0]!.outTradeNo;
      const early = await reply(await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: "052719" }));
      expect(early).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { method: "PICKUP", status: "UNFULFILLED" } });

      const ready = await fulfil(h, orderNo, { outTradeNo: s, action: "READY_FOR_PICKUP" });
      expect(ready.status).toBe(200);
      expect((await reply(ready)).fulfilment).toEqual({ method: "PICKUP", status: "READY_FOR_PICKUP" });
      expect((await sub(s)).readyAt).toBeInstanceOf(Date);

      const done = await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: "052719" });
      expect(done.status).toBe(200);
      const d = (await reply(done)).fulfilment!;
      expect(d).toMatchObject({ method: "PICKUP", status: "PICKED_UP" });
      expect(d.pickedUpAt).toBeTruthy();
      expect(d).not.toHaveProperty("pickupCode"); // staff type it; the API never shows it

      const twice = await reply(await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: "052719" }));
      expect(twice).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { status: "PICKED_UP" } });
      expect((await events(s)).map((e) => e.action)).toEqual(["READY_FOR_PICKUP", "PICKED_UP"]);
    });

    it("a pickup sub-order cannot be shipped and a shipping one cannot be made ready; NONE has no moves", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "PICKUP" }, { method: "SHIPPING" }, { method: "NONE" }] });
      const [p, s, n] = subs.map((x) => x.outTradeNo) as [string, string, string];
      const a = await reply(await fulfil(h, orderNo, { outTradeNo: p, ...SHIP }));
      expect(a).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { method: "PICKUP", status: "UNFULFILLED" } });
      expect(a.message).toContain("到店自提");
      const b = await reply(await fulfil(h, orderNo, { outTradeNo: s, action: "READY_FOR_PICKUP" }));
      expect(b).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { method: "SHIPPING" } });
      for (const body of [SHIP, { action: "READY_FOR_PICKUP" }, { action: "DELIVERED" }]) {
        const c = await reply(await fulfil(h, orderNo, { outTradeNo: n, ...body }));
        expect(c).toMatchObject({ code: "FULFILMENT_CONFLICT", fulfilment: { method: "NONE", status: "FULFILLED" } });
      }
    });

    it("a wrong code is 409 PICKUP_CODE_MISMATCH (audited, never the code typed); 10 tries per sub-order per hour, then 429 even for the right code", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, {
        subs: [
          { method: "PICKUP", pickupCode: "246810" },
          { method: "PICKUP", pickupCode: "135791" },
        ],
      });
      const [s, other] = subs.map((x) => x.outTradeNo) as [string, string];
      for (const x of [s, other]) expect((await fulfil(h, orderNo, { outTradeNo: x, action: "READY_FOR_PICKUP" })).status).toBe(200);

      const wrong = await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: "000000" });
      expect(wrong.status).toBe(409);
      const w = await reply(wrong);
      expect(w).toMatchObject({ code: "PICKUP_CODE_MISMATCH", fulfilment: { method: "PICKUP", status: "READY_FOR_PICKUP" } });
      expect(JSON.stringify(w)).not.toContain("246810");
      const mismatch = (await events(s)).filter((e) => e.action === "PICKUP_CODE_MISMATCH");
      expect(mismatch).toHaveLength(1);
      expect(JSON.stringify(mismatch)).not.toContain("000000");

      // nine more wrong tries at once (10 in all), then the 11th — the right code — is refused
      const more = await Promise.all(
        Array.from({ length: 9 }, (_, i) => fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: `10000${i}` })),
      );
      expect(more.map((r) => r.status)).toEqual(Array(9).fill(409));
      const limited = await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: "246810" });
      expect(limited.status).toBe(429);
      expect((await reply(limited)).code).toBe("TOO_MANY_ATTEMPTS");
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await sub(s)).fulfilmentStatus).toBe("READY_FOR_PICKUP");
      // counted per sub-order: the other store's pickup is unaffected, and its right code still works
      expect((await fulfil(h, orderNo, { outTradeNo: other, action: "PICKED_UP", pickupCode: "135791" })).status).toBe(200);
      // one counter row per sub-order per window, however many tries
      expect(await h.prisma.rateLimitCounter.count({ where: { key: { startsWith: `pickup-code:${s}` } } })).toBe(1);

      // the next window: the right code is accepted
      const { applyFulfilment } = await import("@/lib/fulfilment/machine");
      const later = await applyFulfilment(
        TEST_OWNER,
        orderNo,
        { outTradeNo: s, action: "PICKED_UP", pickupCode: "246810" },
        new Date(Date.now() + 3600_000),
      );
      expect(later.status).toBe("PICKED_UP");
    });

    it("20 concurrent wrong codes: exactly 10 are evaluated (409), 10 are refused (429)", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "PICKUP", pickupCode: "999999" }] });
      const s = subs[0]!.outTradeNo;
      expect((await fulfil(h, orderNo, { outTradeNo: s, action: "READY_FOR_PICKUP" })).status).toBe(200);
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) => fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: String(100000 + i) })),
      );
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((x) => x === 409)).toHaveLength(10);
      expect(statuses.filter((x) => x === 429)).toHaveLength(10);
      expect((await events(s)).filter((e) => e.action === "PICKUP_CODE_MISMATCH")).toHaveLength(10);
    });

    it("a pickup sub-order without a code gets one when it is made ready (else it could never be confirmed)", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "PICKUP", pickupCode: null }] });
      const s = subs[0]!.outTradeNo;
      expect((await fulfil(h, orderNo, { outTradeNo: s, action: "READY_FOR_PICKUP" })).status).toBe(200);
      const code = (await sub(s)).pickupCode;
      expect(code).toMatch(/^\d{6}$/);
      expect((await fulfil(h, orderNo, { outTradeNo: s, action: "PICKED_UP", pickupCode: code! })).status).toBe(200);
    });
  });

  describe("only paid, not fully refunded sub-orders move", () => {
    it("an unpaid or closed order: 409 ORDER_NOT_PAID for every action, nothing audited", async () => {
      const h = harness();
      for (const status of ["PENDING", "CLOSED"] as const) {
        const { orderNo, subs } = await insertOrder(h, { status, subs: [{ method: "SHIPPING" }, { method: "PICKUP" }] });
        const [s, p] = subs.map((x) => x.outTradeNo) as [string, string];
        for (const [x, body] of [
          [s, SHIP],
          [p, { action: "READY_FOR_PICKUP" }],
        ] as const) {
          const res = await fulfil(h, orderNo, { outTradeNo: x, ...body });
          expect([status, res.status, (await reply(res)).code]).toEqual([status, 409, "ORDER_NOT_PAID"]);
        }
        expect(await h.prisma.fulfilmentEvent.count({ where: { orderNo } })).toBe(0);
      }
    });

    it("a fully refunded sub-order cannot be shipped or handed over (409 SUB_ORDER_REFUNDED); a partly refunded one can", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, {
        subs: [
          { method: "SHIPPING", amountFen: 5000 },
          { method: "PICKUP", amountFen: 3000 },
          { method: "SHIPPING", amountFen: 2000 },
        ],
      });
      const [full, pick, partly] = subs.map((x) => x.outTradeNo) as [string, string, string];
      // how a successful refund marks a sub-order (lib/refunds/ledger.ts): refundedFen raised, trade state REFUND
      await h.prisma.subOrder.update({
        where: { outTradeNo: full },
        data: { refundedFen: 5000, refundReservedFen: 5000, tradeState: "REFUND" },
      });
      await h.prisma.subOrder.update({
        where: { outTradeNo: pick },
        data: { refundedFen: 3000, refundReservedFen: 3000, tradeState: "REFUND" },
      });
      await h.prisma.subOrder.update({
        where: { outTradeNo: partly },
        data: { refundedFen: 500, refundReservedFen: 500, tradeState: "REFUND" },
      });

      const a = await fulfil(h, orderNo, { outTradeNo: full, ...SHIP });
      expect([a.status, (await reply(a)).code]).toEqual([409, "SUB_ORDER_REFUNDED"]);
      const b = await fulfil(h, orderNo, { outTradeNo: pick, action: "READY_FOR_PICKUP" });
      expect([b.status, (await reply(b)).code]).toEqual([409, "SUB_ORDER_REFUNDED"]);
      expect((await fulfil(h, orderNo, { outTradeNo: partly, ...SHIP })).status).toBe(200);
      expect((await sub(full)).fulfilmentStatus).toBe("UNFULFILLED");
    });

    it("refunding a shipped sub-order stays allowed (a return): both show, and it can still be corrected and delivered", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING", amountFen: 4200 }] });
      const s = subs[0]!.outTradeNo;
      expect((await fulfil(h, orderNo, { outTradeNo: s, ...SHIP })).status).toBe(200);
      await h.prisma.subOrder.update({
        where: { outTradeNo: s },
        data: { refundedFen: 4200, refundReservedFen: 4200, tradeState: "REFUND" },
      });
      await h.prisma.order.update({ where: { orderNo }, data: { status: "REFUNDED" } });
      expect(
        (await fulfil(h, orderNo, { outTradeNo: s, action: "UPDATE_TRACKING", carrier: "极兔", trackingNo: "JT0001112223" })).status,
      ).toBe(200);
      const d = await fulfil(h, orderNo, { outTradeNo: s, action: "DELIVERED" });
      expect(d.status).toBe(200);
      const row = await sub(s);
      expect([row.fulfilmentStatus, row.tradeState, row.refundedFen]).toEqual(["DELIVERED", "REFUND", 4200]);
    });

    it("a payment WeChat reports after a local close enters UNFULFILLED like any other and can be shipped", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, {
        status: "CLOSED",
        subs: [{ method: "SHIPPING" }, { method: "PICKUP" }, { method: "NONE" }],
      });
      const rows = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
      const body = notificationBody(JSON.stringify(combineTransaction(orderNo, rows)));
      const res = await h.call("POST", "/api/wechatpay/notify", { body, headers: { ...signedHeaders(body), origin: "" } });
      expect(res.status).toBe(204);
      const order = await h.prisma.order.findUniqueOrThrow({
        where: { orderNo },
        include: { subOrders: { orderBy: { position: "asc" } } },
      });
      expect(order.status).toBe("PAID");
      expect(order.subOrders.map((s) => [s.deliveryMethod, s.tradeState, s.fulfilmentStatus])).toEqual([
        ["SHIPPING", "SUCCESS", "UNFULFILLED"],
        ["PICKUP", "SUCCESS", "UNFULFILLED"],
        ["NONE", "SUCCESS", "FULFILLED"],
      ]);
      expect((await fulfil(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, ...SHIP })).status).toBe(200);
      expect((await fulfil(h, orderNo, { outTradeNo: subs[1]!.outTradeNo, action: "READY_FOR_PICKUP" })).status).toBe(200);
    });
  });

  describe("the request", () => {
    it.each([
      [{ action: "SHIP", carrier: "顺风", trackingNo: "SF1234567890" }, "carrier"],
      [{ action: "SHIP", carrier: "顺丰", trackingNo: "SF 123" }, "trackingNo"],
      [{ action: "SHIP", carrier: "顺丰", trackingNo: "x".repeat(41) }, "trackingNo"],
      [{ action: "SHIP", carrier: "顺丰" }, "trackingNo"],
      [{ action: "UPDATE_TRACKING", trackingNo: "SF1234567890" }, "carrier"],
      [{ action: "PICKED_UP", pickupCode: "12345" }, "pickupCode"],
      [{ action: "PICKED_UP" }, "pickupCode"],
      [{ action: "SEND" }, "action"],
      [{}, "action"],
      // an unknown key is refused like on every admin route (the body as a whole is named)
      [{ action: "DELIVERED", note: "x" }, "body"],
    ])("%j → 400 naming %s", async (body, field) => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const res = await fulfil(h, orderNo, { outTradeNo: subs[0]!.outTradeNo, ...body });
      expect(res.status).toBe(400);
      expect(await reply(res)).toMatchObject({ code: "INVALID_REQUEST", field });
      expect(await h.prisma.fulfilmentEvent.count({ where: { orderNo } })).toBe(0);
    });

    it("a sub-order of another order → 400 outTradeNo; an unknown order → 404; no session → 401; a foreign Origin → 403", async () => {
      const h = harness();
      const a = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const b = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const x = await fulfil(h, a.orderNo, { outTradeNo: b.subs[0]!.outTradeNo, ...SHIP });
      expect([x.status, (await reply(x)).field]).toEqual([400, "outTradeNo"]);
      const y = await fulfil(h, "CNOSUCHORDER000000001", { outTradeNo: "CNOSUCHORDER000000001-1", ...SHIP });
      expect([y.status, (await reply(y)).code]).toEqual([404, "ORDER_NOT_FOUND"]);
      const z = await fulfil(h, a.orderNo, { outTradeNo: a.subs[0]!.outTradeNo, ...SHIP }, { origin: h.appUrl, cookie: "" });
      expect(z.status).toBe(401);
      const w = await fulfil(
        h,
        a.orderNo,
        { outTradeNo: a.subs[0]!.outTradeNo, ...SHIP },
        { ...staffHeaders(h), origin: "https://evil.example" },
      );
      expect(w.status).toBe(403);
      expect((await sub(a.subs[0]!.outTradeNo)).fulfilmentStatus).toBe("UNFULFILLED");
    });
  });

  describe("auto-deliver job", () => {
    it(`marks sub-orders shipped AUTO_DELIVERED_DAYS (10) ago delivered, as job:auto-deliver; younger, unshipped and delivered ones stay`, async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, {
        subs: [{ method: "SHIPPING" }, { method: "SHIPPING" }, { method: "SHIPPING" }, { method: "PICKUP" }],
      });
      const [old, young, unshipped, pickup] = subs.map((x) => x.outTradeNo) as [string, string, string, string];
      expect((await fulfil(h, orderNo, { outTradeNo: old, ...SHIP })).status).toBe(200);
      expect((await fulfil(h, orderNo, { outTradeNo: young, ...SHIP, trackingNo: "SF0000000002" })).status).toBe(200);
      expect((await fulfil(h, orderNo, { outTradeNo: pickup, action: "READY_FOR_PICKUP" })).status).toBe(200);
      const now = Date.now();
      await h.prisma.subOrder.update({ where: { outTradeNo: old }, data: { shippedAt: new Date(now - 10 * 86_400_000 - 60_000) } });
      await h.prisma.subOrder.update({ where: { outTradeNo: young }, data: { shippedAt: new Date(now - 9 * 86_400_000) } });
      await h.prisma.subOrder.update({ where: { outTradeNo: pickup }, data: { readyAt: new Date(now - 30 * 86_400_000) } });

      const { JOBS } = await import("@/lib/jobs/registry");
      const job = JOBS.find((j) => j.name === "auto-deliver")!;
      const run = () =>
        job.run({ now: () => new Date(now), signal: new AbortController().signal, state: undefined, periodMs: job.periodMs });
      const first = await run();
      expect(first.counts).toMatchObject({ delivered: 1 });
      expect((await sub(old)).fulfilmentStatus).toBe("DELIVERED");
      expect((await sub(old)).deliveredAt?.getTime()).toBe(now);
      expect((await events(old)).at(-1)).toMatchObject({
        action: "AUTO_DELIVERED",
        actor: "job:auto-deliver",
        fromStatus: "SHIPPED",
        toStatus: "DELIVERED",
      });
      for (const [x, st] of [
        [young, "SHIPPED"],
        [unshipped, "UNFULFILLED"],
        [pickup, "READY_FOR_PICKUP"],
      ] as const)
        expect((await sub(x)).fulfilmentStatus).toBe(st);
      // a second run changes nothing for this order
      await run();
      expect((await events(old)).filter((e) => e.action === "AUTO_DELIVERED")).toHaveLength(1);
    });

    it("staff and the job racing on one sub-order deliver it once", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }] });
      const s = subs[0]!.outTradeNo;
      expect((await fulfil(h, orderNo, { outTradeNo: s, ...SHIP })).status).toBe(200);
      const now = new Date();
      await h.prisma.subOrder.update({ where: { outTradeNo: s }, data: { shippedAt: new Date(now.getTime() - 11 * 86_400_000) } });
      const { makeMove } = await import("@/lib/fulfilment/machine");
      const results = await Promise.all([
        fulfil(h, orderNo, { outTradeNo: s, action: "DELIVERED" }).then((r) => r.status === 200),
        ...Array.from({ length: 4 }, () =>
          makeMove(s, "AUTO_DELIVERED", { shippedBefore: new Date(now.getTime() - 10 * 86_400_000) }, "job:auto-deliver", now).then(
            (r) => r.ok,
          ),
        ),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await events(s)).filter((e) => e.toStatus === "DELIVERED")).toHaveLength(1);
    });
  });

  describe("bulk shipping by CSV (POST /api/admin/fulfilments/bulk-ship)", () => {
    type BulkReply = {
      code?: string;
      errors?: { line: number; message: string }[];
      errorCount?: number;
      shipped?: { line: number; outTradeNo: string }[];
      unchanged?: { line: number; outTradeNo: string }[];
      failed?: { line: number; outTradeNo: string; code: string }[];
    };
    const bulkReply = async (r: Response) => (await r.json()) as BulkReply;

    it("any bad row: 400 CSV_INVALID listing every bad line, and nothing is shipped", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, {
        subs: [{ method: "SHIPPING" }, { method: "SHIPPING" }, { method: "PICKUP" }, { method: "SHIPPING" }],
      });
      const unpaid = await insertOrder(h, { status: "PENDING", subs: [{ method: "SHIPPING" }] });
      const [a, b, p, c] = subs.map((x) => x.outTradeNo) as [string, string, string, string];
      const csv = [
        "outTradeNo,carrier,trackingNo", // line 1: header
        `${a},顺丰,SF1000000001`, // 2: fine
        `${b},顺风,SF1000000002`, // 3: unknown carrier
        `${p},中通,ZT1000000003`, // 4: a pickup sub-order
        `CNOSUCHSUBORDER00001-1,中通,ZT1000000004`, // 5: unknown sub-order
        `${a},圆通,YT1000000005`, // 6: duplicate of line 2
        `${c},EMS`, // 7: two columns
        `${unpaid.subs[0]!.outTradeNo},EMS,EMS1000000007`, // 8: not paid
        `${c},极兔,JT 1`, // 9: bad tracking number
      ].join("\r\n");
      const res = await bulkShip(h, csv);
      expect(res.status).toBe(400);
      const r = await bulkReply(res);
      expect(r.code).toBe("CSV_INVALID");
      expect(r.errors!.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 9]);
      expect(r.errorCount).toBe(7);
      const messages = r.errors!.map((e) => e.message);
      expect(messages[0]).toContain("carrier");
      expect(messages[1]).toContain("到店自提");
      expect(messages[2]).toContain("不存在");
      expect(messages[3]).toContain("第 2 行重复");
      expect(messages[4]).toContain("3 列");
      expect(messages[5]).toContain("尚未支付");
      expect(messages[6]).toContain("trackingNo");
      expect(await h.prisma.subOrder.count({ where: { orderNo, fulfilmentStatus: "SHIPPED" } })).toBe(0);
      expect(await h.prisma.fulfilmentEvent.count({ where: { orderNo } })).toBe(0);
    });

    it("a good file ships every row (audited); the same file again changes nothing; a shipped row with another number is an error", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }, { method: "SHIPPING" }, { method: "SHIPPING" }] });
      const csv = `outTradeNo,carrier,trackingNo\n${subs.map((s, i) => `${s.outTradeNo},韵达,YD20000000${i}`).join("\n")}\n`;
      const res = await bulkShip(h, csv);
      expect(res.status).toBe(200);
      const r = await bulkReply(res);
      expect(r.shipped!.map((x) => x.line)).toEqual([2, 3, 4]);
      expect([r.unchanged, r.failed]).toEqual([[], []]);
      const rows = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
      expect(rows.map((x) => [x.fulfilmentStatus, x.carrier, x.trackingNo])).toEqual([
        ["SHIPPED", "韵达", "YD200000000"],
        ["SHIPPED", "韵达", "YD200000001"],
        ["SHIPPED", "韵达", "YD200000002"],
      ]);
      const trail = await h.prisma.fulfilmentEvent.findMany({ where: { orderNo } });
      expect(trail.map((e) => e.action)).toEqual(["SHIP", "SHIP", "SHIP"]);
      expect(trail.every((e) => e.actor.startsWith("break-glass:"))).toBe(true);

      const again = await bulkReply(await bulkShip(h, csv));
      expect([again.shipped, again.unchanged!.length, again.failed]).toEqual([[], 3, []]);
      const other = await bulkShip(h, `${subs[0]!.outTradeNo},韵达,YD999999999`);
      expect(other.status).toBe(400);
      expect((await bulkReply(other)).errors).toEqual([{ line: 1, message: expect.stringContaining("已发货") }]);
      expect(await h.prisma.fulfilmentEvent.count({ where: { orderNo } })).toBe(3);
    });

    it("an Excel file saved as GB18030 (no header, a hand-typed 'ems') is read; a non-CSV type is 415; an oversized upload is 413", async () => {
      const h = harness();
      const { subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }, { method: "SHIPPING" }] });
      const shunfeng = Buffer.from([0xcb, 0xb3, 0xb7, 0xe1]); // 顺丰 in GB18030
      const body = Buffer.concat([
        Buffer.from(`${subs[0]!.outTradeNo},`),
        shunfeng,
        Buffer.from(`,SF3000000001\r\n${subs[1]!.outTradeNo},ems,EMS3000000002\r\n`),
      ]);
      const res = await bulkShip(h, body);
      expect(res.status).toBe(200);
      expect((await sub(subs[0]!.outTradeNo)).carrier).toBe("顺丰");
      expect((await sub(subs[1]!.outTradeNo)).carrier).toBe("EMS");
      const json = await h.call("POST", "/api/admin/fulfilments/bulk-ship", { json: { rows: [] }, headers: staffHeaders(h) });
      expect(json.status).toBe(415);
      const big = await bulkShip(h, "x".repeat(200 * 1024));
      expect(big.status).toBe(413);
    });

    it("rows racing staff after the check: each sub-order is shipped exactly once; a lost row is reported, never applied twice", async () => {
      const h = harness();
      const { orderNo, subs } = await insertOrder(h, { subs: [{ method: "SHIPPING" }, { method: "SHIPPING" }] });
      const [a, b] = subs.map((x) => x.outTradeNo) as [string, string];
      const csv = `${a},申通,ST4000000001\n${b},申通,ST4000000002`;
      const answers = await Promise.all([
        ...Array.from({ length: 3 }, () => bulkShip(h, csv)),
        ...Array.from({ length: 3 }, (_, i) =>
          fulfil(h, orderNo, { outTradeNo: a, action: "SHIP", carrier: "京东", trackingNo: `JD500000000${i}` }),
        ),
      ]);
      for (const res of answers.slice(0, 3)) {
        const r = await bulkReply(res);
        // checked before anyone shipped (then shipped, unchanged or lost), or after a click shipped `a` (400)
        if (res.status === 400) expect(r.code).toBe("CSV_INVALID");
        else {
          expect(res.status).toBe(200);
          expect(r.shipped!.length + r.unchanged!.length + r.failed!.length).toBe(2);
          expect(r.failed!.every((f) => f.code === "FULFILMENT_CONFLICT")).toBe(true);
        }
      }
      const ships = await h.prisma.fulfilmentEvent.findMany({ where: { orderNo, action: "SHIP" } });
      expect(ships.filter((e) => e.outTradeNo === a)).toHaveLength(1);
      expect(ships.filter((e) => e.outTradeNo === b).length).toBeLessThanOrEqual(1);
    });
  });

  describe("the back-office queue (/admin/fulfilment)", () => {
    it("待发货: paid, unshipped, not fully refunded SHIPPING sub-orders, oldest payment first, days waiting, contact masked; filterable by store", async () => {
      const h = harness();
      const now = new Date();
      const day = 86_400_000;
      // paid long ago, so they lead the queue whatever other tests left in it
      const older = await insertOrder(h, {
        paidAt: new Date(now.getTime() - 401 * day),
        contactName: "欧阳娜娜",
        contactPhone: "13912345678",
        subs: [
          { method: "SHIPPING", storeId: "mumu" },
          { method: "PICKUP", storeId: "xiangxiang" },
        ],
      });
      const newer = await insertOrder(h, {
        paidAt: new Date(now.getTime() - 400 * day - 3600_000),
        subs: [
          { method: "SHIPPING", storeId: "chayu" },
          { method: "SHIPPING", storeId: "mumu" },
        ],
      });
      const refunded = await insertOrder(h, {
        paidAt: new Date(now.getTime() - 402 * day),
        subs: [{ method: "SHIPPING", storeId: "mumu", amountFen: 900 }],
      });
      await h.prisma.subOrder.update({
        where: { outTradeNo: refunded.subs[0]!.outTradeNo },
        data: { refundedFen: 900, tradeState: "REFUND" },
      });
      const shipped = await insertOrder(h, {
        paidAt: new Date(now.getTime() - 403 * day),
        subs: [{ method: "SHIPPING", storeId: "mumu" }],
      });
      expect((await fulfil(h, shipped.orderNo, { outTradeNo: shipped.subs[0]!.outTradeNo, ...SHIP })).status).toBe(200);
      const unpaid = await insertOrder(h, { status: "PENDING", subs: [{ method: "SHIPPING", storeId: "mumu" }] });

      const { listFulfilmentQueue, parseQueueFilter } = await import("@/lib/fulfilment/queue");
      const mine = new Set([older, newer, refunded, shipped, unpaid].flatMap((o) => o.subs.map((s) => s.outTradeNo)));
      const ship = await listFulfilmentQueue(TEST_OWNER, parseQueueFilter({}), now);
      const rows = ship.rows.filter((r) => mine.has(r.outTradeNo));
      expect(rows.map((r) => r.outTradeNo)).toEqual([older.subs[0]!.outTradeNo, newer.subs[0]!.outTradeNo, newer.subs[1]!.outTradeNo]);
      expect(ship.rows.slice(0, 3)).toEqual(rows); // oldest payment first
      expect(rows[0]).toMatchObject({
        daysWaiting: 401,
        contactName: "欧***",
        contactPhone: "139****5678",
        region: "浙江省 杭州市",
        storeName: "木木文具馆",
      });
      expect(rows[1]!.daysWaiting).toBe(400);
      expect(JSON.stringify(ship.rows)).not.toContain("13912345678");

      const mumu = await listFulfilmentQueue(TEST_OWNER, parseQueueFilter({ store: "mumu" }), now);
      expect(mumu.rows.filter((r) => mine.has(r.outTradeNo)).map((r) => r.outTradeNo)).toEqual([
        older.subs[0]!.outTradeNo,
        newer.subs[1]!.outTradeNo,
      ]);
      expect(mumu.rows.every((r) => r.storeName === "木木文具馆")).toBe(true);

      const pickup = await listFulfilmentQueue(TEST_OWNER, parseQueueFilter({ kind: "pickup" }), now);
      expect(pickup.rows.filter((r) => mine.has(r.outTradeNo)).map((r) => [r.outTradeNo, r.status])).toEqual([
        [older.subs[1]!.outTradeNo, "UNFULFILLED"],
      ]);
      // bad parameters fall back to the defaults
      expect(parseQueueFilter({ kind: "everything", page: "-3", store: "" })).toEqual({ kind: "ship", page: 1, store: undefined });
    });
  });

  describe("export (GET /api/admin/orders/export)", () => {
    const exportCsv = (h: Harness, query: string, headers = staffHeaders(h)) =>
      h.call("GET", `/api/admin/orders/export?${query}`, { headers });
    const at = (beijing: string) => new Date(`${beijing}+08:00`);

    it("one row per paid sub-order of orders paid on the Beijing dates (inclusive): BOM, CRLF, yuan strings, formulas neutralised", async () => {
      const h = harness();
      // 2019: no other test pays orders then
      const before = await insertOrder(h, { paidAt: at("2019-02-28T23:59:59"), subs: [{ method: "SHIPPING" }] });
      const first = await insertOrder(h, {
        paidAt: at("2019-03-01T00:00:00"),
        contactName: "=1+2",
        contactPhone: "13812341234",
        address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: '@SUM(A1) 号,"3" 幢\n101', postalCode: "310012" },
        subs: [
          { method: "SHIPPING", amountFen: 1230 },
          { method: "PICKUP", amountFen: 99 },
          { method: "NONE", amountFen: 100_000 },
        ],
      });
      const last = await insertOrder(h, {
        paidAt: at("2019-03-02T23:59:59"),
        contactName: "\t李四",
        subs: [{ method: "SHIPPING", storeId: "mumu" }],
      });
      const after = await insertOrder(h, { paidAt: at("2019-03-03T00:00:00"), subs: [{ method: "SHIPPING" }] });
      const unpaid = await insertOrder(h, { status: "PENDING", subs: [{ method: "SHIPPING" }] });
      await h.prisma.order.update({ where: { orderNo: unpaid.orderNo }, data: { createdAt: at("2019-03-01T12:00:00") } });
      // shipped with a tracking number a spreadsheet would read as a formula; partly refunded
      const s0 = first.subs[0]!.outTradeNo;
      expect((await fulfil(h, first.orderNo, { outTradeNo: s0, action: "SHIP", carrier: "其他", trackingNo: "-2-3-SUM" })).status).toBe(
        200,
      );
      await h.prisma.subOrder.update({ where: { outTradeNo: s0 }, data: { refundedFen: 230, tradeState: "REFUND" } });

      const res = await exportCsv(h, "from=2019-03-01&to=2019-03-02");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="orders-2019-03-01_2019-03-02.csv"');
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = new TextDecoder().decode(bytes); // strips the BOM
      expect(text.endsWith("\r\n")).toBe(true);
      // every line break outside quotes is CRLF: the only bare LF is inside the quoted address
      expect(
        text
          .replace(/"(?:[^"]|"")*"/g, "")
          .split("\r\n")
          .every((l) => !l.includes("\n")),
      ).toBe(true);
      // Parsed as a spreadsheet would read the bytes (our parseCsv would strip the neutralising apostrophe).
      const records = parseRaw(text, { bom: true }) as string[][];
      expect(records[0]).toEqual([
        "订单号",
        "子单号",
        "店铺",
        "支付时间",
        "金额(元)",
        "已退款(元)",
        "收货人",
        "手机号",
        "收货地址",
        "配送方式",
        "履约状态",
        "快递公司",
        "运单号",
      ]);
      const rows = records.slice(1);
      const nos = rows.map((r) => r[1]);
      // keyset order: by order number, then the store's position
      expect(rows.map((r) => r[0]!)).toEqual(rows.map((r) => r[0]!).sort());
      expect(new Set(nos)).toEqual(new Set([...first.subs.map((x) => x.outTradeNo), last.subs[0]!.outTradeNo]));
      for (const o of [before, after, unpaid]) expect(nos).not.toContain(o.subs[0]!.outTradeNo);

      const byNo = new Map(rows.map((r) => [r[1], r]));
      expect(byNo.get(s0)).toEqual([
        first.orderNo,
        s0,
        "茶语轩茶叶铺",
        "2019-03-01 00:00:00",
        "12.30",
        "2.30",
        "'=1+2",
        "13812341234",
        '浙江省 杭州市 西湖区 @SUM(A1) 号,"3" 幢\n101（310012）',
        "快递配送",
        "已发货",
        "其他",
        "'-2-3-SUM",
      ]);
      expect(byNo.get(first.subs[1]!.outTradeNo)!.slice(4, 13)).toEqual([
        "0.99",
        "0.00",
        "'=1+2",
        "13812341234",
        "",
        "到店自提",
        "待备货",
        "",
        "",
      ]);
      expect(byNo.get(first.subs[2]!.outTradeNo)!.slice(4, 11)).toEqual([
        "1000.00",
        "0.00",
        "'=1+2",
        "13812341234",
        "",
        "无需配送",
        "无需配送",
      ]);
      expect(byNo.get(last.subs[0]!.outTradeNo)!.slice(2, 7)).toEqual([
        "木木文具馆",
        "2019-03-02 23:59:59",
        expect.any(String),
        "0.00",
        "'\t李四",
      ]);
      // the raw text: the neutralised cells really start with an apostrophe, the address is one quoted cell
      expect(text).toContain(",'=1+2,13812341234,");
      expect(text).toContain(',"浙江省 杭州市 西湖区 @SUM(A1) 号,""3"" 幢\n101（310012）",');

      const mumu = parseCsv(await (await exportCsv(h, "from=2019-03-01&to=2019-03-02&storeId=mumu")).text()).slice(1);
      expect(new Set(mumu.map((r) => r.fields[1]))).toEqual(new Set([first.subs[2]!.outTradeNo, last.subs[0]!.outTradeNo]));
    });

    it("keyset pages give the same rows as one page (an order's sub-orders split across pages: none lost or repeated)", async () => {
      const h = harness();
      const orders = [];
      for (let i = 0; i < 7; i++) {
        orders.push(
          await insertOrder(h, { paidAt: at(`2019-04-0${1 + (i % 3)}T12:00:00`), subs: [{ method: "SHIPPING" }, { method: "PICKUP" }] }),
        );
      }
      const { exportCsvStream, ExportQuerySchema } = await import("@/lib/fulfilment/export");
      const q = ExportQuerySchema.parse({ from: "2019-04-01", to: "2019-04-03" });
      const read = (pageOrders: number) => new Response(exportCsvStream(TEST_OWNER, q, pageOrders)).text();
      const whole = await read(500);
      expect(parseCsv(whole)).toHaveLength(1 + 14);
      for (const size of [1, 2, 3]) expect(await read(size)).toBe(whole);
    });

    it.each([
      ["to=2019-03-02", "from"],
      ["from=2019-03-02", "to"],
      ["from=2019-02-30&to=2019-03-02", "from"],
      ["from=2019-03-02&to=2019-03-01", "to"],
      ["from=2019-01-01&to=2020-01-02", "to"],
      ["from=2019-03-01&to=2019-03-02&storeId=NO%20SUCH", "storeId"],
    ])("?%s → 400 naming %s", async (query, field) => {
      const h = harness();
      const res = await exportCsv(h, query);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", field });
    });

    it("needs a session", async () => {
      const h = harness();
      expect((await exportCsv(h, "from=2019-03-01&to=2019-03-02", { cookie: "" })).status).toBe(401);
    });
  });
}
