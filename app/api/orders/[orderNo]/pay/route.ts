import { assertOrderBuyer } from "@/lib/orders/buyer";
import { payFor } from "@/lib/orders/checkout";
import { channelConflict, orderPayChannel } from "@/lib/orders/pay-link";
import { choosePayChannel } from "@/lib/in-app/channel";
import { env } from "@/lib/env";
import { openidFrom } from "@/lib/in-app/wechat-oauth";
import { assertSameOrigin } from "@/lib/http/request-guards";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

/**
 * 重新支付 / 继续支付 in the channel the order was created for: H5 — the stored pay link while fresh, else a new one via
 * an identical-parameter re-prepay; JSAPI — the live prepay_id re-signed (no WeChat call), else an identical re-prepay.
 */
export const POST = route(async (request: Request, { params }: Ctx) => {
  assertSameOrigin(request);
  const orderNo = parseOrderNo((await params).orderNo);
  await assertOrderBuyer(orderNo, request);
  if ((await orderPayChannel(orderNo)) === "JSAPI") {
    // Only WeChat's own browser can open WeChat's cashier: anywhere else the order is sent back there (no WeChat call).
    const here = choosePayChannel(request.headers.get("user-agent"), { jsapiEnabled: env().wechatJsapi.enabled }, [{ jsapiEnabled: true }]);
    if (here !== "jsapi") throw channelConflict("H5");
    const openid = openidFrom(request);
    if (!openid) throw new AppError("WECHAT_AUTH_REQUIRED", "微信身份已过期，请回到购物车重新下单");
    const pay = await payFor(orderNo, new Date(), { openid });
    return json({ orderNo, channel: "jsapi", payParams: pay.channel === "jsapi" ? pay.payParams : undefined });
  }
  const pay = await payFor(orderNo, new Date(), undefined);
  return json({ orderNo, payUrl: pay.channel === "h5" ? pay.payUrl : undefined });
});
