import { handleRefundNotification } from "@/lib/refunds/notify";

// A refund notification is ~1 KB; anything far larger is not from WeChat.
const MAX_NOTIFY_BYTES = 64 * 1024;
const tooLarge = () => new Response(JSON.stringify({ code: "FAIL", message: "body too large" }), { status: 413, headers: { "content-type": "application/json" } });

// The refund requests' notify_url (docs/wechatpay.md §14.4). The signature covers the raw bytes: read the text
// before anything parses it.
export async function POST(request: Request): Promise<Response> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_NOTIFY_BYTES) return tooLarge();
  const raw = await request.text();
  if (Buffer.byteLength(raw) > MAX_NOTIFY_BYTES) return tooLarge();
  const reply = await handleRefundNotification(request.headers, raw);
  return reply.body
    ? new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json" } })
    : new Response(null, { status: reply.status });
}
