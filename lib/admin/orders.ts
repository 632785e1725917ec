// Back-office order queries (read-only). Dates are Beijing calendar days, like everything the
// merchant sees; the search box takes an order number, a sub out_trade_no or a transaction id.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { BillDateSchema, beijingDayRange } from "@/lib/time/beijing";
import { AppError } from "@/lib/errors";
import { PageParamSchema, pageCountOf } from "./paging";
import { assertCan, orderWhere, seesAllStores, subOrderWhere, type AdminActor } from "./scope";

export const ORDER_STATUSES = ["PENDING", "PAID", "CLOSED", "REFUNDED"] as const;
export const PAGE_SIZE = 20;

const blankToUndef = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);

export const OrderFilterSchema = z.object({
  status: z.preprocess(blankToUndef, z.enum(ORDER_STATUSES).optional()).catch(undefined),
  from: z.preprocess(blankToUndef, BillDateSchema.optional()).catch(undefined),
  to: z.preprocess(blankToUndef, BillDateSchema.optional()).catch(undefined),
  q: z.preprocess(blankToUndef, z.string().max(64).optional()).catch(undefined),
  page: PageParamSchema,
});
export type OrderFilter = z.infer<typeof OrderFilterSchema>;

/** Search params of a page (string | string[] | undefined each) → a filter; bad values are dropped, never an error page. */
export function parseOrderFilter(sp: Record<string, string | string[] | undefined>): OrderFilter {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return OrderFilterSchema.parse(Object.fromEntries(["status", "from", "to", "q", "page"].map((k) => [k, first(sp[k])])));
}

/** Orders the actor sees (any with a sub-order of its stores), each with only the actor's sub-orders. */
export async function listOrders(actor: AdminActor, f: OrderFilter) {
  assertCan(actor, "orders");
  const createdAt = {
    ...(f.from ? { gte: beijingDayRange(f.from).start } : {}),
    ...(f.to ? { lt: beijingDayRange(f.to).end } : {}),
  };
  const where = {
    ...orderWhere(actor),
    ...(f.status ? { status: f.status } : {}),
    ...(f.from || f.to ? { createdAt } : {}),
    ...(f.q
      ? {
          OR: [
            { orderNo: { contains: f.q } },
            {
              subOrders: {
                some: { ...subOrderWhere(actor), OR: [{ outTradeNo: { contains: f.q } }, { transactionId: { contains: f.q } }] },
              },
            },
          ],
        }
      : {}),
  };
  const [total, orders] = await Promise.all([
    prisma.order.count({ where }),
    prisma.order.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { orderNo: "desc" }],
      skip: (f.page - 1) * PAGE_SIZE,
      take: PAGE_SIZE,
      include: {
        subOrders: {
          where: subOrderWhere(actor),
          orderBy: { position: "asc" },
          select: {
            amountFen: true,
            outTradeNo: true,
            tradeState: true,
            transactionId: true,
            deliveryMethod: true,
            fulfilmentStatus: true,
            store: { select: { name: true } },
          },
        },
      },
    }),
  ]);
  // A store's staff see what their stores are owed, not the whole combined order's total.
  const shown = seesAllStores(actor) ? orders : orders.map((o) => ({ ...o, totalFen: o.subOrders.reduce((a, s) => a + s.amountFen, 0) }));
  return { total, page: f.page, pageCount: pageCountOf(total, PAGE_SIZE), orders: shown };
}

/** Fulfilment audit rows shown per sub-order on the order detail (newest first). */
export const FULFILMENT_EVENTS_SHOWN = 50;

/** Audit rows per page on the order detail: the log is unbounded by nature (every delivery). */
export const EVENTS_PAGE_SIZE = 50;

/**
 * One order as the actor may see it: another store's order is not found; an order shared with other stores
 * shows only the actor's sub-orders (plus the order number and status), its total is theirs, and the audit
 * log lists only the events about their refunds (the others carry other stores' states).
 */
export async function getAdminOrder(actor: AdminActor, orderNo: string, eventsPage = 1) {
  assertCan(actor, "orders");
  const page = Number.isSafeInteger(eventsPage) && eventsPage >= 1 ? eventsPage : 1;
  const all = seesAllStores(actor);
  const order = await prisma.order.findFirst({
    where: { orderNo, ...orderWhere(actor) },
    include: {
      subOrders: {
        where: subOrderWhere(actor),
        orderBy: { position: "asc" },
        include: {
          store: true,
          lines: { orderBy: { id: "asc" } },
          refunds: { orderBy: { createdAt: "asc" } },
          // the fulfilment trail (README "Delivery and fulfilment"); bounded: a few moves, ≤ 10 wrong codes an hour
          fulfilmentEvents: { orderBy: { id: "desc" }, take: FULFILMENT_EVENTS_SHOWN },
        },
      },
    },
  });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  const ownRefunds = order.subOrders.flatMap((s) => s.refunds.map((r) => r.refundNo));
  const eventsWhere = all ? { orderNo } : { orderNo, refundNo: { in: ownRefunds } };
  const eventsTotal = await prisma.paymentEvent.count({ where: eventsWhere });
  const events = await prisma.paymentEvent.findMany({
    where: eventsWhere,
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    skip: (page - 1) * EVENTS_PAGE_SIZE,
    take: EVENTS_PAGE_SIZE,
  });
  const totalFen = all ? order.totalFen : order.subOrders.reduce((a, s) => a + s.amountFen, 0);
  return {
    ...order,
    totalFen,
    /** false when other stores' sub-orders are hidden from this actor */
    wholeOrder: all,
    events,
    eventsPage: page,
    eventsTotal,
    eventsPageCount: pageCountOf(eventsTotal, EVENTS_PAGE_SIZE),
  };
}
