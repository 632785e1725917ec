import { assertOrderBuyer } from "@/lib/orders/buyer";
import { repay } from "@/lib/in-app/repay";
import { assertSameOrigin } from "@/lib/http/request-guards";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

/**
 * 重新支付 / 继续支付: H5 — the stored pay link while fresh, else a new one via an identical-parameter re-prepay; JSAPI
 * inside WeChat — the live prepay_id re-signed (no WeChat call), else an identical re-prepay. From the other channel's
 * browser the old attempt is closed at WeChat first and the order re-issued under a new number (`orderNo` in the answer).
 */
export const POST = route(async (request: Request, { params }: Ctx) => {
  assertSameOrigin(request);
  const orderNo = parseOrderNo((await params).orderNo);
  await assertOrderBuyer(orderNo, request);
  const r = await repay(orderNo, request);
  if (r.channel === "jsapi") return json({ orderNo: r.orderNo, channel: "jsapi", payParams: r.payParams });
  return json({ orderNo: r.orderNo, payUrl: r.payUrl });
});
