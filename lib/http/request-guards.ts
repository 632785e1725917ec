import { isIP } from "node:net";
import { env } from "@/lib/env";
import { AppError } from "../errors";

/**
 * WeChat's H5 combine security rule: the create-order endpoint only serves our own pages. Browsers
 * always send Origin on a POST, so a missing or foreign Origin is refused (also CSRF protection).
 */
export function assertSameOrigin(request: Request): void {
  const origin = request.headers.get("origin");
  if (origin !== env().appOrigin) throw new AppError("ORIGIN_NOT_ALLOWED", "请求来源不被允许");
}

/** CORS preflight: never grant other origins; same-origin pages do not need a preflight. */
export function preflightResponse(request: Request): Response {
  const allowed = request.headers.get("origin") === env().appOrigin;
  return new Response(null, { status: allowed ? 204 : 403 });
}

/**
 * The shopper's IP for scene_info.payer_client_ip. Next.js fills X-Forwarded-For with the socket
 * address when a request has none, and otherwise leaves the header alone. Each trusted proxy appends
 * the peer it saw, so with N trusted proxies the client is the N-th entry from the right; entries
 * further left were written by the client and are ignored. (Without a proxy, a client that sends
 * its own X-Forwarded-For can still choose the value: deploy behind a proxy that sets it.)
 */
export function clientIp(request: Request, hops = env().trustProxyHops): string {
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const candidate = chain[chain.length - Math.max(hops, 1)] ?? "";
  const ip = candidate.replace(/^::ffff:/, "");
  return isIP(ip) ? ip : "127.0.0.1";
}
