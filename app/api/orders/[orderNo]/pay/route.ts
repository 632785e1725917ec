import { assertOrderBuyer } from "@/lib/orders/buyer";
import { ensurePayUrl } from "@/lib/orders/pay-link";
import { assertSameOrigin } from "@/lib/http/request-guards";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 重新支付: the stored pay link while fresh, else a new one via an identical-parameter re-prepay. */
export const POST = route(async (request: Request, { params }: Ctx) => {
  assertSameOrigin(request);
  const orderNo = parseOrderNo((await params).orderNo);
  await assertOrderBuyer(orderNo, request);
  const { payUrl } = await ensurePayUrl(orderNo);
  return json({ orderNo, payUrl });
});
