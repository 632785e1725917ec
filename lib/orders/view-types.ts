// Client-safe: the order shape the result page and GET /api/orders/{orderNo} share.
/** REFUNDED: paid, then every sub-order fully refunded (docs/wechatpay.md §14). */
export type OrderStatus = "PENDING" | "PAID" | "CLOSED" | "REFUNDED";

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
    /** Only for the buyer's browser (and the back office): see OrderViewAccess in view.ts. */
    transactionId?: string;
    /** Sum of this sub-order's SUCCESS refunds. */
    refundedFen: number;
    /** This store's refunds (not those WeChat refused outright), oldest first; `text` names where the money went for the buyer only. */
    refunds: { refundNo: string; amountFen: number; status: string; text: string }[];
    lines: { sku: string; name: string; quantity: number; amountFen: number }[];
  }[];
}
