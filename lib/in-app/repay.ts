// 重新支付 / 继续支付 (POST /api/orders/{orderNo}/pay) in the channel of the browser asking (README "Paying inside WeChat
// (JSAPI)"): the order's own channel when this browser can pay with it, else a switch — the old attempt closed at
// WeChat first, the order re-issued under a new combine number (lib/orders/channel-switch.ts).
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { payFor, type Payment } from "@/lib/orders/checkout";
import { switchPayChannel } from "@/lib/orders/channel-switch";
import { channelConflict, orderPayChannel, orderStoresJsapiReady } from "@/lib/orders/pay-link";
import { choosePayChannel } from "./channel";
import { openidFrom, openidFromCookies } from "./wechat-oauth";

export type Repaid = { orderNo: string } & Payment;

export async function repay(orderNo: string, request: Request, now = new Date()): Promise<Repaid> {
  const userAgent = request.headers.get("user-agent");
  const config = { jsapiEnabled: env().wechatJsapi.enabled };
  const current = await orderPayChannel(orderNo);
  if (current === "JSAPI") {
    const here = choosePayChannel(userAgent, config, [{ jsapiEnabled: true }]);
    if (here === "guide") throw channelConflict("H5"); // another app's webview: neither channel works here
    if (here === "h5") {
      const successor = await switchPayChannel(orderNo, "H5", { now });
      return { orderNo: successor, ...(await payFor(successor, now, undefined)) };
    }
    const openid = openidFrom(request);
    if (!openid) throw new AppError("WECHAT_AUTH_REQUIRED", "微信身份已过期，请回到购物车重新下单");
    return { orderNo, ...(await payFor(orderNo, now, { openid })) };
  }
  // An H5 order inside WeChat, where every one of its stores is JSAPI-ready and the payer is known: switch to JSAPI.
  const openid = openidFrom(request);
  if (openid && choosePayChannel(userAgent, config, await orderStoresJsapiReady(orderNo)) === "jsapi") {
    const successor = await switchPayChannel(orderNo, "JSAPI", { openid, now });
    return { orderNo: successor, ...(await payFor(successor, now, { openid })) };
  }
  return { orderNo, ...(await payFor(orderNo, now, undefined)) };
}

/**
 * Whether the result page, rendered for this browser, pays through WeChat's cashier: a JSAPI order inside WeChat, or an
 * H5 order inside WeChat whose stores are all JSAPI-ready when the payer is already known (重新支付 then switches it).
 */
export async function paysInWechat(
  orderNo: string,
  status: string,
  userAgent: string | null,
  cookieHeader: string | null,
): Promise<boolean> {
  const config = { jsapiEnabled: env().wechatJsapi.enabled };
  if (choosePayChannel(userAgent, config, [{ jsapiEnabled: true }]) !== "jsapi") return false;
  if ((await orderPayChannel(orderNo)) === "JSAPI") return true;
  if (status !== "PENDING" || openidFromCookies(cookieHeader) === undefined) return false;
  return choosePayChannel(userAgent, config, await orderStoresJsapiReady(orderNo)) === "jsapi";
}
