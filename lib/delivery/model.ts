// Delivery and fulfilment vocabulary shared by the catalogue, checkout, the back office, the shopper's
// pages and the cart (client-safe: no server imports). README "Delivery and fulfilment".
// The zod-free part (methods, fulfilment states, labels, the fee rule) lives in ./methods so the cart and the
// result page can use it without shipping zod in their first-load JavaScript; everything is re-exported here.
import { z } from "zod";
import { DELIVERY_METHODS } from "./methods";

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

export const PICKUP_CODE_RE = /^\d{6}$/;
