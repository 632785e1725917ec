import { adminRoute } from "@/lib/admin/guard";
import { json } from "@/lib/http/respond";
import { applyAbnormalRefundAs, parseRefundNo } from "@/lib/refunds/admin";
import { getRefundView } from "@/lib/refunds/view";

type Ctx = { params: Promise<{ refundNo: string }> };

/** 退至商户银行卡: an ABNORMAL refund is paid into the merchant's bank account instead (docs/wechatpay.md §14.3). */
export const POST = adminRoute(async (_request: Request, { params }: Ctx, actor) => {
  const refundNo = parseRefundNo((await params).refundNo);
  await applyAbnormalRefundAs(actor, refundNo);
  return json({ refund: await getRefundView(refundNo) });
});
