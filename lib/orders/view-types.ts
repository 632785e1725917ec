// Client-safe: the order shape the result page and GET /api/orders/{orderNo} share.
import type { DeliveryMethod, FulfilmentStatus } from "@/lib/delivery/model";

/** REFUNDED: paid, then every sub-order fully refunded (docs/wechatpay.md §14). */
export type OrderStatus = "PENDING" | "PAID" | "CLOSED" | "REFUNDED";

/**
 * Who is looking at an order — the one input every privacy decision of the view depends on. "buyer": the
 * browser that created the order (its buyer_id cookie matches Order.buyerIdHash, lib/orders/buyer.ts);
 * "stranger": anyone else holding the order number (the link may be shared, or opened in another browser).
 */
export type OrderViewer = "buyer" | "stranger";

/** A paid sub-order's delivery (null before payment). Staff's details are shown as they enter them. */
export interface FulfilmentView {
  method: DeliveryMethod;
  status: FulfilmentStatus;
  carrier?: string;
  /** Buyer only: with the phone's last four digits it opens the courier's full route and address. */
  trackingNo?: string;
  shippedAt?: string;
  /** Buyer only: whoever holds it collects the goods. */
  pickupCode?: string;
  pickupAddress?: string;
  pickupHours?: string;
}

/** Buyer: as entered. Stranger: 张* / 138****1234. Null once purged (PII_RETENTION_DAYS) or never given. */
export interface ContactView {
  name: string;
  phone: string;
}

/** Buyer: the whole address. Stranger: province and city only. Null when nothing ships, or once purged. */
export interface AddressView {
  province: string;
  city: string;
  district?: string;
  detail?: string;
  postalCode?: string;
}

/** The public order shape of GET /api/orders/{orderNo} (README, HTTP surface), from our database only. */
export interface OrderView {
  orderNo: string;
  status: OrderStatus;
  totalFen: number;
  expiresAt: string;
  paidAt: string | null;
  closedAt: string | null;
  /** Whether this browser is the buyer's (the page offers the buyer-only details, 我的订单). */
  viewer: OrderViewer;
  contact: ContactView | null;
  address: AddressView | null;
  subOrders: {
    outTradeNo: string;
    store: { id: string; name: string };
    amountFen: number;
    tradeState: string;
    /** Only for the buyer's browser: see the viewer rule in view.ts. */
    transactionId?: string;
    /** Sum of this sub-order's SUCCESS refunds. */
    refundedFen: number;
    /** This store's refunds (not those WeChat refused outright), oldest first; `text` names where the money went for the buyer only. */
    refunds: { refundNo: string; amountFen: number; status: string; text: string }[];
    lines: { sku: string; name: string; quantity: number; amountFen: number }[];
    fulfilment: FulfilmentView | null;
    /** The shipping fee included in amountFen (0 when none): shown as its own line after the goods. */
    shippingFeeFen: number;
  }[];
}
