import { createHash, randomInt } from "node:crypto";
import { z } from "zod";
import { dialect, prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError, invalidField } from "@/lib/errors";
import { newCombineOrderNo, subOrderNo } from "./order-numbers";
import { ensurePayUrl, prepayNewOrder } from "./pay-link";
import { ensureJsapiPay, prepayNewJsapiOrder } from "./jsapi-pay";
import { budgetSpent } from "./prepay-budget";
import type { AdmittedUnits } from "./checkout-limits";
import { findOrderByCheckoutKey, insertOrder, isDuplicateCheckoutKey, readCartProducts, type KeyedOrder } from "./checkout-store";
import type { JsapiPayParams } from "@/lib/wechatpay";
import { Prisma } from "@/lib/generated/prisma/client";
import { STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { AddressSchema, ContactSchema, type Address } from "@/lib/delivery/contact";
import { loadDivisions, unknownDivision } from "@/lib/delivery/divisions";
import {
  DELIVERY_METHOD_LABELS,
  DeliveryMethodSchema,
  parseDeliveryMethods,
  shippingFeeFor,
  type DeliveryMethod,
} from "@/lib/delivery/model";

/** At most one method per store of a cart (MAX_SUB_ORDERS.partner); methods for stores not in the cart are ignored. */
const MAX_METHODS = 50;

export const DeliverySchema = z.strictObject({
  methods: z
    .record(z.string().regex(STORE_ID_PATTERN, "unknown store"), DeliveryMethodSchema)
    .refine((m) => Object.keys(m).length <= MAX_METHODS, `at most ${MAX_METHODS} stores`),
  address: AddressSchema.optional(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const CheckoutBodySchema = z
  .object({
    items: z
      .array(
        z
          .object({
            sku: z
              .string()
              .min(1)
              .max(64)
              .regex(/^[A-Za-z0-9_-]+$/, "invalid sku"),
            quantity: z.number().int().min(1, "quantity must be ≥ 1").max(99, "quantity must be ≤ 99"),
          })
          .strict(),
      )
      .min(1, "cart is empty")
      .max(50),
    // Who gets the order, and where (README "Delivery and fulfilment"): stored with the order, never
    // sent to WeChat, never logged.
    contact: ContactSchema,
    delivery: DeliverySchema,
  })
  .strict();
export type CheckoutBody = z.infer<typeof CheckoutBodySchema>;

const DIVISION_MESSAGES = { province: "请选择省份", city: "请选择城市", district: "请选择区县" } as const;

/**
 * An address's 省 / 市 / 区县 must be a combination of the bundled division dataset
 * (lib/delivery/divisions.ts): the cart offers only those, so anything else is a forged or stale request.
 * `at` is the field path of the address ("delivery.address").
 */
export async function assertKnownDivisions(address: Address | undefined, at: string): Promise<void> {
  if (!address) return;
  const bad = unknownDivision(await loadDivisions(), address);
  if (bad) throw invalidField(`${at}.${bad}`, DIVISION_MESSAGES[bad]);
}

/** 6 random digits, the buyer's proof at the counter (README "Delivery and fulfilment"). */
function newPickupCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, "0");
}

type StoreForDelivery = {
  id: string;
  name: string;
  deliveryMethods: string;
  shippingFeeFen: number;
  freeShippingOverFen: number | null;
  pickupAddress: string | null;
  pickupHours: string | null;
};

/**
 * The method chosen for each store of the cart: one per store, one the store offers. Checked in the
 * cart's store order, so the first store at fault is the one named.
 */
function chosenMethods(stores: StoreForDelivery[], delivery: Delivery): Map<string, DeliveryMethod> {
  const chosen = new Map<string, DeliveryMethod>();
  for (const store of stores) {
    const method = Object.hasOwn(delivery.methods, store.id) ? delivery.methods[store.id] : undefined;
    if (!method) throw invalidField(`delivery.methods.${store.id}`, `请选择 ${store.name} 的配送方式`);
    if (!parseDeliveryMethods(store.deliveryMethods).includes(method)) {
      throw new AppError("DELIVERY_METHOD_UNAVAILABLE", `${store.name} 不支持${DELIVERY_METHOD_LABELS[method]}，请重新选择`, {
        storeId: store.id,
      });
    }
    chosen.set(store.id, method);
  }
  if ([...chosen.values()].includes("SHIPPING") && !delivery.address) throw invalidField("delivery.address", "请填写收货地址");
  return chosen;
}

export const CheckoutKeySchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "invalid Idempotency-Key");

const MAX_SUB_ORDERS = { partner: 50, direct: 10 } as const;
const MIN_SUB_ORDERS = { partner: 1, direct: 2 } as const;
// Per sub-order ceiling: far below WeChat's cap, high enough for any real cart of this shop.
const MAX_SUB_ORDER_FEN = 5_000_000;

/** WeChat rejects 4-byte UTF-8 characters (emoji) in text fields. */
function stripFourByteChars(s: string): string {
  return Array.from(s)
    .filter((c) => c.codePointAt(0)! <= 0xffff)
    .join("");
}

function describe(storeName: string, lines: { name: string; quantity: number }[]): string {
  const count = lines.reduce((n, l) => n + l.quantity, 0);
  const first = lines[0]!.name;
  const text = count > 1 ? `${storeName}-${first}等${count}件` : `${storeName}-${first}`;
  return Array.from(stripFourByteChars(text)).slice(0, 127).join("");
}

/** How the order is paid: the H5 cashier link, or (inside WeChat) the bridge's six fields. */
export type Payment = { channel: "h5"; payUrl: string; h5UrlExpiresAt: Date } | { channel: "jsapi"; payParams: JsapiPayParams };

export type CheckoutResult = Payment & { orderNo: string; expiresAt: Date };

/** Inside WeChat with JSAPI (lib/in-app/channel.ts): who pays, from the OAuth openid cookie. */
export interface JsapiPayer {
  openid: string;
}

/** The order's payment in the channel it was created for (checkout, its resume, and 重新支付 / 继续支付). */
export async function payFor(orderNo: string, now: Date, jsapi: JsapiPayer | undefined): Promise<Payment> {
  if (jsapi) return { channel: "jsapi", payParams: (await ensureJsapiPay(orderNo, jsapi.openid, now)).payParams };
  return { channel: "h5", ...(await ensurePayUrl(orderNo, now)) };
}

/**
 * Creates the order from the server's own catalogue (never client prices), one sub-order per store,
 * persists it BEFORE calling WeChat Pay, then asks for the H5 pay link. A repeated checkout key
 * (double tap, client retry) returns the existing order instead of creating another.
 */
export async function checkout(
  body: CheckoutBody,
  opts: {
    payerIp: string;
    checkoutKey?: string;
    now?: Date;
    /** SHA-256 of the browser's buyer cookie (lib/orders/buyer.ts) */ buyerIdHash?: string;
    /** Pay with JSAPI inside WeChat (combine_appid = WECHAT_MP_APPID, this openid); otherwise H5 as always. */
    jsapi?: JsapiPayer;
    /**
     * The checkout limits (lib/orders/checkout-limits.ts admitCheckout), run once the cart is known to be a
     * new checkout and its products are read (handed over, not read again): refusals before any order,
     * stock or prepay; the units it returns are taken in the order's transaction.
     */
    admit?: (products: readonly { sku: string; name: string; stock: number | null }[]) => Promise<AdmittedUnits>;
  },
): Promise<CheckoutResult> {
  const now = opts.now ?? new Date();
  const { wechatpay: w, orderExpireMinutes } = env();

  const quantities = new Map<string, number>();
  for (const item of body.items) quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.quantity);
  for (const [sku, q] of quantities) if (q > 99) throw new AppError("INVALID_REQUEST", `商品 ${sku} 数量不能超过 99`);
  await assertKnownDivisions(body.delivery.address, "delivery.address");
  const cartHash = hashCart(quantities, body);

  if (opts.checkoutKey) {
    const existing = await findOrderByCheckoutKey(opts.checkoutKey);
    if (existing) return resume(existing, cartHash, opts.buyerIdHash, now, opts.jsapi);
  }

  const mode = w.mode;
  const jsapiConfig = env().wechatJsapi;
  if (opts.jsapi && !jsapiConfig.enabled) throw new Error("JSAPI checkout while WECHAT_JSAPI_ENABLED is off");
  // A deactivated store hides its products (and in direct mode a store needs its own mchid).
  const products = await readCartProducts([...quantities.keys()], mode);
  const unknown = [...quantities.keys()].filter((sku) => !products.some((p) => p.sku === sku));
  if (unknown.length) throw new AppError("UNKNOWN_SKU", `商品已下架或不存在：${unknown.join("、")}`, { skus: unknown });
  const units = await opts.admit?.(products);

  const byStore = new Map<string, typeof products>();
  for (const p of products) byStore.set(p.storeId, [...(byStore.get(p.storeId) ?? []), p]);
  if (byStore.size < MIN_SUB_ORDERS[mode] || byStore.size > MAX_SUB_ORDERS[mode]) {
    throw new AppError(
      "CART_NOT_ALLOWED",
      mode === "direct"
        ? `合单支付需要来自 2–10 家店铺的商品（当前 ${byStore.size} 家）`
        : `一次最多结算 ${MAX_SUB_ORDERS.partner} 家店铺的商品`,
    );
  }

  const methods = chosenMethods(
    [...byStore.values()].map((ps) => ps[0]!.store),
    body.delivery,
  );
  const ships = [...methods.values()].includes("SHIPPING");

  const orderNo = newCombineOrderNo(now);
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + orderExpireMinutes * 60_000);
  let position = 0;
  const subOrders = [...byStore.values()].map((storeProducts) => {
    position += 1;
    const store = storeProducts[0]!.store;
    const lines = storeProducts.map((p) => {
      const quantity = quantities.get(p.sku)!;
      return { sku: p.sku, name: p.name, unitPriceFen: p.priceFen, quantity, amountFen: p.priceFen * quantity };
    });
    const goodsFen = lines.reduce((s, l) => s + l.amountFen, 0);
    const deliveryMethod = methods.get(store.id)!;
    // The fee is part of what this store is paid: it goes into the sub-order's amount (total_amount at
    // WeChat), and is kept apart in shippingFeeFen so views show it as its own line.
    const shippingFeeFen = shippingFeeFor(deliveryMethod, store, goodsFen);
    const amountFen = goodsFen + shippingFeeFen;
    if (amountFen > MAX_SUB_ORDER_FEN) throw new AppError("CART_NOT_ALLOWED", `${store.name} 的商品金额超过单笔上限`);
    const pickup = deliveryMethod === "PICKUP";
    return {
      outTradeNo: subOrderNo(orderNo, position),
      storeId: store.id,
      position,
      mchid: mode === "partner" ? w.combineMchid : store.mchid!,
      subMchid: mode === "partner" ? store.subMchid : null,
      amountFen,
      description: describe(store.name, lines),
      attach: `store:${store.id}`,
      deliveryMethod,
      shippingFeeFen,
      // A NONE sub-order has nothing to hand over: fulfilled from the start (the views show fulfilment
      // only once paid). The others start UNFULFILLED (the column's default).
      ...(deliveryMethod === "NONE" ? { fulfilmentStatus: "FULFILLED" } : {}),
      // Where and when to collect, as the store said at checkout: a later catalogue edit does not move it.
      pickupAddress: pickup ? store.pickupAddress : null,
      pickupHours: pickup ? store.pickupHours : null,
      pickupCode: pickup ? newPickupCode() : null,
      lines,
    };
  });
  const address = ships ? body.delivery.address! : null;

  const order = {
    orderNo,
    mode,
    combineMchid: w.combineMchid,
    // JSAPI orders are placed under the 服务号 the openid belongs to (it may equal the H5 appid).
    combineAppid: opts.jsapi && jsapiConfig.enabled ? jsapiConfig.mpAppid : w.combineAppid,
    payChannel: opts.jsapi ? "JSAPI" : "H5",
    payerOpenid: opts.jsapi?.openid ?? null,
    totalFen: subOrders.reduce((s, o) => s + o.amountFen, 0),
    payerIp: opts.payerIp,
    expiresAt,
    checkoutKey: opts.checkoutKey ?? null,
    cartHash,
    buyerIdHash: opts.buyerIdHash ?? null,
    // Born holding its prepay lease: the prepay below is this request's, and a concurrent request with
    // the same key waits for its link (lib/orders/wechat-call-lease.ts) instead of calling WeChat too.
    prepayLeaseAt: now,
    contactName: body.contact.name,
    contactPhone: body.contact.phone,
    // The address only when something is shipped: nothing is kept that no store needs.
    addressProvince: address?.province ?? null,
    addressCity: address?.city ?? null,
    addressDistrict: address?.district ?? null,
    addressDetail: address?.detail ?? null,
    addressPostalCode: address?.postalCode ?? null,
  };
  let budgetUntil: Date | undefined;
  try {
    // Units are taken from the products that were stock-limited when the cart was read (lib/catalog/stock.ts).
    const limitedSkus = products.filter((p) => p.stock !== null).map((p) => p.sku);
    ({ budgetUntil } = await insertOrder({ order, subOrders, quantities, limitedSkus, units, now }));
  } catch (e) {
    // A concurrent request with the same checkout key won the insert: continue with its order.
    if (opts.checkoutKey && isDuplicateCheckoutKey(e)) {
      const existing = await findOrderByCheckoutKey(opts.checkoutKey);
      if (existing) return resume(existing, cartHash, opts.buyerIdHash, now, opts.jsapi);
    }
    throw withoutPersonalData(e);
  }
  // SQLite takes the prepay budget's unit with the order (one commit): spent, the order waits for the retry.
  if (dialect === "sqlite" && !budgetUntil) throw budgetSpent();
  // The first prepay from what is in memory: nothing to re-read, the lease is already ours.
  const inMemory = { ...order, prepayState: "NOT_SENT", subOrders: subOrders.map((o) => ({ ...o, subMchid: o.subMchid ?? null })) };
  if (opts.jsapi) {
    const { payParams } = await prepayNewJsapiOrder(inMemory, { leaseAt: now, budgetUntil }, now);
    return { orderNo, expiresAt, channel: "jsapi", payParams };
  }
  const link = await prepayNewOrder(inMemory, { leaseAt: now, budgetUntil }, now);
  return { orderNo, expiresAt, channel: "h5", ...link };
}

