import { adminRoute } from "@/lib/admin/guard";
import { json } from "@/lib/http/respond";
import { parseRefundNo } from "@/lib/refunds/admin";
import { refreshRefund } from "@/lib/refunds/ledger";
import { getRefundView } from "@/lib/refunds/view";

type Ctx = { params: Promise<{ refundNo: string }> };

/** 查询退款: asks WeChat (a PENDING refund is re-sent with the same number and body) and returns the refund. */
export const POST = adminRoute(async (_request: Request, { params }: Ctx) => {
  const refundNo = parseRefundNo((await params).refundNo);
  const { problem } = await refreshRefund(refundNo);
  const refund = await getRefundView(refundNo);
  return json({ refund: { ...refund, ...(problem ? { problem } : {}) } });
});
