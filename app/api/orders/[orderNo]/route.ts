import { isOrderBuyer } from "@/lib/orders/buyer";
import { closeIfExpired } from "@/lib/orders/close";
import { getOrderView } from "@/lib/orders/view";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ orderNo: string }> };

// Reads our database only; the one WeChat call possible here is closing an order found expired.
export const GET = route(async (request: Request, { params }: Ctx) => {
  const orderNo = parseOrderNo((await params).orderNo);
  await closeIfExpired(orderNo);
  return json(await getOrderView(orderNo, { isBuyer: await isOrderBuyer(orderNo, request) }));
});
