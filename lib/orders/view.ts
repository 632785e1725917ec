import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { shopperRefundText } from "@/lib/refunds/view-types";

import type { OrderStatus, OrderView } from "./view-types";

export type { OrderStatus, OrderView };

/**
 * Who is looking. Anyone with the order number may see the order (WeChat may send the shopper back
 * to another browser), but WeChat's transaction ids and where a refund went (bank and last digits)
 * only the buyer's browser (lib/orders/buyer.ts isOrderBuyer) — and the back office, which passes true.
 */
export interface OrderViewAccess {
  isBuyer: boolean;
}

/** The back office sees what the buyer sees. */
export const STAFF_ACCESS: OrderViewAccess = { isBuyer: true };

export async function getOrderView(orderNo: string, access: OrderViewAccess): Promise<OrderView> {
  const o = await prisma.order.findUnique({
    where: { orderNo },
    include: {
      subOrders: {
        orderBy: { position: "asc" },
        include: {
          store: true,
          lines: { orderBy: { id: "asc" } },
          refunds: {
            where: { status: { not: "FAILED" } },
            orderBy: { createdAt: "asc" },
            select: { refundNo: true, amountFen: true, status: true, userReceivedAccount: true },
          },
        },
      },
    },
  });
  if (!o) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return {
    orderNo: o.orderNo,
    status: o.status as OrderStatus,
    totalFen: o.totalFen,
    expiresAt: o.expiresAt.toISOString(),
    paidAt: o.paidAt?.toISOString() ?? null,
    closedAt: o.closedAt?.toISOString() ?? null,
    subOrders: o.subOrders.map((s) => ({
      outTradeNo: s.outTradeNo,
      store: { id: s.store.id, name: s.store.name },
      amountFen: s.amountFen,
      tradeState: s.tradeState,
      ...(s.transactionId && access.isBuyer ? { transactionId: s.transactionId } : {}),
      refundedFen: s.refundedFen,
      refunds: s.refunds.map((r) => ({
        refundNo: r.refundNo,
        amountFen: r.amountFen,
        status: r.status,
        text: shopperRefundText(access.isBuyer ? r : { ...r, userReceivedAccount: null }),
      })),
      lines: s.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, amountFen: l.amountFen })),
    })),
  };
}
