import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json } from "@/lib/http/respond";
import { queryAndApply } from "@/lib/orders/query";
import { getOrderView, STAFF_ACCESS } from "@/lib/orders/view";

type Ctx = { params: Promise<{ orderNo: string }> };

/** 立即查询: combine query at WeChat, applied through the same idempotent path as notifications. */
export const POST = adminRoute(async (_request: Request, { params }: Ctx) => {
  const orderNo = parseOrderNo((await params).orderNo);
  const outcome = await queryAndApply(orderNo);
  return json({ outcome, order: await getOrderView(orderNo, STAFF_ACCESS) });
});
