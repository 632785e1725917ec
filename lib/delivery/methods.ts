// The delivery methods, the fulfilment states, their labels and the shipping-fee rule, without zod: the cart and
// the result page import this (lib/delivery/model.ts re-exports it with the schemas). Client-safe. README "Delivery and fulfilment".

/** How a store hands a sub-order over. Order matters: it is the order of the cart's radio options. */
export const DELIVERY_METHODS = ["SHIPPING", "PICKUP", "NONE"] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

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
