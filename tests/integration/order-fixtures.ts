// Orders inserted straight into the database, with the contact, delivery and fulfilment columns set as
// checkout and staff would leave them — independent of the checkout body (which the delivery work
// changes). Payment still goes through the real path: a signed notification to our notify route.
import { randomBytes } from "node:crypto";
import type { DeliveryMethod, FulfilmentStatus } from "@/lib/delivery/model";
import { newCombineOrderNo, subOrderNo } from "@/lib/orders/order-numbers";
import type { Harness } from "./harness";
import { deliver } from "./payment-races";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { testKeys } from "../support/test-identity";

type Db = Harness["prisma"];

/** The seeded stores (prisma/catalogue.json) with one product each. */
export const FIXTURE_STORES = {
  chayu: { subMchid: "1900000201", sku: "TEA-LJ-50", name: "明前西湖龙井 50g", priceFen: 6800 },
  xiangxiang: { subMchid: "1900000202", sku: "BAK-TS-01", name: "抹茶红豆吐司", priceFen: 1880 },
  mumu: { subMchid: "1900000203", sku: "STA-PEN-3", name: "樱花中性笔（3支装）", priceFen: 1230 },
} as const;
export type FixtureStore = keyof typeof FIXTURE_STORES;

/** A store of the test's own (freshStore), so what one test does to a store never reaches another. */
export interface StoreRef {
  id: string;
  storeName: string;
  subMchid: string;
  sku: string;
  /** the product's */
  name: string;
  priceFen: number;
}

/** A new store with one product (and a webhook when given): ids and merchant numbers are random. */
export async function freshStore(db: Db, o: { notifyWebhookUrl?: string | null; name?: string } = {}): Promise<StoreRef> {
  const id = `t-${randomBytes(5).toString("hex")}`;
  const subMchid = String(1_000_000_000 + (randomBytes(4).readUInt32BE(0) % 999_999_999)).slice(0, 10);
  const storeName = o.name ?? `测试店铺${id.slice(2, 6)}`;
  const sku = `SKU-${id}`;
  await db.store.create({ data: { id, name: storeName, subMchid, notifyWebhookUrl: o.notifyWebhookUrl ?? null } });
  await db.product.create({ data: { sku, name: "测试商品", priceFen: 990, storeId: id } });
  return { id, storeName, subMchid, sku, name: "测试商品", priceFen: 990 };
}

export interface FixtureSub {
  store: FixtureStore | StoreRef;
  quantity?: number;
  method?: DeliveryMethod;
  fulfilmentStatus?: FulfilmentStatus;
  carrier?: string;
  trackingNo?: string;
  shippedAt?: Date;
  deliveredAt?: Date;
  pickedUpAt?: Date;
  pickupCode?: string;
  pickupAddress?: string;
  pickupHours?: string;
  /** default: SUCCESS when the order is PAID, NOTPAY otherwise */
  tradeState?: string;
  refundedFen?: number;
}

export interface FixtureOrder {
  /** the browser's buyer id (its cookie value); null = an order without buyer binding */
  buyerId?: string | null;
  status?: "PENDING" | "PAID" | "CLOSED" | "REFUNDED";
  contact?: { name: string; phone: string } | null;
  address?: { province: string; city: string; district: string; detail: string; postalCode?: string } | null;
  subs?: FixtureSub[];
  createdAt?: Date;
  paidAt?: Date;
  closedAt?: Date;
}

export const DEFAULT_CONTACT = { name: "张三", phone: "13812341234" };
export const DEFAULT_ADDRESS = {
  province: "浙江省",
  city: "杭州市",
  district: "滨江区",
  detail: "江南大道 100 号 2 幢 301",
  postalCode: "310012",
};

/** A well-formed buyer id, as checkout puts in the buyer_id cookie. */
export const newBuyerId = () => randomBytes(32).toString("base64url");
export const buyerCookie = (id: string) => `buyer_id=${id}`;

