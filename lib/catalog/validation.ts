// Boundary rules for stores and products, shared by the admin API, the back-office forms and the
// catalogue import. Client-safe (zod only).
import { z } from "zod";
import { WebhookUrlSchema } from "@/lib/store-messages/webhook-url";
import { DeliveryMethodsSchema, type DeliveryMethod } from "@/lib/delivery/model";

/** WeChat merchant numbers (商户号, and a 特约商户's sub_mchid) are 8–10 digits (docs/wechatpay.md §8.3). */
export const MCHID_PATTERN = /^\d{8,10}$/;
export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const STORE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,31}$/;
/** Sub-order ceiling (lib/orders/checkout.ts): no single product may cost more. */
export const MAX_PRICE_FEN = 5_000_000;
export const MAX_STOCK = 1_000_000;
/** The most rows one product's stock may be kept in (lib/catalog/stock.ts). */
export const MAX_STOCK_SHARDS = 32;
/** 「仅剩 N 件」 is shown, and the exact count published, only at or below this many. */
export const LOW_STOCK_THRESHOLD = 5;

// Local uploads (lib/catalog/images.ts), a versioned file shipped in public/images (the demo logos),
// or an https URL (a CDN). No http:, data: or javascript:.
export const IMAGE_URL_PATTERN =
  /^(\/media\/[a-f0-9]{64}\.(png|jpg|webp)|\/images\/[a-z0-9/-]{1,100}\.v\d+\.(svg|png|jpg|webp)|https:\/\/[^\s"'<>]{1,480})$/;

// Names reach the shop page, WeChat's description and the bill, so they are text a person can read:
// no control characters (C0, DEL, C1); no bidi embeddings, overrides or isolates, which reorder what
// is displayed ("Trojan Source"); no unpaired surrogate, which has no UTF-8 encoding; and at least
// one visible character — not only zero-width joiners, BOMs, soft hyphens, fillers or marks.
// Joiners inside visible text stay (emoji ZWJ sequences, scripts that need them).
const CONTROL = /\p{Cc}/u;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const INVISIBLE = /[\p{Cf}\p{Z}\p{M}\s\u115f\u1160\u3164\uffa0\u2800]/gu;

/** A trimmed, bounded display name (stores, products; the admin API and the catalogue import alike). */
export const displayText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), "must not contain control characters")
    .refine((s) => !BIDI_CONTROL.test(s), "must not contain text-direction controls")
    .refine((s) => !LONE_SURROGATE.test(s), "must not contain unpaired surrogates")
    .refine((s) => s.replace(INVISIBLE, "").length > 0, "must contain visible characters");
const text = displayText;

export const subMchidSchema = z.string().regex(MCHID_PATTERN, "must be 8–10 digits (the WeChat Pay merchant number)");
const imageUrl = z.string().regex(IMAGE_URL_PATTERN, "must be an uploaded image (/media/…), a file under /images/ or an https:// URL");

// --- A store's delivery options (README "Delivery and fulfilment") ---
/** ¥1,000: a fee above this is a typo, not a shipping fee. */
export const MAX_SHIPPING_FEE_FEN = 100_000;
export const shippingFeeFenSchema = z
  .number()
  .int("must be a whole number of fen")
  .min(0, "must be ≥ 0 fen")
  .max(MAX_SHIPPING_FEE_FEN, `must be ≤ ${MAX_SHIPPING_FEE_FEN} fen`);
export const freeShippingOverFenSchema = z
  .number()
  .int("must be a whole number of fen")
  .min(1, "must be ≥ 1 fen")
  .max(MAX_PRICE_FEN * 50, "too large")
  .nullable();
export const pickupAddressSchema = text(120).nullable();
export const pickupHoursSchema = text(40).nullable();

/** The delivery fields of a store as the admin API, the import and the cart see them. */
export interface StoreDelivery {
  deliveryMethods: DeliveryMethod[];
  shippingFeeFen: number;
  freeShippingOverFen: number | null;
  pickupAddress: string | null;
  pickupHours: string | null;
}

/**
 * The one rule across the delivery fields, checked on the store as it will be after a create, a patch
 * or an import row: a store offering 到店自提 says where. Returns the field to blame, or null.
 */
export function storeDeliveryProblem(
  s: Pick<StoreDelivery, "deliveryMethods" | "pickupAddress">,
): { field: string; message: string } | null {
  if (s.deliveryMethods.includes("PICKUP") && !s.pickupAddress) {
    return { field: "pickupAddress", message: "is required when deliveryMethods includes PICKUP" };
  }
  return null;
}

