import { adminRoute } from "@/lib/admin/guard";
import { json } from "@/lib/http/respond";
import { parseRefundNo, refreshRefundAs } from "@/lib/refunds/admin";
import { getRefundView } from "@/lib/refunds/view";

type Ctx = { params: Promise<{ refundNo: string }> };

/** 查询退款: asks WeChat (a PENDING refund is re-sent with the same number and body) and returns the refund. */
export const POST = adminRoute(async (_request: Request, { params }: Ctx, actor) => {
  const refundNo = parseRefundNo((await params).refundNo);
  const { problem } = await refreshRefundAs(actor, refundNo);
  const refund = await getRefundView(refundNo);
  return json({ refund: { ...refund, ...(problem ? { problem } : {}) } });
});
