import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json } from "@/lib/http/respond";
import { adminOrderView, closeOrderAs } from "@/lib/orders/admin-actions";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 关闭订单: closes an unpaid order at WeChat and locally (a paid order answers 409 ORDER_PAID). */
export const POST = adminRoute(async (_request: Request, { params }: Ctx, actor) => {
  const orderNo = parseOrderNo((await params).orderNo);
  await closeOrderAs(actor, orderNo);
  // The public view (masked contact): staff read the full order on its back-office page.
  return json({ order: await adminOrderView(actor, orderNo) });
});
