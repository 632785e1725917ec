// 我的订单 (/orders): the orders of this browser, found by the SHA-256 of its buyer cookie (the index
// Order(buyerIdHash, createdAt) serves both the count and the page). Read-only: no row per request, and
// bounded — 20 a page, the newest MY_ORDERS_MAX_PAGE pages.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { fulfilmentLabel, type DeliveryMethod, type FulfilmentStatus } from "@/lib/delivery/model";
import { hashBuyerId } from "./buyer";
import { PAID_TRADE_STATES } from "./view";
import type { OrderStatus } from "./view-types";

export const MY_ORDERS_PAGE_SIZE = 20;
export const MY_ORDERS_MAX_PAGE = 50;

/** ?page= as the page receives it: anything malformed is page 1, anything past the bound the last page. */
export const MyOrdersPageSchema = z.coerce
  .number()
  .int()
  .min(1)
  .catch(1)
  .transform((p) => Math.min(p, MY_ORDERS_MAX_PAGE));

export interface MyOrderRow {
  orderNo: string;
  status: OrderStatus;
  totalFen: number;
  createdAt: string;
  /** One entry per store, in the order of the sub-orders: its name and what the shopper waits for. */
  stores: { name: string; state: string }[];
}

export interface MyOrdersPage {
  total: number;
  page: number;
  pageCount: number;
  orders: MyOrderRow[];
}

/** What a store's part of the order is at, in the shopper's words. */
export function storeStateLabel(
  orderStatus: string,
  s: { tradeState: string; deliveryMethod: string; fulfilmentStatus: string; amountFen: number; refundedFen: number },
): string {
  if (!PAID_TRADE_STATES.includes(s.tradeState)) return orderStatus === "CLOSED" ? "已关闭" : "待支付";
  if (s.refundedFen >= s.amountFen) return "已退款";
  if (s.deliveryMethod === "NONE") return "无需配送";
  return fulfilmentLabel(s.deliveryMethod as DeliveryMethod, s.fulfilmentStatus as FulfilmentStatus);
}

/** This browser's orders, newest first. No buyer cookie: no orders, and no query. */
export async function listBuyerOrders(buyerId: string | undefined, page = 1): Promise<MyOrdersPage> {
  const empty = { total: 0, page: 1, pageCount: 1, orders: [] };
  if (!buyerId) return empty;
  const where = { buyerIdHash: hashBuyerId(buyerId) };
  const total = await prisma.order.count({ where });
  if (total === 0) return empty;
  const pageCount = Math.min(MY_ORDERS_MAX_PAGE, Math.ceil(total / MY_ORDERS_PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = await prisma.order.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { orderNo: "desc" }],
    skip: (current - 1) * MY_ORDERS_PAGE_SIZE,
    take: MY_ORDERS_PAGE_SIZE,
    select: {
      orderNo: true,
      status: true,
      totalFen: true,
      createdAt: true,
      subOrders: {
        orderBy: { position: "asc" },
        select: {
          tradeState: true,
          deliveryMethod: true,
          fulfilmentStatus: true,
          amountFen: true,
          refundedFen: true,
          store: { select: { name: true } },
        },
      },
    },
  });
  return {
    total,
    page: current,
    pageCount,
    orders: rows.map((o) => ({
      orderNo: o.orderNo,
      status: o.status as OrderStatus,
      totalFen: o.totalFen,
      createdAt: o.createdAt.toISOString(),
      stores: o.subOrders.map((s) => ({ name: s.store.name, state: storeStateLabel(o.status, s) })),
    })),
  };
}
