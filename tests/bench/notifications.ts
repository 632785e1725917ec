// Pre-creates pending orders exactly as POST /api/checkout stores them (partner mode, one sub-order
// per store, one line each, test identity, the test contact and address, each store's seeded method and
// fee) and builds one valid, distinct, signed + encrypted
// TRANSACTION.SUCCESS notification per order with plain node:crypto (tests/support/notification-signer).
import { createPrivateKey, createSign, randomBytes, randomInt, randomUUID } from "node:crypto";
import fs from "node:fs";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { newCombineOrderNo, subOrderNo } from "@/lib/orders/order-numbers";
import { shippingFeeFor } from "@/lib/delivery/model";
import { SEEDED_METHODS, TEST_ADDRESS, TEST_CONTACT } from "../support/checkout-body";
import { combineTransaction, encryptResource } from "../support/notification-signer";
import { testKeyFiles, testKeys } from "../support/test-identity";

// Two stores, like a typical multi-store cart; the same products every time.
const CART = [
  { sku: "TEA-LJ-50", quantity: 1 },
  { sku: "BAK-TS-01", quantity: 2 },
];

export interface BenchOrder {
  orderNo: string;
  subs: { outTradeNo: string; mchid: string; subMchid: string | null; amountFen: number }[];
}

/** Inserts `count` PENDING orders in three bulk statements (orders, sub-orders, lines). */
export async function createOrders(prisma: PrismaClient, count: number): Promise<BenchOrder[]> {
  const products = await prisma.product.findMany({ where: { sku: { in: CART.map((c) => c.sku) } }, include: { store: true } });
  if (products.length !== CART.length) throw new Error("bench: the seeded catalogue lacks the cart's products (did the seed run?)");
  const now = new Date();
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + 30 * 60_000);
  const orders: BenchOrder[] = [];
  const orderRows = [];
  const subRows = [];
  const lineRows = [];
  for (let i = 0; i < count; i++) {
    const orderNo = newCombineOrderNo(now);
    const subs = CART.map((item, idx) => {
      const p = products.find((x) => x.sku === item.sku)!;
      const deliveryMethod = SEEDED_METHODS[p.storeId]!;
      const shippingFeeFen = shippingFeeFor(deliveryMethod, p.store, p.priceFen * item.quantity);
      const pickup = deliveryMethod === "PICKUP";
      return {
        outTradeNo: subOrderNo(orderNo, idx + 1),
        storeId: p.storeId,
        position: idx + 1,
        mchid: testKeys.combineMchid,
        subMchid: p.store.subMchid,
        amountFen: p.priceFen * item.quantity + shippingFeeFen,
        description: `${p.store.name}-${p.name}`,
        attach: `store:${p.storeId}`,
        deliveryMethod,
        shippingFeeFen,
        fulfilmentStatus: deliveryMethod === "NONE" ? "FULFILLED" : "UNFULFILLED",
        pickupAddress: pickup ? p.store.pickupAddress : null,
        pickupHours: pickup ? p.store.pickupHours : null,
        pickupCode: pickup ? String(randomInt(0, 1_000_000)).padStart(6, "0") : null,
        line: { sku: p.sku, name: p.name, unitPriceFen: p.priceFen, quantity: item.quantity, amountFen: p.priceFen * item.quantity },
      };
    });
    orderRows.push({
      orderNo,
      mode: "partner",
      combineMchid: testKeys.combineMchid,
      combineAppid: testKeys.combineAppid,
      totalFen: subs.reduce((s, o) => s + o.amountFen, 0),
      payerIp: "127.0.0.1",
      expiresAt,
      prepayState: "OK",
      contactName: TEST_CONTACT.name,
      contactPhone: TEST_CONTACT.phone,
      addressProvince: TEST_ADDRESS.province,
      addressCity: TEST_ADDRESS.city,
      addressDistrict: TEST_ADDRESS.district,
      addressDetail: TEST_ADDRESS.detail,
      addressPostalCode: TEST_ADDRESS.postalCode ?? null,
    });
    for (const { line, ...s } of subs) {
      subRows.push({ ...s, orderNo });
      lineRows.push({ ...line, outTradeNo: s.outTradeNo });
    }
    orders.push({
      orderNo,
      subs: subs.map((s) => ({ outTradeNo: s.outTradeNo, mchid: s.mchid, subMchid: s.subMchid, amountFen: s.amountFen })),
    });
  }
  for (let i = 0; i < orderRows.length; i += 500) {
    await prisma.$transaction([
      prisma.order.createMany({ data: orderRows.slice(i, i + 500) }),
      prisma.subOrder.createMany({ data: subRows.slice(i * 2, (i + 500) * 2) }),
      prisma.orderLine.createMany({ data: lineRows.slice(i * 2, (i + 500) * 2) }),
    ]);
  }
  return orders;
}

const signingKey = createPrivateKey(fs.readFileSync(testKeyFiles.wechatpayPrivateKey, "utf8"));
let txCounter = 0;

export interface SignedNotification {
  orderNo: string;
  body: string;
  headers: Record<string, string>;
}

/** One TRANSACTION.SUCCESS notification for the order, signed now (valid for WeChat's 5-minute window). */
export function signedNotification(order: BenchOrder): SignedNotification {
  const plain = combineTransaction(order.orderNo, order.subs);
  // transaction_id is UNIQUE in our schema: give every sub-order payment its own.
  for (const s of plain.sub_orders) s.transaction_id = `4200001234${String(Date.now()).slice(-8)}${String(++txCounter).padStart(10, "0")}`;
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: "2026-11-27T15:04:06+08:00",
    resource_type: "encrypt-resource",
    event_type: "TRANSACTION.SUCCESS",
    summary: "支付成功",
    resource: encryptResource(JSON.stringify(plain)),
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const signature = createSign("RSA-SHA256").update(`${ts}\n${nonce}\n${body}\n`).sign(signingKey, "base64");
  return {
    orderNo: order.orderNo,
    body,
    headers: {
      "content-type": "application/json",
      "wechatpay-timestamp": ts,
      "wechatpay-nonce": nonce,
      "wechatpay-signature": signature,
      "wechatpay-serial": testKeys.wechatpayPublicKeyId,
      "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
    },
  };
}

/** Every order applied exactly once: status PAID and exactly one APPLIED notification event. */
export async function checkAppliedOnce(
  prisma: PrismaClient,
  orderNos: string[],
): Promise<{ notPaid: number; doubleApplied: number; neverApplied: number }> {
  let notPaid = 0;
  let doubleApplied = 0;
  let neverApplied = 0;
  for (let i = 0; i < orderNos.length; i += 500) {
    const chunk = orderNos.slice(i, i + 500);
    const paid = await prisma.order.count({ where: { orderNo: { in: chunk }, status: "PAID" } });
    notPaid += chunk.length - paid;
    const applied = await prisma.paymentEvent.groupBy({
      by: ["orderNo"],
      where: { orderNo: { in: chunk }, outcome: "APPLIED" },
      _count: { _all: true },
    });
    const counts = new Map(applied.map((a) => [a.orderNo, a._count._all]));
    for (const no of chunk) {
      const n = counts.get(no) ?? 0;
      if (n === 0) neverApplied++;
      if (n > 1) doubleApplied++;
    }
  }
  return { notPaid, doubleApplied, neverApplied };
}
