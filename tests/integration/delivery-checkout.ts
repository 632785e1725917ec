// Contact and delivery at checkout (README "Delivery and fulfilment"), shared by the SQLite suite
// (checkout.test.ts) and the PostgreSQL suite (postgres/delivery-checkout.test.ts): every validation rule
// names its field, a method per store, the shipping fee in the amount WeChat receives, the Idempotency-Key
// covering contact and address, and the snapshot stored with the order.
import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import { checkoutBody, TEST_ADDRESS, TEST_CONTACT, type Harness } from "./harness";
import { admin } from "./stock-races";

const TEA = { sku: "TEA-LJ-50", quantity: 1 }; // 茶语轩 ¥68.00: SHIPPING or PICKUP, free shipping
const BREAD = { sku: "BAK-TS-01", quantity: 1 }; // 香香烘焙 ¥18.80: PICKUP only
const PEN = { sku: "STA-PEN-3", quantity: 1 }; // 木木文具 ¥12.30: SHIPPING, ¥6.00, free from ¥49.00
const LATTE = { sku: "CAF-LATTE-E", quantity: 1 }; // 城南咖啡 ¥22.00: NONE

type Sub = { out_trade_no: string; amount: { total_amount: number } };
/** What the fake WeChat Pay holds for the order: what our prepay sent it. */
async function atWechat(h: Harness, orderNo: string) {
  return (await h.control<{ order: { transaction: { sub_orders: Sub[] } } & Record<string, unknown> }>(`/orders/${orderNo}`)).order;
}

async function created(res: Response): Promise<string> {
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { orderNo: string }).orderNo;
}

const checkoutWith = (h: Harness, json: unknown, headers: Record<string, string> = {}) =>
  h.call("POST", "/api/checkout", { json, headers });

