import { isIP, isIPv6 } from "node:net";
import { env } from "@/lib/env";
import { AppError } from "../errors";
import { peerAddress } from "./peer-address";

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
 * The client's address as far as it can be trusted, or undefined when it cannot be known.
 * - Behind N trusted proxies (TRUST_PROXY_HOPS=N): each appends the peer it saw to X-Forwarded-For,
 *   so the client is the N-th entry from the right; entries further left were written by the client.
 * - Without a proxy (0): the socket address our HTTP server stamped (./peer-address.ts). Never
 *   X-Forwarded-For: Next.js leaves a client's own value in place, so it would be the client's choice.
 */
export function trustedClientAddress(request: Request, hops = env().trustProxyHops): string | undefined {
  let candidate: string | undefined;
  if (hops === 0) {
    candidate = peerAddress(request);
  } else {
    const chain = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    candidate = chain[chain.length - hops];
  }
  const ip = candidate?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  return ip && isIP(ip) ? ip : undefined;
}

/** The shopper's IP for scene_info.payer_client_ip (WeChat needs one: 127.0.0.1 when it cannot be known). */
export function clientIp(request: Request, hops = env().trustProxyHops): string {
  return trustedClientAddress(request, hops) ?? "127.0.0.1";
}

/**
 * The key a per-client limit counts under: the IPv4 address, or the /64 network of an IPv6 address
 * (one subscriber usually holds a whole /64, so one key per address would be one key per request).
 * Requests whose address cannot be trusted share the key "unknown" — one bucket, never one per request.
 */
export function clientKey(request: Request, hops = env().trustProxyHops): string {
  const ip = trustedClientAddress(request, hops);
  if (!ip) return "unknown";
  return isIPv6(ip) ? ipv6Network64(ip) : ip;
}

/** "2001:db8:a:b::/64" for any address in 2001:db8:a:b::/64 (the first four groups, without leading zeros). */
export function ipv6Network64(ip: string): string {
  const [head = "", tail = ""] = ip.split("%")[0]!.split("::") as [string?, string?];
  const left = head ? head.split(":") : [];
  const right = ip.includes("::") && tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 style) only ever sits in the last 32 bits: outside the /64.
  const groups = ip.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g || "0", 16) || 0).toString(16))
    .join(":")}::/64`;
}
