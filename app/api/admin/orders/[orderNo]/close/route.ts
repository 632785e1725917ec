import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json } from "@/lib/http/respond";
import { closeOrder } from "@/lib/orders/close";
import { getOrderView, STAFF_ACCESS } from "@/lib/orders/view";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 关闭订单: closes an unpaid order at WeChat and locally (a paid order answers 409 ORDER_PAID). */
export const POST = adminRoute(async (_request: Request, { params }: Ctx) => {
  const orderNo = parseOrderNo((await params).orderNo);
  await closeOrder(orderNo, "MERCHANT");
  return json({ order: await getOrderView(orderNo, STAFF_ACCESS) });
});
