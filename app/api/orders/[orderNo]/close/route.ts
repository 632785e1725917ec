import { assertOrderBuyer } from "@/lib/orders/buyer";
import { closeOrder } from "@/lib/orders/close";
import { getOrderView } from "@/lib/orders/view";
import { assertSameOrigin } from "@/lib/http/request-guards";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

export const POST = route(async (request: Request, { params }: Ctx) => {
  assertSameOrigin(request);
  const orderNo = parseOrderNo((await params).orderNo);
  await assertOrderBuyer(orderNo, request);
  await closeOrder(orderNo, "SHOPPER_CANCELLED");
  return json(await getOrderView(orderNo, { isBuyer: true })); // assertOrderBuyer above
});
