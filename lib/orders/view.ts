import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { shopperRefundText } from "./refund-text";
import { addressFor, contactFor, fulfilmentFor } from "./view-privacy";

import type { OrderStatus, OrderView, OrderViewer } from "./view-types";

export type { OrderStatus, OrderView, OrderViewer };

/** Sub-order trade states that mean "paid" (REFUND: paid, with refund activity since). */
export const PAID_TRADE_STATES: readonly string[] = ["SUCCESS", "REFUND"];

/**
 * The order as the result page and GET /api/orders/{orderNo} show it. `viewer` (lib/orders/buyer.ts
 * orderViewer) decides every personal detail: see ./view-privacy.ts.
 */
export async function getOrderView(orderNo: string, viewer: OrderViewer): Promise<OrderView> {
  const o = await prisma.order.findUnique({
    where: { orderNo },
    include: {
      subOrders: {
        orderBy: { position: "asc" },
        include: {
          store: { select: { id: true, name: true } },
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
    viewer,
    contact: contactFor(viewer, o),
    address: addressFor(viewer, o),
    subOrders: o.subOrders.map((s) => ({
      outTradeNo: s.outTradeNo,
      store: { id: s.store.id, name: s.store.name },
      amountFen: s.amountFen,
      tradeState: s.tradeState,
      // WeChat's transaction id and where a refund went (bank, last digits) only for the buyer's browser.
      ...(s.transactionId && viewer === "buyer" ? { transactionId: s.transactionId } : {}),
      refundedFen: s.refundedFen,
      refunds: s.refunds.map((r) => ({
        refundNo: r.refundNo,
        amountFen: r.amountFen,
        status: r.status,
        text: shopperRefundText(viewer === "buyer" ? r : { ...r, userReceivedAccount: null }),
      })),
      lines: s.lines.map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity, amountFen: l.amountFen })),
      fulfilment: fulfilmentFor(viewer, PAID_TRADE_STATES.includes(s.tradeState), s),
      shippingFeeFen: s.shippingFeeFen,
    })),
  };
}
