// Client-safe catalogue types (components import these; lib/catalog/catalog.ts reads the database).
import type { DeliveryMethod } from "@/lib/delivery/model";

/** What the cart needs to offer a store's delivery methods and show its shipping fee. */
export interface StoreDeliveryView {
  /** non-empty, in DELIVERY_METHODS order */
  deliveryMethods: DeliveryMethod[];
  shippingFeeFen: number;
  /** the fee is waived when the store's goods subtotal reaches this; null = never */
  freeShippingOverFen: number | null;
  pickupAddress: string | null;
  pickupHours: string | null;
}

export interface ProductView {
  sku: string;
  name: string;
  priceFen: number;
  /** logoUrl: a small image under public/ (long-cached), or null */
  store: { id: string; name: string; logoUrl: string | null } & StoreDeliveryView;
  /** Uploaded (/media/…) or https image, or null. */
  imageUrl: string | null;
  /**
   * Units left, published only when few remain (≤ LOW_STOCK_THRESHOLD): 0 = 已售罄, 1–5 = 「仅剩 N 件」.
   * null = plenty or unlimited (the exact count of a well-stocked product is the merchant's business).
   */
  stockLeft: number | null;
}
