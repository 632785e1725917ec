import { env } from "@/lib/env";
import { readTextCapped } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/respond";
import { countJunkNotification } from "@/lib/orders/junk";
import { handleRefundNotification } from "@/lib/refunds/notify";

// The refund requests' notify_url (docs/wechatpay.md §14.4). The signature covers the raw bytes: read the
// text before anything parses it, streamed under the same cap as payment notifications.
export async function POST(request: Request): Promise<Response> {
  let raw: string;
  try {
    raw = await readTextCapped(request, env().limits.notifyMaxBodyBytes);
  } catch (e) {
    if (e instanceof AppError && e.code === "PAYLOAD_TOO_LARGE") countJunkNotification("refund-body-too-large");
    return errorResponse(e);
  }
  const reply = await handleRefundNotification(request.headers, raw);
  return reply.body
    ? new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json" } })
    : new Response(null, { status: reply.status });
}
