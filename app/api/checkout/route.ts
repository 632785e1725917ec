import { z } from "zod";
import { checkout, CheckoutBodySchema, CheckoutKeySchema } from "@/lib/orders/checkout";
import { env } from "@/lib/env";
import { CartDraftBodySchema, markResumedCheckout } from "@/lib/in-app/cart-drafts";
import { detectInAppBrowser } from "@/lib/in-app/detect";
import { openInBrowserResponse } from "@/lib/in-app/open-in-browser";
import { buyerCookie, buyerIdForCheckout, hashBuyerId } from "@/lib/orders/buyer";
import { admitCheckout } from "@/lib/orders/checkout-limits";
import { assertSameOrigin, clientIp, preflightResponse } from "@/lib/http/request-guards";
import { json, parseWith, readJson, route } from "@/lib/http/respond";

export const POST = route(async (request: Request) => {
  assertSameOrigin(request);
  const data = await readJson(request, z.unknown());
  // H5 payment cannot work inside WeChat or another app's webview (docs/wechatpay.md §15): decided
  // before any order or prepay exists; the cart (and whatever of the form is filled in) leaves as a
  // draft behind a resume URL.
  const inApp = detectInAppBrowser(request.headers.get("user-agent"));
  if (inApp) return openInBrowserResponse(request, parseWith(CartDraftBodySchema, data), inApp);
  const body = parseWith(CheckoutBodySchema, data);
  const key = request.headers.get("idempotency-key");
  const checkoutKey = key === null ? undefined : parseWith(CheckoutKeySchema, key);
  // The order is bound to this browser: close and re-pay need the same cookie (lib/orders/buyer.ts).
  const buyerId = buyerIdForCheckout(request, checkoutKey);
  const r = await checkout(body, {
    payerIp: clientIp(request),
    checkoutKey,
    buyerIdHash: hashBuyerId(buyerId),
    // 429/422 before any order, stock or prepay; a repeated key of an existing order never gets here
    admit: (products) => admitCheckout(request, body.items, products),
  });
  const res = json({ orderNo: r.orderNo, payUrl: r.payUrl, expiresAt: r.expiresAt.toISOString() }, 201, {
    "set-cookie": buyerCookie(buyerId),
  });
  // A cart a resume link carried out of an in-app browser: the order counts in the overview's funnel.
  return markResumedCheckout(request, r.orderNo, res, env().appBaseUrl.startsWith("https://"));
});

export const OPTIONS = (request: Request) => preflightResponse(request);
