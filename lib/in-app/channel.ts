// Which way a cart pays, from the browser it is in (README "Paying inside WeChat (JSAPI)"). One decision, one
// home: the checkout, the re-pay path and the cart page all ask choosePayChannel (pure, no I/O).
//
// - "jsapi": WeChat's own browser (not WeCom, not a mini-program web-view, where JSAPI is refused), with JSAPI
//   switched on and every store of the cart having authorised the provider's JSAPI product;
// - "guide": any other in-app browser, or WeChat while JSAPI is off or a store is not ready (the open-in-browser
//   guide of lib/in-app/open-in-browser.ts, as before JSAPI existed);
// - "h5": a real browser.
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { detectInAppBrowser } from "./detect";

export type PayChannel = "jsapi" | "guide" | "h5";

export function choosePayChannel(
  userAgent: string | null | undefined,
  config: { jsapiEnabled: boolean },
  stores: readonly { jsapiEnabled: boolean }[],
): PayChannel {
  const inApp = detectInAppBrowser(userAgent);
  if (inApp === null) return "h5";
  if (inApp !== "wechat" || !config.jsapiEnabled) return "guide";
  return stores.length > 0 && stores.every((s) => s.jsapiEnabled) ? "jsapi" : "guide";
}

/**
 * The channel of a checkout request: the stores of the cart are read only when they can matter (WeChat with JSAPI
 * on), so with JSAPI off the checkout costs exactly what it did before.
 */
export async function cartPayChannel(userAgent: string | null, skus: readonly string[]): Promise<PayChannel> {
  const config = { jsapiEnabled: env().wechatJsapi.enabled };
  const best = choosePayChannel(userAgent, config, [{ jsapiEnabled: true }]);
  if (best !== "jsapi") return best;
  const stores = await prisma.store.findMany({
    where: { products: { some: { sku: { in: [...skus] } } } },
    select: { jsapiEnabled: true },
  });
  return choosePayChannel(userAgent, config, stores);
}
