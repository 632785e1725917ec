// Inside WeChat the tap on 去支付 may first go through WeChat's OAuth page (a full-page round trip, README "Paying
// inside WeChat (JSAPI)"): the request and its Idempotency-Key wait in this tab's sessionStorage, and the cart picks them
// up when the callback sends the shopper back (/?wxpay=continue). `tries` bounds the round trips of one tap: the first,
// and one restart when WeChat refused the openid (the server's `restart`). A chunk of its own: the cart's first load
// does not carry it.
import type { CheckoutRequest } from "./checkout-request";

const WXPAY_PENDING = "wxpay-pending";
type WxpayPending = { body: CheckoutRequest; key: string; tries: number };

export function loadPending(): WxpayPending | null {
  try {
    const p = JSON.parse(sessionStorage.getItem(WXPAY_PENDING) ?? "null") as WxpayPending | null;
    return p && typeof p.key === "string" && p.body && Array.isArray(p.body.items) ? p : null;
  } catch {
    return null;
  }
}

/** Keeps the request and goes to WeChat's authorization; false (and forgets it) once the one restart is spent. */
export function leaveForWechatAuth(body: CheckoutRequest, key: string, authorizeUrl: string, restart: boolean): boolean {
  const before = loadPending();
  const tries = restart && before?.key === key ? before.tries + 1 : 1;
  if (tries > 2) {
    sessionStorage.removeItem(WXPAY_PENDING);
    return false;
  }
  sessionStorage.setItem(WXPAY_PENDING, JSON.stringify({ body, key, tries } satisfies WxpayPending));
  window.location.assign(authorizeUrl);
  return true;
}

/** The contact and address of a sent request, as the form holds them. */
export function detailsOf(body: CheckoutRequest) {
  const a = body.delivery.address;
  return {
    name: body.contact.name,
    phone: body.contact.phone,
    province: a?.province ?? "",
    city: a?.city ?? "",
    district: a?.district ?? "",
    detail: a?.detail ?? "",
    postalCode: a?.postalCode ?? "",
  };
}
