// Delivery and fulfilment vocabulary shared by the catalogue, checkout, the back office, the shopper's
// pages and the cart (client-safe: no server imports). README "Delivery and fulfilment".
// The zod-free part (methods, labels, the fee rule) lives in ./methods so the cart can use it without
// shipping zod in its first-load JavaScript; everything is re-exported here.
import { z } from "zod";
import { DELIVERY_METHODS, type DeliveryMethod } from "./methods";

export * from "./methods";
export const DeliveryMethodSchema = z.enum(DELIVERY_METHODS);

/** A non-empty subset of the methods, as accepted by the admin API and the catalogue import. */
export const DeliveryMethodsSchema = z
  .array(DeliveryMethodSchema)
  .min(1, "至少选择一种配送方式")
  .max(DELIVERY_METHODS.length)
  .refine((a) => new Set(a).size === a.length, "配送方式不能重复");

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
