import { adminRoute } from "@/lib/admin/guard";
import { applyFulfilment } from "@/lib/fulfilment/machine";
import { FulfilmentRequestSchema } from "@/lib/fulfilment/model";
import { json, readJson } from "@/lib/http/respond";
import { parseOrderNo } from "@/lib/orders/order-numbers";

type Ctx = { params: Promise<{ orderNo: string }> };

/**
 * One fulfilment move of one store's sub-order (README "Delivery and fulfilment"): SHIP, UPDATE_TRACKING,
 * DELIVERED, READY_FOR_PICKUP or PICKED_UP → 200 {fulfilment}. A lost race or a wrong state → 409
 * FULFILMENT_CONFLICT with the current fulfilment; audited with the session as actor.
 */
export const POST = adminRoute(async (request: Request, { params }: Ctx, actor) => {
  const orderNo = parseOrderNo((await params).orderNo);
  const body = await readJson(request, FulfilmentRequestSchema);
  return json({ fulfilment: await applyFulfilment(actor, orderNo, body) });
});
