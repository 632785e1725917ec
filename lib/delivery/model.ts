// Delivery and fulfilment vocabulary shared by the catalogue, checkout, the back office, the shopper's
// pages and the cart (client-safe: no server imports). README "Delivery and fulfilment".
import { z } from "zod";

/** How a store hands a sub-order over. Order matters: it is the order of the cart's radio options. */
export const DELIVERY_METHODS = ["SHIPPING", "PICKUP", "NONE"] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];
export const DeliveryMethodSchema = z.enum(DELIVERY_METHODS);

/** The cart's radio labels (also the accessible names tests use). */
export const DELIVERY_METHOD_LABELS: Record<DeliveryMethod, string> = {
  SHIPPING: "快递配送",
  PICKUP: "到店自提",
  NONE: "无需配送",
};

/**
 * Store.deliveryMethods is stored as a comma-separated list (the schema stays portable: no scalar lists on
 * SQLite). Unknown entries are dropped; the result is de-duplicated and in DELIVERY_METHODS order.
 */
export function parseDeliveryMethods(stored: string): DeliveryMethod[] {
  const set = new Set(stored.split(",").map((s) => s.trim()));
  return DELIVERY_METHODS.filter((m) => set.has(m));
}

export function formatDeliveryMethods(methods: readonly DeliveryMethod[]): string {
  const set = new Set(methods);
  return DELIVERY_METHODS.filter((m) => set.has(m)).join(",");
}

/** A non-empty subset of the methods, as accepted by the admin API and the catalogue import. */
export const DeliveryMethodsSchema = z
  .array(DeliveryMethodSchema)
  .min(1, "至少选择一种配送方式")
  .max(DELIVERY_METHODS.length)
  .refine((a) => new Set(a).size === a.length, "配送方式不能重复");

/**
 * The shipping fee of one store's sub-order: the store's fee, waived when the goods subtotal reaches
 * freeShippingOverFen. Only SHIPPING has a fee. Integer fen in, integer fen out.
 */
export function shippingFeeFor(
  method: DeliveryMethod,
  store: { shippingFeeFen: number; freeShippingOverFen: number | null },
  goodsSubtotalFen: number,
): number {
  if (method !== "SHIPPING") return 0;
  if (store.freeShippingOverFen !== null && goodsSubtotalFen >= store.freeShippingOverFen) return 0;
  return store.shippingFeeFen;
}

/** The fixed carrier list staff choose from when shipping. */
export const CARRIERS = ["顺丰", "中通", "圆通", "韵达", "申通", "京东", "EMS", "极兔", "其他"] as const;
export type Carrier = (typeof CARRIERS)[number];
export const CarrierSchema = z.enum(CARRIERS);
export const TrackingNoSchema = z.string().regex(/^[A-Za-z0-9-]{6,40}$/, "运单号为 6–40 位字母、数字或 -");

/** Fulfilment states of a sub-order, per method (forward only). NONE is FULFILLED once paid. */
export const FULFILMENT_STATUSES = ["UNFULFILLED", "SHIPPED", "DELIVERED", "READY_FOR_PICKUP", "PICKED_UP", "FULFILLED"] as const;
export type FulfilmentStatus = (typeof FULFILMENT_STATUSES)[number];

/** What the shopper reads for each state (result page, 我的订单). */
export const FULFILMENT_STATUS_LABELS: Record<FulfilmentStatus, string> = {
  UNFULFILLED: "待发货",
  SHIPPED: "已发货",
  DELIVERED: "已送达",
  READY_FOR_PICKUP: "待自提",
  PICKED_UP: "已自提",
  FULFILLED: "无需配送",
};

/** The label of an unpaid-yet-unfulfilled pickup differs from shipping's 待发货. */
export function fulfilmentLabel(method: DeliveryMethod, status: FulfilmentStatus): string {
  if (status === "UNFULFILLED" && method === "PICKUP") return "备货中";
  return FULFILMENT_STATUS_LABELS[status];
}

export const PICKUP_CODE_RE = /^\d{6}$/;
