import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json } from "@/lib/http/respond";
import { closeOrder } from "@/lib/orders/close";
import { getOrderView } from "@/lib/orders/view";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 关闭订单: closes an unpaid order at WeChat and locally (a paid order answers 409 ORDER_PAID). */
export const POST = adminRoute(async (_request: Request, { params }: Ctx) => {
  const orderNo = parseOrderNo((await params).orderNo);
  await closeOrder(orderNo, "MERCHANT");
  // The public view (masked contact): staff read the full order on its back-office page.
  return json({ order: await getOrderView(orderNo, "stranger") });
});
