// WeChat's own cashier inside WeChat's browser (README "Paying inside WeChat (JSAPI)"): WeixinJSBridge.invoke(
// 'getBrandWCPayRequest', the six signed fields, callback). Loaded only as a chunk of its own when a JSAPI payment
// starts, so no other page (nor the cart's first load) carries it.
//
// Whatever the callback says — ':ok', ':cancel', ':fail', or nothing at all when WeChat closes the page (点金计划) —
// the page only goes to the order's result page. The order's state comes from the notification or the result page's
// "check payment", never from here; the result is passed along only so a cancel can offer 继续支付.

/** The six fields the server signed (appId with a capital I, timeStamp in seconds as a string). */
export type BridgePayParams = {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: "RSA";
  paySign: string;
};

type BridgeResult = { err_msg?: string; errMsg?: string };
type Bridge = { invoke(name: string, params: BridgePayParams, callback: (res: BridgeResult) => void): void };

export type PayOutcome = "ok" | "cancel" | "fail";

/** ':ok' / ':cancel' / anything else (an empty answer included) is a failure. */
export function outcomeOf(res: BridgeResult | undefined): PayOutcome {
  const msg = res?.err_msg ?? res?.errMsg ?? "";
  if (msg.endsWith(":ok")) return "ok";
  if (msg.endsWith(":cancel")) return "cancel";
  return "fail";
}

/** Calls the bridge once it is there: WeChat injects it after the page starts, announced by WeixinJSBridgeReady. */
export function invokeBridge(params: BridgePayParams, done: (outcome: PayOutcome) => void): void {
  const w = window as unknown as { WeixinJSBridge?: Bridge };
  const run = () => w.WeixinJSBridge!.invoke("getBrandWCPayRequest", params, (res) => done(outcomeOf(res)));
  if (w.WeixinJSBridge) run();
  else document.addEventListener("WeixinJSBridgeReady", run, { once: true });
}

/** Pays and then, whatever happened, opens the order's result page. */
export function payInWechat(orderNo: string, params: BridgePayParams): void {
  invokeBridge(params, (outcome) => {
    // A full page load on purpose: the result page is rendered by the server from our database.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign(`${window.location.origin}/orders/${encodeURIComponent(orderNo)}?wx=${outcome}`);
  });
}