/**
 * An unexpected database error of the order insert is logged by the route (lib/http/respond.ts), and
 * Prisma's messages may quote the query's arguments — the shopper's name, phone and address. Only its
 * kind and code go on; our own errors (OUT_OF_STOCK, DATABASE_BUSY, …) pass unchanged.
 */
export function withoutPersonalData(e: unknown): unknown {
  if (e instanceof AppError || (e as { code?: unknown } | null)?.code === "DATABASE_BUSY") return e;
  if (e instanceof Prisma.PrismaClientKnownRequestError)
    return Object.assign(new Error(`order insert failed: ${e.code}`), { code: e.code });
  if (e instanceof Error && /^PrismaClient/.test(e.name)) return new Error(`order insert failed: ${e.name}`);
  // better-sqlite3's own errors (the SQLite path of lib/orders/checkout-store.ts): their messages may quote SQL.
  if (e instanceof Error && e.name === "SqliteError") {
    const code = (e as { code?: unknown }).code;
    return Object.assign(new Error(`order insert failed: ${String(code)}`), { code });
  }
  return e;
}

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What an Idempotency-Key protects: the key-sorted "sku×quantity" list (the same cart in any item order
 * hashes the same), then the contact, the methods and the address as one canonical JSON line — so a
 * reused key with another address is refused, not answered with the first order.
 */
