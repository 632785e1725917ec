// Personal-data retention (housekeeping), shared by the SQLite suite (retention.test.ts) and the PostgreSQL
// suite (postgres/retention.test.ts).
import { expect, it } from "vitest";
import type { Harness } from "./harness";
import { insertOrder, type FixtureOrder } from "./order-fixtures";

const DAY = 86_400_000;

export function retentionTests(harness: () => Harness) {
  const ago = (days: number) => new Date(Date.now() - days * DAY);
  const personal = (orderNo: string) =>
    harness().prisma.order.findUniqueOrThrow({
      where: { orderNo },
      select: {
        contactName: true,
        contactPhone: true,
        addressProvince: true,
        addressCity: true,
        addressDistrict: true,
        addressDetail: true,
        addressPostalCode: true,
        piiPurgedAt: true,
      },
    });
  const snapshot = async (orderNo: string) => {
    const db = harness().prisma;
    const o = await db.order.findUniqueOrThrow({
      where: { orderNo },
      select: {
        status: true,
        totalFen: true,
        paidAt: true,
        closedAt: true,
        subOrders: { select: { amountFen: true, refundedFen: true, tradeState: true, fulfilmentStatus: true, transactionId: true } },
      },
    });
    return { o, events: await db.paymentEvent.count({ where: { orderNo } }), refunds: await db.refund.count({ where: { orderNo } }) };
  };

  it("blanks contact and address of orders fulfilled or closed longer ago than PII_RETENTION_DAYS; keeps recent and unfinished ones and every amount", async () => {
    const db = harness().prisma;
    const old = { createdAt: ago(400) };
    const cases: [string, FixtureOrder, boolean][] = [
      ["closed long ago", { ...old, status: "CLOSED", closedAt: ago(399) }, true],
      ["closed recently", { createdAt: ago(20), status: "CLOSED", closedAt: ago(19) }, false],
      [
        "delivered long ago (and a NONE store)",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [
            { store: "chayu", method: "SHIPPING", fulfilmentStatus: "DELIVERED", deliveredAt: ago(380) },
            { store: "mumu", method: "NONE" },
          ],
        },
        true,
      ],
      [
        "picked up long ago",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [{ store: "xiangxiang", method: "PICKUP", fulfilmentStatus: "PICKED_UP", pickedUpAt: ago(370) }],
        },
        true,
      ],
      [
        "fully refunded long ago, never shipped",
        {
          ...old,
          status: "REFUNDED",
          paidAt: ago(399),
          subs: [{ store: "chayu", method: "SHIPPING", refundedFen: 6800, tradeState: "REFUND" }],
        },
        true,
      ],
      [
        "paid long ago, delivered 100 days ago",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [{ store: "chayu", method: "SHIPPING", fulfilmentStatus: "DELIVERED", deliveredAt: ago(100) }],
        },
        false,
      ],
      [
        "paid long ago, one store still shipping",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [
            { store: "chayu", method: "SHIPPING", fulfilmentStatus: "SHIPPED", shippedAt: ago(398) },
            { store: "mumu", method: "NONE" },
          ],
        },
        false,
      ],
      [
        "paid long ago, waiting for pickup",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [{ store: "xiangxiang", method: "PICKUP", fulfilmentStatus: "READY_FOR_PICKUP" }],
        },
        false,
      ],
      [
        "paid long ago, partly refunded, never shipped",
        {
          ...old,
          status: "PAID",
          paidAt: ago(399),
          subs: [{ store: "chayu", method: "SHIPPING", refundedFen: 100, tradeState: "REFUND" }],
        },
        false,
      ],
      [
        "paid recently, nothing to deliver",
        { createdAt: ago(5), status: "PAID", paidAt: ago(5), subs: [{ store: "mumu", method: "NONE" }] },
        false,
      ],
    ];
    const orders: { name: string; orderNo: string; purge: boolean; before: Awaited<ReturnType<typeof snapshot>> }[] = [];
    for (const [name, fixture, purge] of cases) {
      const { orderNo } = await insertOrder(db, fixture);
      if (fixture.status === "REFUNDED" || name.includes("refunded"))
        await db.subOrder.updateMany({ where: { orderNo }, data: { lastRefundAt: ago(390) } });
      orders.push({ name, orderNo, purge, before: await snapshot(orderNo) });
    }

    const { purgeExpiredPersonalData } = await import("@/lib/orders/retention");
    const now = new Date();
    expect(await purgeExpiredPersonalData(now, { retentionDays: 365 })).toBeGreaterThanOrEqual(orders.filter((o) => o.purge).length);
    for (const o of orders) {
      const p = await personal(o.orderNo);
      if (o.purge) {
        expect([o.name, p]).toEqual([
          o.name,
          {
            contactName: null,
            contactPhone: null,
            addressProvince: null,
            addressCity: null,
            addressDistrict: null,
            addressDetail: null,
            addressPostalCode: null,
            piiPurgedAt: now,
          },
        ]);
      } else {
        expect([o.name, p.contactName, p.contactPhone, p.addressDetail, p.piiPurgedAt]).toEqual([
          o.name,
          "张三",
          "13812341234",
          "江南大道 100 号 2 幢 301",
          null,
        ]);
      }
      // amounts, states, refunds and audit rows are never touched
      expect([o.name, await snapshot(o.orderNo)]).toEqual([o.name, o.before]);
    }
    // Done once: a second run finds none of them again.
    await purgeExpiredPersonalData(new Date(now.getTime() + 1000), { retentionDays: 365 });
    for (const o of orders.filter((x) => x.purge)) expect((await personal(o.orderNo)).piiPurgedAt).toEqual(now);
  });

  it("works in bounded batches: a backlog is worked off over several runs, oldest first", async () => {
    const db = harness().prisma;
    const { purgeExpiredPersonalData } = await import("@/lib/orders/retention");
    const orders: string[] = [];
    for (let i = 0; i < 8; i++)
      orders.push((await insertOrder(db, { createdAt: ago(900 - i), status: "CLOSED", closedAt: ago(899 - i) })).orderNo);
    const purgedOf = async () =>
      (await db.order.findMany({ where: { orderNo: { in: orders }, piiPurgedAt: { not: null } }, select: { orderNo: true } }))
        .map((o) => o.orderNo)
        .sort();

    expect(await purgeExpiredPersonalData(new Date(), { retentionDays: 365, batchSize: 3, maxBatches: 2 })).toBe(6);
    expect(await purgedOf()).toEqual(orders.slice(0, 6).sort());
    expect(await purgeExpiredPersonalData(new Date(), { retentionDays: 365, batchSize: 3, maxBatches: 2 })).toBe(2);
    expect(await purgedOf()).toEqual([...orders].sort());
  });

  it("runs as housekeeping's personalData pruner with PII_RETENTION_DAYS", async () => {
    const db = harness().prisma;
    const { PRUNERS } = await import("@/lib/jobs/housekeeping");
    const { orderNo } = await insertOrder(db, { createdAt: ago(1000), status: "CLOSED", closedAt: ago(999) });
    const pruner = PRUNERS.find((p) => p.name === "personalData")!;
    expect(await pruner.prune({ now: new Date() })).toBeGreaterThanOrEqual(1);
    expect((await personal(orderNo)).contactPhone).toBeNull();
  });
}
