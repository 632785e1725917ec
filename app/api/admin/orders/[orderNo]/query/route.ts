import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json } from "@/lib/http/respond";
import { adminOrderView, queryOrderAs } from "@/lib/orders/admin-actions";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 立即查询: combine query at WeChat, applied through the same idempotent path as notifications. */
export const POST = adminRoute(async (_request: Request, { params }: Ctx, actor) => {
  const orderNo = parseOrderNo((await params).orderNo);
  const outcome = await queryOrderAs(actor, orderNo);
  // The public view (masked contact): staff read the full order on its back-office page.
  return json({ outcome, order: await adminOrderView(actor, orderNo) });
});
