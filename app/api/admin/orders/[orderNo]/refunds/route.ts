import { adminRoute } from "@/lib/admin/guard";
import { parseOrderNo } from "@/lib/orders/order-numbers";
import { json, readJson } from "@/lib/http/respond";
import { idempotencyKey, RefundRequestBodySchema, requestRefundAs } from "@/lib/refunds/admin";
import { getRefundView } from "@/lib/refunds/view";

type Ctx = { params: Promise<{ orderNo: string }> };

/**
 * Refund one store's sub-order (docs/wechatpay.md §14): 201 {refund} once the ledger holds it — with
 * refund.problem when WeChat did not accept it (what to do is in problem.advice). A repeated Idempotency-Key
 * returns the same refund and never calls WeChat again. Another store's order → 404; no refund flag or over the
 * account's refund limit → 403 FORBIDDEN.
 */
export const POST = adminRoute(async (request: Request, { params }: Ctx, actor) => {
  const orderNo = parseOrderNo((await params).orderNo);
  const key = idempotencyKey(request);
  const body = await readJson(request, RefundRequestBodySchema);
  const r = await requestRefundAs(actor, {
    orderNo,
    outTradeNo: body.outTradeNo,
    amountFen: body.amountFen,
    reason: body.reason,
    idempotencyKey: key,
  });
  const refund = await getRefundView(r.refundNo);
  return json({ refund: { ...refund, ...(r.problem ? { problem: r.problem } : {}) }, replayed: r.replayed }, 201);
});
