// Our answer to a WeChat Pay notification (docs/wechatpay.md §7.5): 204 without a body once it is recorded
// (or deliberately ignored); otherwise a 4xx/5xx with {"code":"FAIL","message":…}, after which WeChat delivers
// it again later. The payment and refund handlers build replies with these; the route sends them.

export interface NotifyReply {
  status: number;
  /** undefined = empty body (204) */
  body?: { code: "FAIL"; message: string };
}

/** Recorded (or acknowledged so it is not retried forever): 204, no body. */
export const NOTIFY_ACCEPTED: NotifyReply = Object.freeze({ status: 204 });

/** Refused: WeChat retries on its schedule. */
export function notifyFail(status: number, message: string): NotifyReply {
  return { status, body: { code: "FAIL", message } };
}

export function notifyResponse(reply: NotifyReply): Response {
  return reply.body
    ? new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json" } })
    : new Response(null, { status: reply.status });
}
