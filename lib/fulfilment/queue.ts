// The back office's 待发货 / 待自提 queue (/admin/fulfilment): paid sub-orders still to hand over, oldest
// payment first, with how many days they have waited. Contact data is masked here (a list is glanced at,
// printed, screenshotted); the order detail and the packing slip show it in full.
import { assertCan, storeWhere, subOrderWhere, type AdminActor } from "@/lib/admin/scope";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { maskName, maskPhone } from "@/lib/delivery/contact";
import { PageParamSchema, pageCountOf } from "@/lib/admin/paging";
import { PAID_TRADE_STATES } from "./model";

export const QUEUE_PAGE_SIZE = 50;

/** ship: 快递 not yet shipped. pickup: 到店自提 not yet prepared, or waiting for the buyer. */
export const QUEUE_KINDS = ["ship", "pickup"] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

const blankToUndef = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const QueueFilterSchema = z.object({
  kind: z.enum(QUEUE_KINDS).catch("ship"),
  store: z.preprocess(blankToUndef, z.string().max(64).optional()).catch(undefined),
  page: PageParamSchema,
});
export type QueueFilter = z.infer<typeof QueueFilterSchema>;

/** A page's search params → a filter; bad values fall back to defaults, never an error page. */
export function parseQueueFilter(sp: Record<string, string | string[] | undefined>): QueueFilter {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return QueueFilterSchema.parse({ kind: first(sp.kind), store: first(sp.store), page: first(sp.page) });
}

function whereOf(who: AdminActor, kind: QueueKind, storeId: string | undefined) {
  return {
    // the caller's stores AND the chosen one: choosing another store shows nothing
    AND: [subOrderWhere(who), storeId ? { storeId } : {}],
    ...(kind === "ship"
      ? { deliveryMethod: "SHIPPING", fulfilmentStatus: "UNFULFILLED" }
      : { deliveryMethod: "PICKUP", fulfilmentStatus: { in: ["UNFULFILLED", "READY_FOR_PICKUP"] } }),
    tradeState: { in: [...PAID_TRADE_STATES] },
    // nothing leaves the store for a fully refunded sub-order (SUB_ORDER_REFUNDED): not work to do
    refundedFen: { lt: prisma.subOrder.fields.amountFen },
  };
}

export interface QueueRow {
  outTradeNo: string;
  orderNo: string;
  storeName: string;
  method: string;
  status: string;
  amountFen: number;
  refundedFen: number;
  items: string;
  paidAt: string | null;
  daysWaiting: number;
  contactName: string;
  contactPhone: string;
  /** province and city only (the list is not where a parcel is addressed) */
  region: string;
}

export async function listFulfilmentQueue(who: AdminActor, f: QueueFilter, now = new Date()) {
  assertCan(who, "fulfilment");
  const where = whereOf(who, f.kind, f.store);
  const [total, shipCount, pickupCount, stores, subs] = await Promise.all([
    prisma.subOrder.count({ where }),
    prisma.subOrder.count({ where: whereOf(who, "ship", f.store) }),
    prisma.subOrder.count({ where: whereOf(who, "pickup", f.store) }),
    prisma.store.findMany({ where: storeWhere(who), orderBy: { name: "asc" }, select: { id: true, name: true } }),
    prisma.subOrder.findMany({
      where,
      orderBy: [{ order: { paidAt: "asc" } }, { outTradeNo: "asc" }],
      skip: (f.page - 1) * QUEUE_PAGE_SIZE,
      take: QUEUE_PAGE_SIZE,
      select: {
        outTradeNo: true,
        orderNo: true,
        amountFen: true,
        refundedFen: true,
        deliveryMethod: true,
        fulfilmentStatus: true,
        successTime: true,
        store: { select: { name: true } },
        lines: { orderBy: { id: "asc" }, select: { name: true, quantity: true } },
        order: { select: { paidAt: true, contactName: true, contactPhone: true, addressProvince: true, addressCity: true } },
      },
    }),
  ]);
  const rows: QueueRow[] = subs.map((s) => {
    const paidAt = s.order.paidAt ?? s.successTime;
    return {
      outTradeNo: s.outTradeNo,
      orderNo: s.orderNo,
      storeName: s.store.name,
      method: s.deliveryMethod,
      status: s.fulfilmentStatus,
      amountFen: s.amountFen,
      refundedFen: s.refundedFen,
      items: s.lines.map((l) => `${l.name} × ${l.quantity}`).join("，"),
      paidAt: paidAt?.toISOString() ?? null,
      daysWaiting: paidAt ? Math.max(0, Math.floor((now.getTime() - paidAt.getTime()) / 86_400_000)) : 0,
      contactName: s.order.contactName ? maskName(s.order.contactName) : "",
      contactPhone: s.order.contactPhone ? maskPhone(s.order.contactPhone) : "",
      region: [s.order.addressProvince, s.order.addressCity].filter(Boolean).join(" "),
    };
  });
  return {
    total,
    page: f.page,
    pageCount: pageCountOf(total, QUEUE_PAGE_SIZE),
    counts: { ship: shipCount, pickup: pickupCount },
    stores,
    rows,
  };
}
