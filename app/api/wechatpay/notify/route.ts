import { handlePaymentNotification } from "@/lib/orders/notify";

// The signature covers the raw bytes: read the text before anything parses it.
export async function POST(request: Request): Promise<Response> {
  const raw = await request.text();
  const reply = await handlePaymentNotification(request.headers, raw);
  return reply.body
    ? new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json" } })
    : new Response(null, { status: reply.status });
}
