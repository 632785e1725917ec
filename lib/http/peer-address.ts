// The address of the TCP peer, for a server that no proxy stands in front of (TRUST_PROXY_HOPS=0).
//
// A route handler only sees headers. Next.js fills X-Forwarded-For with the socket address when a
// request carries none and leaves a client's own value alone, so without a proxy that header is
// whatever the client wrote: a limit keyed on it is one new key per request. Instead, the HTTP
// server (patched once at start-up, lib/startup.ts) stamps every request with the socket's address
// in PEER_HEADER, overwriting anything the client sent under that name. The stamp carries a random
// per-process secret, so a stamp the client forged — or a request that reached a handler without
// passing the patched server (tests, the first request racing start-up) — is simply not trusted.
import { randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import https from "node:https";

export const PEER_HEADER = "x-peer-address";

// Shared through globalThis: Next.js bundles instrumentation and the routes separately, so this
// module may be loaded twice in one process, and both copies must agree on the secret.
const STATE = Symbol.for("wechatpay-combine-checkout.peer-address");
type State = { secret: string; installed: boolean };
function state(): State {
  const g = globalThis as unknown as Record<symbol, State | undefined>;
  return (g[STATE] ??= { secret: randomBytes(18).toString("base64url"), installed: false });
}

/** The header value the patched server writes for `address` (exported for tests that play the server). */
export function peerStamp(address: string): string {
  return `${state().secret} ${address}`;
}

/**
 * Patches http(s).Server so every "request" event stamps the socket address before any listener
 * (Next.js's) runs. Idempotent. Called once per process at start-up.
 */
export function installPeerAddressStamp(): void {
  const s = state();
  if (s.installed) return;
  s.installed = true;
  for (const Server of [http.Server, https.Server]) {
    const emit = Server.prototype.emit as (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
    Server.prototype.emit = function (this: unknown, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        const req = args[0] as http.IncomingMessage;
        req.headers[PEER_HEADER] = peerStamp(req.socket?.remoteAddress ?? "");
      }
      return emit.call(this, event, ...args);
    } as typeof Server.prototype.emit;
  }
}

/** The socket address the server stamped on this request, or undefined when there is no genuine stamp. */
export function peerAddress(request: Request): string | undefined {
  const value = request.headers.get(PEER_HEADER);
  const space = value?.indexOf(" ") ?? -1;
  if (!value || space < 0) return undefined;
  const given = Buffer.from(value.slice(0, space));
  const secret = Buffer.from(state().secret);
  if (given.length !== secret.length || !timingSafeEqual(given, secret)) return undefined;
  return value.slice(space + 1) || undefined;
}