export async function insertOrder(db: Db, o: FixtureOrder = {}) {
  // Imported here, not at the top: lib/db must first see the harness's DATABASE_URL.
  const hashBuyerId = o.buyerId ? (await import("@/lib/orders/buyer")).hashBuyerId : () => null;
  const createdAt = o.createdAt ?? new Date();
  const orderNo = newCombineOrderNo(createdAt);
  const status = o.status ?? "PENDING";
  const paid = status === "PAID" || status === "REFUNDED";
  const subs = (o.subs ?? [{ store: "chayu", method: "SHIPPING" }]).map((s, i) => {
    const st = typeof s.store === "string" ? FIXTURE_STORES[s.store] : s.store;
    const storeId = typeof s.store === "string" ? s.store : s.store.id;
    const quantity = s.quantity ?? 1;
    return {
      outTradeNo: subOrderNo(orderNo, i + 1),
      storeId,
      position: i + 1,
      mchid: testKeys.combineMchid,
      subMchid: st.subMchid,
      amountFen: st.priceFen * quantity,
      description: `${storeId}-${st.name}`,
      attach: `store:${storeId}`,
      tradeState: s.tradeState ?? (paid ? "SUCCESS" : "NOTPAY"),
      deliveryMethod: s.method ?? "NONE",
      fulfilmentStatus: s.fulfilmentStatus ?? (s.method === "NONE" || s.method === undefined ? "FULFILLED" : "UNFULFILLED"),
      carrier: s.carrier ?? null,
      trackingNo: s.trackingNo ?? null,
      shippedAt: s.shippedAt ?? null,
      deliveredAt: s.deliveredAt ?? null,
      pickedUpAt: s.pickedUpAt ?? null,
      pickupCode: s.pickupCode ?? (s.method === "PICKUP" ? String(100000 + (randomBytes(3).readUIntBE(0, 3) % 900000)) : null),
      pickupAddress: s.pickupAddress ?? (s.method === "PICKUP" ? "杭州市西湖区龙井路 1 号" : null),
      pickupHours: s.pickupHours ?? (s.method === "PICKUP" ? "每天 9:00–18:00" : null),
      refundedFen: s.refundedFen ?? 0,
      refundReservedFen: s.refundedFen ?? 0,
      lines: { create: [{ sku: st.sku, name: st.name, unitPriceFen: st.priceFen, quantity, amountFen: st.priceFen * quantity }] },
    };
  });
  const contact = o.contact === undefined ? DEFAULT_CONTACT : o.contact;
  const address = o.address === undefined ? DEFAULT_ADDRESS : o.address;
  await db.order.create({
    data: {
      orderNo,
      status,
      mode: "partner",
      combineMchid: testKeys.combineMchid,
      combineAppid: testKeys.combineAppid,
      totalFen: subs.reduce((n, s) => n + s.amountFen, 0),
      payerIp: "127.0.0.1",
      expiresAt: new Date(createdAt.getTime() + 3600_000),
      prepayState: "SENT",
      createdAt,
      paidAt: o.paidAt ?? (paid ? createdAt : null),
      closedAt: o.closedAt ?? (status === "CLOSED" ? createdAt : null),
      buyerIdHash: o.buyerId ? hashBuyerId(o.buyerId) : null,
      contactName: contact?.name ?? null,
      contactPhone: contact?.phone ?? null,
      addressProvince: address?.province ?? null,
      addressCity: address?.city ?? null,
      addressDistrict: address?.district ?? null,
      addressDetail: address?.detail ?? null,
      addressPostalCode: address?.postalCode ?? null,
      subOrders: { create: subs },
    },
  });
  return { orderNo, subs: subs.map(({ outTradeNo, mchid, subMchid, amountFen }) => ({ outTradeNo, mchid, subMchid, amountFen })) };
}

/** WeChat's TRANSACTION.SUCCESS for the order, delivered `times` times at once (one body: the same notification redelivered). */
export async function payByNotification(h: Harness, order: Awaited<ReturnType<typeof insertOrder>>, times = 1) {
  const body = notificationBody(JSON.stringify(combineTransaction(order.orderNo, order.subs)));
  const headers = signedHeaders(body);
  const replies = await Promise.all(Array.from({ length: times }, () => deliver(h, body, headers)));
  return replies.map((r) => r.status);
}
