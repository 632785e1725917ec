// Client-safe: the order shape the result page and GET /api/orders/{orderNo} share.
export type OrderStatus = "PENDING" | "PAID" | "CLOSED";

/** The public order shape of GET /api/orders/{orderNo} (README, HTTP surface), from our database only. */
export interface OrderView {
  orderNo: string;
  status: OrderStatus;
  totalFen: number;
  expiresAt: string;
  paidAt: string | null;
  closedAt: string | null;
  subOrders: {
    outTradeNo: string;
    store: { id: string; name: string };
    amountFen: number;
    tradeState: string;
    transactionId?: string;
    lines: { sku: string; name: string; quantity: number; amountFen: number }[];
  }[];
}

