// The delivery methods, their labels and the shipping-fee rule, without zod: the cart imports this
// (lib/delivery/model.ts re-exports it with the schemas). Client-safe. README "Delivery and fulfilment".

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
