import { isOrderBuyer } from "@/lib/orders/buyer";
import { checkPayment } from "@/lib/orders/check-payment";
import { assertSameOrigin } from "@/lib/http/request-guards";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

/** Open by order number (the shopper may come back in another browser); throttled per order in lib. */
export const POST = route(async (request: Request, { params }: Ctx) => {
  assertSameOrigin(request);
  const orderNo = parseOrderNo((await params).orderNo);
  const { order, retryAfterSeconds } = await checkPayment(orderNo, { isBuyer: await isOrderBuyer(orderNo, request) });
  return json({ ...order, retryAfterSeconds }, 200, retryAfterSeconds === null ? {} : { "retry-after": String(retryAfterSeconds) });
});
