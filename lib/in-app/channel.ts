// Which way a cart pays, from the browser it is in (README "Paying inside WeChat (JSAPI)"). One decision, one
// home: the checkout, the re-pay path and the cart page all ask this function. Pure, no I/O.
//
// - "jsapi": WeChat's own browser (not WeCom, not a mini-program web-view, where JSAPI is refused), with JSAPI
//   switched on and every store of the cart having authorised the provider's JSAPI product;
// - "guide": any other in-app browser, or WeChat while JSAPI is off or a store is not ready (the open-in-browser
//   guide of lib/in-app/open-in-browser.ts, as before JSAPI existed);
// - "h5": a real browser.
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
