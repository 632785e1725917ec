import { isIP } from "node:net";
import { env } from "@/lib/env";
import { AppError } from "./errors";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";

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
 * The shopper's IP for scene_info.payer_client_ip. Next.js puts the socket address in
 * X-Forwarded-For when the request has none; with TRUST_PROXY_HOPS=N we take the address the
 * N-th trusted proxy saw (N from the right), never a value a client could choose past our proxies.
 */
export function clientIp(request: Request): string {
  const hops = env().trustProxyHops;
  const chain = (request.headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const candidate = chain[Math.max(0, chain.length - 1 - hops)] ?? "";
  const ip = candidate.replace(/^::ffff:/, "");
  return isIP(ip) ? ip : "127.0.0.1";
}

export function parseOrderNo(value: string): string {
  if (!ORDER_NO_PATTERN.test(value)) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return value;
}
