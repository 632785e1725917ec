// Shared by the fulfilment suites (SQLite and PostgreSQL): orders inserted straight into the database with
// their delivery methods, contact and address — independent of the checkout body, which other work changes —
// and the admin calls of the fulfilment API.
import { randomBytes } from "node:crypto";
import { createSessionValue, SESSION_COOKIE } from "@/lib/admin/session";
import type { Harness } from "./harness";
import { testKeys } from "../support/test-identity";

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef"; // testAppEnv's

/** A signed-in staff member's headers (our Origin, a session cookie whose nonce names the actor). */
export function staffHeaders(h: Harness): Record<string, string> {
  return { cookie: `${SESSION_COOKIE}=${createSessionValue(ADMIN_TOKEN)}`, origin: h.appUrl };
}

export type Method = "SHIPPING" | "PICKUP" | "NONE";

export interface FixtureSub {
  storeId?: "chayu" | "xiangxiang" | "mumu";
  method: Method;
  amountFen?: number;
  pickupCode?: string | null;
}

export interface FixtureOrder {
  /** default PAID: sub-orders SUCCESS with a transaction id */
  status?: "PAID" | "PENDING" | "CLOSED";
  subs: FixtureSub[];
  paidAt?: Date;
  contactName?: string;
  contactPhone?: string;
  address?: { province: string; city: string; district: string; detail: string; postalCode?: string } | null;
}

const STORE_MCHIDS = Object.fromEntries(testKeys.subMerchants.map((s) => [s.storeId, s]));
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function orderNo(): string {
  let s = "";
  for (const b of randomBytes(11)) s += ALPHABET[b % 32];
  return `CF${s}`;
}

let txSeq = 0;

/**
 * Inserts an order as checkout + payment would leave it: one sub-order per entry, with delivery method,
 * pickup code (PICKUP), fulfilment FULFILLED for NONE, one order line each. Returns numbers.
 */
export async function insertOrder(h: Harness, o: FixtureOrder) {
  const no = orderNo();
  const status = o.status ?? "PAID";
  const paid = status === "PAID";
  const paidAt = paid ? (o.paidAt ?? new Date()) : null;
  const stores = ["chayu", "xiangxiang", "mumu"] as const;
  const subs = await Promise.all(
    o.subs.map(async (s, i) => {
      const storeId = s.storeId ?? stores[i % 3]!;
      const product = await h.prisma.product.findFirstOrThrow({ where: { storeId }, orderBy: { sku: "asc" } });
      const amountFen = s.amountFen ?? product.priceFen;
      const m = STORE_MCHIDS[storeId]!;
      return {
        outTradeNo: `${no}-${i + 1}`,
        storeId,
        position: i + 1,
        mchid: testKeys.combineMchid,
        subMchid: m.subMchid,
        amountFen,
        description: `${product.name}`,
        attach: `store:${storeId}`,
        tradeState: paid ? "SUCCESS" : status === "CLOSED" ? "CLOSED" : "NOTPAY",
        transactionId: paid ? `4200009${Date.now() % 1e9}${String(++txSeq).padStart(6, "0")}${i}` : null,
        successTime: paidAt,
        deliveryMethod: s.method,
        // the checkout marks NONE fulfilled when it creates the sub-order (it means something once paid)
        fulfilmentStatus: s.method === "NONE" ? "FULFILLED" : "UNFULFILLED",
        pickupCode: s.method === "PICKUP" ? (s.pickupCode === undefined ? "123456" : s.pickupCode) : null,
        pickupAddress: s.method === "PICKUP" ? "杭州市西湖区龙井路 1 号" : null,
        pickupHours: s.method === "PICKUP" ? "每天 9:00–18:00" : null,
        lines: { create: [{ sku: product.sku, name: product.name, unitPriceFen: amountFen, quantity: 1, amountFen }] },
      };
    }),
  );
  const address = o.address === undefined && o.subs.some((s) => s.method === "SHIPPING") ? DEFAULT_ADDRESS : (o.address ?? null);
  await h.prisma.order.create({
    data: {
      orderNo: no,
      status,
      mode: "partner",
      combineMchid: testKeys.combineMchid,
      combineAppid: testKeys.combineAppid,
      totalFen: subs.reduce((a, s) => a + s.amountFen, 0),
      payerIp: "127.0.0.1",
      expiresAt: new Date(Date.now() + 15 * 60_000),
      prepayState: "SENT",
      paidAt,
      closedAt: status === "CLOSED" ? new Date() : null,
      closeReason: status === "CLOSED" ? "MERCHANT" : null,
      contactName: o.contactName ?? "张三",
      contactPhone: o.contactPhone ?? "13812341234",
      addressProvince: address?.province ?? null,
      addressCity: address?.city ?? null,
      addressDistrict: address?.district ?? null,
      addressDetail: address?.detail ?? null,
      addressPostalCode: address?.postalCode ?? null,
      subOrders: { create: subs },
    },
  });
  return { orderNo: no, subs: subs.map((s) => ({ outTradeNo: s.outTradeNo, storeId: s.storeId, amountFen: s.amountFen })) };
}

export const DEFAULT_ADDRESS = {
  province: "浙江省",
  city: "杭州市",
  district: "西湖区",
  detail: "文三路 90 号 1 幢 101 室",
  postalCode: "310012",
};

/** POST /api/admin/orders/{orderNo}/fulfilments as signed-in staff. */
export function fulfil(h: Harness, orderNo: string, body: unknown, headers: Record<string, string> = staffHeaders(h)) {
  return h.call("POST", `/api/admin/orders/${orderNo}/fulfilments`, { json: body, headers });
}

export type FulfilReply = {
  code?: string;
  message?: string;
  field?: string;
  fulfilment?: {
    method: string;
    status: string;
    carrier?: string;
    trackingNo?: string;
    shippedAt?: string;
    deliveredAt?: string;
    pickedUpAt?: string;
  };
};
export const reply = async (r: Response) => (await r.json()) as FulfilReply;

/** POST /api/admin/fulfilments/bulk-ship with a CSV body. */
export function bulkShip(h: Harness, csv: string | Buffer) {
  return h.call("POST", "/api/admin/fulfilments/bulk-ship", {
    body: typeof csv === "string" ? csv : new Uint8Array(csv),
    headers: { ...staffHeaders(h), "content-type": "text/csv" },
  });
}
