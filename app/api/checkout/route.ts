import { checkout, CheckoutBodySchema, CheckoutKeySchema } from "@/lib/orders/checkout";
import { assertSameOrigin, clientIp, preflightResponse } from "@/lib/http/request-guards";
import { json, parseWith, readJson, route } from "@/lib/http/respond";

export const POST = route(async (request: Request) => {
  assertSameOrigin(request);
  const body = await readJson(request, CheckoutBodySchema);
  const key = request.headers.get("idempotency-key");
  const checkoutKey = key === null ? undefined : parseWith(CheckoutKeySchema, key);
  const r = await checkout(body, { payerIp: clientIp(request), checkoutKey });
  return json({ orderNo: r.orderNo, payUrl: r.payUrl, expiresAt: r.expiresAt.toISOString() }, 201);
});

export const OPTIONS = (request: Request) => preflightResponse(request);