const storeDeliveryFields = {
  deliveryMethods: DeliveryMethodsSchema,
  shippingFeeFen: shippingFeeFenSchema,
  freeShippingOverFen: freeShippingOverFenSchema,
  pickupAddress: pickupAddressSchema,
  pickupHours: pickupHoursSchema,
};

export const StoreCreateSchema = z
  .strictObject({
    id: z.string().regex(STORE_ID_PATTERN, "must be 2–32 of a-z 0-9 -").optional(),
    name: text(40),
    subMchid: subMchidSchema,
    mchid: subMchidSchema.nullable().optional(),
    logoUrl: imageUrl.nullable().optional(),
    active: z.boolean().optional(),
    deliveryMethods: storeDeliveryFields.deliveryMethods.optional(),
    shippingFeeFen: storeDeliveryFields.shippingFeeFen.optional(),
    freeShippingOverFen: storeDeliveryFields.freeShippingOverFen.optional(),
    pickupAddress: storeDeliveryFields.pickupAddress.optional(),
    pickupHours: storeDeliveryFields.pickupHours.optional(),
    // the store authorised the provider's JSAPI product (README "Paying inside WeChat (JSAPI)")
    jsapiEnabled: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    const problem = storeDeliveryProblem({ deliveryMethods: s.deliveryMethods ?? ["SHIPPING"], pickupAddress: s.pickupAddress ?? null });
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });
export type StoreCreate = z.infer<typeof StoreCreateSchema>;

/** A patch is checked against the stored store by updateStore (storeDeliveryProblem on the result). */
export const StorePatchSchema = z
  .strictObject({
    name: text(40),
    subMchid: subMchidSchema,
    mchid: subMchidSchema.nullable(),
    logoUrl: imageUrl.nullable(),
    active: z.boolean(),
    // 企业微信 group robot told of paid orders and refunds (README "Store notifications"); null removes it
    notifyWebhookUrl: WebhookUrlSchema.nullable(),
    // 特约商户授权产品 shows the provider's JSAPI product 已授权 for this store (WeChat has no API to read it)
    jsapiEnabled: z.boolean(),
    ...storeDeliveryFields,
  })
  .partial()
  .refine((o) => Object.keys(o).length > 0, "nothing to change");
export type StorePatch = z.infer<typeof StorePatchSchema>;

const priceFen = z
  .number()
  .int("must be a whole number of fen")
  .min(1, "must be ≥ 1 fen")
  .max(MAX_PRICE_FEN, `must be ≤ ${MAX_PRICE_FEN} fen`);
const stock = z.number().int("must be a whole number").min(0, "must be ≥ 0").max(MAX_STOCK, `must be ≤ ${MAX_STOCK}`).nullable();
/** The rows a product's stock is kept in (lib/catalog/stock.ts). */
const stockShards = z.number().int("must be a whole number").min(1, "must be ≥ 1").max(MAX_STOCK_SHARDS, `must be ≤ ${MAX_STOCK_SHARDS}`);

export const ProductCreateSchema = z.strictObject({
  sku: z.string().regex(SKU_PATTERN, "must be 1–64 of A-Z a-z 0-9 _ -"),
  // The sub-order description is "<store>-<first product>等N件" cut to 127 characters (checkout).
  name: text(60),
  priceFen,
  storeId: z.string().regex(STORE_ID_PATTERN, "unknown store"),
  stock: stock.optional(),
  stockShards: stockShards.optional(),
  imageUrl: imageUrl.nullable().optional(),
  active: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(1_000_000).optional(),
});
export type ProductCreate = z.infer<typeof ProductCreateSchema>;

export const ProductPatchSchema = z
  .strictObject({
    name: text(60),
    priceFen,
    storeId: z.string().regex(STORE_ID_PATTERN, "unknown store"),
    stock,
    stockShards,
    imageUrl: imageUrl.nullable(),
    active: z.boolean(),
    sortOrder: z.number().int().min(0).max(1_000_000),
  })
  .partial()
  .refine((o) => Object.keys(o).length > 0, "nothing to change");
export type ProductPatch = z.infer<typeof ProductPatchSchema>;

/** Admin list filters (?q=&page=). */
export const CatalogListQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .max(64)
    .optional()
    .transform((v) => v || undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
});
