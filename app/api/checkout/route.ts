import { z } from "zod";
import { checkout, CheckoutBodySchema, CheckoutKeySchema, type CheckoutResult } from "@/lib/orders/checkout";
import { env } from "@/lib/env";
import { CartDraftBodySchema, markResumedCheckout } from "@/lib/in-app/cart-drafts";
import { cartPayChannel } from "@/lib/in-app/channel";
import { detectInAppBrowser } from "@/lib/in-app/detect";
import { openInBrowserResponse } from "@/lib/in-app/open-in-browser";
import { isReauthRequired, openidFrom, startWechatAuth } from "@/lib/in-app/wechat-oauth";
import { buyerCookie, buyerIdForCheckout, hashBuyerId } from "@/lib/orders/buyer";
import { admitCheckout } from "@/lib/orders/checkout-limits";
import { assertSameOrigin, clientIp, preflightResponse } from "@/lib/http/request-guards";
import { json, parseWith, readJson, route } from "@/lib/http/respond";

export const POST = route(async (request: Request) => {
  assertSameOrigin(request);
  const data = await readJson(request, z.unknown());
  // H5 payment cannot work inside WeChat or another app's webview (docs/wechatpay.md §15): decided
  // before any order or prepay exists; the cart (and whatever of the form is filled in) leaves as a
  // draft behind a resume URL — unless this is WeChat itself with JSAPI on and every store of the cart ready
  // (lib/in-app/channel.ts), where the order is paid through WeixinJSBridge.
  const userAgent = request.headers.get("user-agent");
  const inApp = detectInAppBrowser(userAgent);
  let openid: string | undefined;
  if (inApp) {
    const draft = parseWith(CartDraftBodySchema, data);
    if (
      (await cartPayChannel(
        userAgent,
        draft.items.map((i) => i.sku),
      )) !== "jsapi"
    )
      return openInBrowserResponse(request, draft, inApp);
    parseWith(CheckoutBodySchema, data);
    // Who pays: asked of WeChat only now, on the tap (README "Paying inside WeChat (JSAPI)"); no order before it.
    openid = openidFrom(request);
    if (!openid) return startWechatAuth(request, draft.items);
  }
  const body = parseWith(CheckoutBodySchema, data);
  const key = request.headers.get("idempotency-key");
  const checkoutKey = key === null ? undefined : parseWith(CheckoutKeySchema, key);
  // The order is bound to this browser: close and re-pay need the same cookie (lib/orders/buyer.ts).
  const buyerId = buyerIdForCheckout(request, checkoutKey);
  let r: CheckoutResult;
  try {
    r = await checkout(body, {
      payerIp: clientIp(request),
      checkoutKey,
      buyerIdHash: hashBuyerId(buyerId),
      // 429/422 before any order, stock or prepay; a repeated key of an existing order never gets here
      admit: (products) => admitCheckout(request, body.items, products),
      jsapi: openid ? { openid } : undefined,
    });
  } catch (e) {
    // WeChat refused the openid (appid与openid不匹配, 下单账号与支付账号不一致): the order keeps no openid and the
    // page restarts the OAuth once; the same Idempotency-Key then resumes that order with the new openid.
    if (isReauthRequired(e)) return startWechatAuth(request, body.items, e.message);
    throw e;
  }
  const cookie = { "set-cookie": buyerCookie(buyerId) };
  const res =
    r.channel === "jsapi"
      ? json({ orderNo: r.orderNo, channel: "jsapi", payParams: r.payParams, expiresAt: r.expiresAt.toISOString() }, 201, cookie)
      : json({ orderNo: r.orderNo, payUrl: r.payUrl, expiresAt: r.expiresAt.toISOString() }, 201, cookie);
  // A cart a resume link carried out of an in-app browser: the order counts in the overview's funnel.
  return markResumedCheckout(request, r.orderNo, res, env().appBaseUrl.startsWith("https://"));
});

export const OPTIONS = (request: Request) => preflightResponse(request);
