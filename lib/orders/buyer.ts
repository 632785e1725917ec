import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { readCookie } from "@/lib/admin/session";

/**
 * An order belongs to the browser that created it: checkout sets an httpOnly, SameSite=Lax cookie
 * holding a random buyer id and stores only its SHA-256 on the order. Closing and re-paying need
 * that cookie; viewing the result and "check payment" stay open by order number, because WeChat may
 * return the shopper to another browser (iOS can open Safari) — but only the buyer's browser sees
 * the order's private details there (isOrderBuyer).
 */
export const BUYER_COOKIE = "buyer_id";
const BUYER_COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;
const BUYER_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

export const hashBuyerId = (id: string) => createHash("sha256").update(`buyer\0${id}`).digest("hex");

/** A route's Request, or a server page's headers() wrapped as `{ headers }`. */
type WithHeaders = { headers: { get(name: string): string | null } };

/** The buyer id the request carries, when well-formed. */
export function buyerIdFrom(request: WithHeaders): string | undefined {
  const v = readCookie(request.headers.get("cookie"), BUYER_COOKIE);
  return v && BUYER_ID_PATTERN.test(v) ? v : undefined;
}

/**
 * The request's buyer id, or a new one (the caller sets the cookie on its response). A first-time
 * browser that double-taps sends its second request before the first response set the cookie: with
 * an Idempotency-Key the new id is derived from that key, so both taps bind the order to one id
 * (whoever holds the key could replay the checkout and get the order anyway).
 */
export function buyerIdForCheckout(request: Request, checkoutKey?: string): string {
  const existing = buyerIdFrom(request);
  if (existing) return existing;
  if (checkoutKey) return createHash("sha256").update(`buyer-from-checkout-key\0${checkoutKey}`).digest("base64url");
  return randomBytes(32).toString("base64url");
}

export function buyerCookie(id: string): string {
  return [
    `${BUYER_COOKIE}=${id}`,
    "Path=/",
    `Max-Age=${BUYER_COOKIE_MAX_AGE_SECONDS}`,
    "HttpOnly",
    // Lax: sent when WeChat's cashier navigates the shopper back to our result page.
    "SameSite=Lax",
    ...(env().appBaseUrl.startsWith("https://") ? ["Secure"] : []),
  ].join("; ");
}

function carriesBuyer(request: WithHeaders, storedHash: string): boolean {
  const id = buyerIdFrom(request);
  const given = Buffer.from(id ? hashBuyerId(id) : "");
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** 403 NOT_ORDER_BUYER unless the request comes from the browser that created the order. */
export async function assertOrderBuyer(orderNo: string, request: WithHeaders): Promise<void> {
  const o = await prisma.order.findUnique({ where: { orderNo }, select: { buyerIdHash: true } });
  if (!o) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  // Orders created before buyer binding existed carry no hash; they stay as they were.
  if (o.buyerIdHash === null) return;
  if (!carriesBuyer(request, o.buyerIdHash)) {
    throw new AppError("NOT_ORDER_BUYER", "只能在下单时使用的浏览器中取消或重新支付该订单");
  }
}

/**
 * Whether the request comes from the browser that created the order: it alone sees the order's
 * private details (lib/orders/view.ts). An order from before buyer binding has no provable buyer,
 * so nobody sees them there; an unknown order has no buyer.
 */
export async function isOrderBuyer(orderNo: string, request: WithHeaders): Promise<boolean> {
  const o = await prisma.order.findUnique({ where: { orderNo }, select: { buyerIdHash: true } });
  return o?.buyerIdHash != null && carriesBuyer(request, o.buyerIdHash);
}
