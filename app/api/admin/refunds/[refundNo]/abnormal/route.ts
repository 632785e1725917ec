import { adminActor, adminRoute } from "@/lib/admin/guard";
import { json } from "@/lib/http/respond";
import { applyAbnormalRefund } from "@/lib/refunds/abnormal";
import { parseRefundNo } from "@/lib/refunds/admin";
import { getRefundView } from "@/lib/refunds/view";

type Ctx = { params: Promise<{ refundNo: string }> };

/** 退至商户银行卡: an ABNORMAL refund is paid into the merchant's bank account instead (docs/wechatpay.md §14.3). */
export const POST = adminRoute(async (request: Request, { params }: Ctx) => {
  const refundNo = parseRefundNo((await params).refundNo);
  await applyAbnormalRefund(refundNo, adminActor(request));
  return json({ refund: await getRefundView(refundNo) });
});