export function deliveryCheckoutTests(harness: () => Harness) {
  const body = checkoutBody([TEA, BREAD, PEN]);
  const without = <K extends keyof typeof body>(k: K) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== k));

  it.each([
    ["no contact", without("contact"), "contact"],
    ["an empty name", { ...body, contact: { ...TEST_CONTACT, name: "  " } }, "contact.name"],
    ["a name of 21 characters", { ...body, contact: { ...TEST_CONTACT, name: "张".repeat(21) } }, "contact.name"],
    ["a phone that is not a mainland mobile", { ...body, contact: { ...TEST_CONTACT, phone: "12812341234" } }, "contact.phone"],
    ["a 10-digit phone", { ...body, contact: { ...TEST_CONTACT, phone: "1381234123" } }, "contact.phone"],
    ["an unknown contact field", { ...body, contact: { ...TEST_CONTACT, email: "a@b.c" } }, "contact"],
    ["no delivery", without("delivery"), "delivery"],
    [
      "an unknown method",
      { ...body, delivery: { ...body.delivery, methods: { ...body.delivery.methods, chayu: "EXPRESS" } } },
      "delivery.methods.chayu",
    ],
    [
      "a store in the cart without a method",
      checkoutBody([TEA, BREAD, PEN], { methods: { mumu: undefined as never } }),
      "delivery.methods.mumu",
    ],
    ["SHIPPING without an address", checkoutBody([TEA, BREAD, PEN], { address: null }), "delivery.address"],
    ["an empty detail", checkoutBody([PEN], { address: { ...TEST_ADDRESS, detail: "" } }), "delivery.address.detail"],
    [
      "a detail of 121 characters",
      checkoutBody([PEN], { address: { ...TEST_ADDRESS, detail: "路".repeat(121) } }),
      "delivery.address.detail",
    ],
    ["a 5-digit postal code", checkoutBody([PEN], { address: { ...TEST_ADDRESS, postalCode: "31001" } }), "delivery.address.postalCode"],
    [
      "a province not in the dataset",
      checkoutBody([PEN], { address: { ...TEST_ADDRESS, province: "火星省" } }),
      "delivery.address.province",
    ],
    ["a city of another province", checkoutBody([PEN], { address: { ...TEST_ADDRESS, city: "苏州市" } }), "delivery.address.city"],
    ["a district of another city", checkoutBody([PEN], { address: { ...TEST_ADDRESS, district: "鼓楼区" } }), "delivery.address.district"],
  ])("400 INVALID_REQUEST naming the field, no order: %s", async (_name, json, field) => {
    const h = harness();
    const before = await h.prisma.order.count();
    const res = await checkoutWith(h, json);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { code: string; field: string; message: string };
    expect(answer).toMatchObject({ code: "INVALID_REQUEST", field, message: expect.any(String) });
    // The answer names the field, never echoes what was typed into it.
    expect(answer.message).not.toMatch(/12812341234|1381234123\b|火星省|苏州市|鼓楼区/);
    expect(await h.prisma.order.count()).toBe(before);
  });

  it("the first bad field is the one named (contact before delivery)", async () => {
    const h = harness();
    const json = checkoutBody([PEN], { contact: { name: "张三", phone: "1" }, address: { ...TEST_ADDRESS, detail: "" } });
    expect(await (await checkoutWith(h, json)).json()).toMatchObject({ field: "contact.phone" });
  });

  it.each([
    ["香香烘焙 does not ship", { xiangxiang: "SHIPPING" as const }, "xiangxiang"],
    ["木木文具 has no pickup", { mumu: "PICKUP" as const }, "mumu"],
    ["茶语轩 has goods to hand over", { chayu: "NONE" as const }, "chayu"],
  ])("a method the store does not offer → 400 DELIVERY_METHOD_UNAVAILABLE naming the store: %s", async (_name, methods, storeId) => {
    const h = harness();
    const before = await h.prisma.order.count();
    const res = await checkoutWith(h, checkoutBody([TEA, BREAD, PEN], { methods }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "DELIVERY_METHOD_UNAVAILABLE", storeId, message: expect.any(String) });
    expect(await h.prisma.order.count()).toBe(before);
  });

  it("a method per store; the shipping fee is part of the store's sub-order amount that WeChat receives", async () => {
    const h = harness();
    const orderNo = await created(await checkoutWith(h, checkoutBody([TEA, BREAD, PEN, LATTE])));
    const subs = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" }, include: { lines: true } });
    expect(subs.map((s) => [s.storeId, s.deliveryMethod, s.shippingFeeFen, s.amountFen])).toEqual([
      ["chayu", "SHIPPING", 0, 6800],
      ["xiangxiang", "PICKUP", 0, 1880],
      ["mumu", "SHIPPING", 600, 1230 + 600],
      ["chengnan", "NONE", 0, 2200],
    ]);
    // The fee is not a product line: the goods lines still add up to the goods.
    expect(subs[2]!.lines.map((l) => l.amountFen)).toEqual([1230]);
    const order = await h.prisma.order.findUniqueOrThrow({ where: { orderNo } });
    expect(order.totalFen).toBe(6800 + 1880 + 1830 + 2200);
    const sent = await atWechat(h, orderNo);
    expect(sent.transaction.sub_orders.map((s) => [s.out_trade_no, s.amount.total_amount])).toEqual(
      subs.map((s) => [s.outTradeNo, s.amountFen]),
    );
    // Contact and address stay with us: nothing of them reaches WeChat.
    expect(JSON.stringify(sent)).not.toMatch(new RegExp(`${TEST_CONTACT.phone}|${TEST_CONTACT.name}|${TEST_ADDRESS.detail}`));
    // The shopper's view shows the fee as its own part of the store's amount.
    const view = (await (await h.call("GET", `/api/orders/${orderNo}`)).json()) as { subOrders: { shippingFeeFen: number }[] };
    expect(view.subOrders.map((s) => s.shippingFeeFen)).toEqual([0, 0, 600, 0]);
  });

  it("free shipping from the threshold on: ¥49.00 of goods ships free, ¥46.50 pays the fee", async () => {
    const h = harness();
    const at = [
      { sku: "STA-NB-A5", quantity: 2 },
      { sku: "STA-NT-SET", quantity: 1 },
      { sku: "STA-ERASER", quantity: 3 },
    ]; // 31.60 + 9.90 + 7.50 = 49.00
    const below = [
      { sku: "STA-NB-A5", quantity: 2 },
      { sku: "STA-NT-SET", quantity: 1 },
      { sku: "STA-ERASER", quantity: 2 },
    ]; // 46.50
    for (const [items, fee, goods] of [
      [at, 0, 4900],
      [below, 600, 4650],
    ] as const) {
      const orderNo = await created(await checkoutWith(h, checkoutBody([TEA, ...items])));
      const mumu = await h.prisma.subOrder.findFirstOrThrow({ where: { orderNo, storeId: "mumu" } });
      expect([mumu.shippingFeeFen, mumu.amountFen]).toEqual([fee, goods + fee]);
      const sent = (await atWechat(h, orderNo)).transaction.sub_orders;
      expect(sent.find((s) => s.out_trade_no === mumu.outTradeNo)!.amount.total_amount).toBe(goods + fee);
    }
  });

  it("stores the snapshot: contact, the address only when something ships, pickup place and a 6-digit code for pickup, NONE fulfilled", async () => {
    const h = harness();
    const orderNo = await created(await checkoutWith(h, checkoutBody([TEA, BREAD, PEN, LATTE], { methods: { chayu: "PICKUP" } })));
    const order = await h.prisma.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: { orderBy: { position: "asc" } } } });
    expect([order.contactName, order.contactPhone]).toEqual([TEST_CONTACT.name, TEST_CONTACT.phone]);
    expect([order.addressProvince, order.addressCity, order.addressDistrict, order.addressDetail, order.addressPostalCode]).toEqual([
      TEST_ADDRESS.province,
      TEST_ADDRESS.city,
      TEST_ADDRESS.district,
      TEST_ADDRESS.detail,
      TEST_ADDRESS.postalCode,
    ]);
    const [chayu, xiangxiang, mumu, chengnan] = order.subOrders;
    for (const s of [chayu!, xiangxiang!]) {
      expect(s.deliveryMethod).toBe("PICKUP");
      expect(s.pickupCode).toMatch(/^\d{6}$/);
      expect(s.fulfilmentStatus).toBe("UNFULFILLED");
    }
    expect(chayu!.pickupAddress).toBe("杭州市西湖区龙井路 18 号 茶语轩门店");
    expect([xiangxiang!.pickupAddress, xiangxiang!.pickupHours]).toEqual(["上海市徐汇区衡山路 66 号 香香烘焙坊", "每天 8:00–20:00"]);
    expect([mumu!.pickupCode, mumu!.pickupAddress, mumu!.fulfilmentStatus]).toEqual([null, null, "UNFULFILLED"]);
    expect([chengnan!.pickupCode, chengnan!.fulfilmentStatus]).toEqual([null, "FULFILLED"]);

    // Nothing shipped: no address is kept, even when the request carried one.
    const pickupOnly = await created(await checkoutWith(h, checkoutBody([TEA, BREAD], { methods: { chayu: "PICKUP" } })));
    const o2 = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: pickupOnly } });
    expect([o2.addressProvince, o2.addressCity, o2.addressDistrict, o2.addressDetail, o2.addressPostalCode]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(o2.contactPhone).toBe(TEST_CONTACT.phone);
  });

  it("pickup codes are random per sub-order", async () => {
    const h = harness();
    const codes = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const orderNo = await created(await checkoutWith(h, checkoutBody([BREAD, PEN])));
      codes.add((await h.prisma.subOrder.findFirstOrThrow({ where: { orderNo, storeId: "xiangxiang" } })).pickupCode!);
    }
    expect(codes.size).toBeGreaterThan(1);
  });

  it("later catalogue edits do not change an order's snapshot (pickup place, fee, amount)", async () => {
    const h = harness();
    const orderNo = await created(await checkoutWith(h, checkoutBody([TEA, BREAD, PEN], { methods: { chayu: "PICKUP" } })));
    const before = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
    const place = { pickupAddress: "杭州市上城区河坊街 1 号", pickupHours: "周末 10:00–16:00" };
    expect((await admin(h, "PATCH", "/api/admin/stores/chayu", place)).status).toBe(200);
    expect((await admin(h, "PATCH", "/api/admin/stores/mumu", { shippingFeeFen: 1200, freeShippingOverFen: null })).status).toBe(200);
    try {
      const after = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
      expect(after.map((s) => [s.pickupAddress, s.pickupHours, s.shippingFeeFen, s.amountFen])).toEqual(
        before.map((s) => [s.pickupAddress, s.pickupHours, s.shippingFeeFen, s.amountFen]),
      );
      expect(after[0]!.pickupAddress).toBe("杭州市西湖区龙井路 18 号 茶语轩门店");
      // A new order takes the new terms.
      const next = await created(await checkoutWith(h, checkoutBody([TEA, PEN])));
      expect((await h.prisma.subOrder.findFirstOrThrow({ where: { orderNo: next, storeId: "mumu" } })).shippingFeeFen).toBe(1200);
    } finally {
      const seeded = { pickupAddress: "杭州市西湖区龙井路 18 号 茶语轩门店", pickupHours: "每天 9:00–18:00" };
      await admin(h, "PATCH", "/api/admin/stores/chayu", seeded);
      await admin(h, "PATCH", "/api/admin/stores/mumu", { shippingFeeFen: 600, freeShippingOverFen: 4900 });
    }
  });

  it("the Idempotency-Key covers contact and delivery: another address or phone → 422, the same request (any key order) → the same order", async () => {
    const h = harness();
    const key = `addr-${randomBytes(6).toString("hex")}`;
    const json = checkoutBody([TEA, PEN]);
    const orderNo = await created(await checkoutWith(h, json, { "idempotency-key": key }));
    const otherAddress = checkoutBody([TEA, PEN], { address: { ...TEST_ADDRESS, detail: "文三路 91 号" } });
    const otherPhone = checkoutBody([TEA, PEN], { contact: { ...TEST_CONTACT, phone: "13912341234" } });
    const otherMethod = checkoutBody([TEA, PEN], { methods: { chayu: "PICKUP" } });
    for (const other of [otherAddress, otherPhone, otherMethod]) {
      const res = await checkoutWith(h, other, { "idempotency-key": key });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    }
    const reordered = {
      ...json,
      delivery: { address: json.delivery.address, methods: Object.fromEntries(Object.entries(json.delivery.methods).reverse()) },
    };
    expect(await created(await checkoutWith(h, reordered, { "idempotency-key": key }))).toBe(orderNo);
    expect(await h.prisma.order.count({ where: { checkoutKey: key } })).toBe(1);
  });
}