function hashCart(quantities: Map<string, number>, body: Pick<CheckoutBody, "contact" | "delivery">): string {
  const cart = [...quantities]
    .sort(byKey)
    .map(([sku, q]) => `${sku}×${q}`)
    .join("\n");
  const a = body.delivery.address;
  const delivery = JSON.stringify([
    body.contact.name,
    body.contact.phone,
    Object.entries(body.delivery.methods).sort(byKey),
    a ? [a.province, a.city, a.district, a.detail, a.postalCode ?? null] : null,
  ]);
  return createHash("sha256").update(`${cart}\n${delivery}`).digest("hex");
}

/**
 * A repeated Idempotency-Key returns the order it created — only for the same cart from the same
 * browser; anything else is a client bug (or someone else's key) and gets 422, never that order.
 */
async function resume(
  existing: KeyedOrder,
  cartHash: string,
  buyerIdHash: string | undefined,
  now: Date,
  jsapi: JsapiPayer | undefined,
): Promise<CheckoutResult> {
  const sameCart = existing.cartHash === null || existing.cartHash === cartHash;
  const sameBuyer = existing.buyerIdHash === null || existing.buyerIdHash === (buyerIdHash ?? null);
  if (!sameCart || !sameBuyer) {
    throw new AppError("IDEMPOTENCY_KEY_REUSED", "该请求标识已用于另一笔订单，请刷新页面后重新下单");
  }
  const orderNo = existing.orderNo;
  const payment = await payFor(orderNo, now, jsapi);
  const order = await prisma.order.findUniqueOrThrow({ where: { orderNo }, select: { expiresAt: true } });
  return { orderNo, expiresAt: order.expiresAt, ...payment };
}
