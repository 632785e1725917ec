// One log line per HTTP request, and the request id that ties a request's lines together.
//
// Next.js has no hook that sees a request's final status and duration (the proxy runs before the page or
// route renders, and it is not matched for every path), so the line is written at the one place that sees every
// request: the Node.js HTTP server. instrumentHttpServer() wraps `http.Server.prototype.emit` for "request"
// events — the same hook OpenTelemetry's HTTP instrumentation uses — and is installed once by lib/startup.ts
// (instrumentation.ts). It covers pages, route handlers, static files and 404s alike, under `next start`,
// `next dev` and the standalone server.js.
//
// X-Request-Id: a sane id sent by the proxy in front (nginx `$request_id`, a load balancer's trace id) is kept,
// anything else is replaced by a fresh UUID; the id is written back into the request (route handlers and the
// proxy see it), returned in the response, and set as the log context of everything the request causes.
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { logger, runWithLogContext } from "@/lib/log";

export const REQUEST_ID_HEADER = "x-request-id";

// 8–128 characters from a conservative set: enough for UUIDs, nginx's 32 hex digits, AWS/GCP trace ids; never
// spaces, quotes or control characters that could forge a log line or a header.
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@=+/-]{7,127}$/;

/** The proxy's id when it looks sane, otherwise undefined. */
export function saneRequestId(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === "string" && SANE_REQUEST_ID.test(v) ? v : undefined;
}

/** The request id to use for a request carrying `header` (the proxy's when sane, else a new UUID). */
export function requestIdFor(header: unknown): string {
  return saneRequestId(header) ?? randomUUID();
}

// Load balancers probe these every few seconds: their successful answers are logged at debug only.
const PROBES = new Set(["/api/health", "/api/ready"]);
const MAX_PATH_CHARS = 200;

// Paths that carry a secret themselves: the staff invite links (README "Staff accounts").
const SECRET_PATHS = /^(\/admin\/invite\/|\/api\/admin\/invites\/)[^/]+/;

/**
 * The path without the query string (queries may carry tokens: resume links, bill downloads), and with
 * the token of an invite link replaced by `[token]`.
 */
export function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const q = raw.indexOf("?");
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(SECRET_PATHS, "$1[token]");
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;
}

const log = logger("http");

export interface RequestHookOptions {
  /**
   * True once shutdown has begun (lib/ops/lifecycle.ts): answers then carry `Connection: close`. Next.js's
   * server.close() refuses new connections, but a keep-alive connection that is busy at that moment would go
   * on carrying request after request (a proxy's pooled connection under load), and the server would never
   * finish closing; this way each such connection is closed after the answer it is carrying.
   */
  draining?: () => boolean;
}

/** Wraps one request: id in, id out, one line when the response is finished (or the client went away). */
export function trackRequest(req: IncomingMessage, res: ServerResponse, opts: RequestHookOptions = {}): string {
  const reqId = requestIdFor(req.headers[REQUEST_ID_HEADER]);
  req.headers[REQUEST_ID_HEADER] = reqId;
  res.setHeader("X-Request-Id", reqId);
  if (opts.draining?.()) res.setHeader("Connection", "close");
  const started = process.hrtime.bigint();
  let logged = false;
  const done = () => {
    if (logged) return;
    logged = true;
    const path = pathOf(req.url);
    const status = res.statusCode;
    const line = {
      reqId,
      method: req.method,
      route: path,
      status,
      durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      ...(res.writableFinished ? {} : { aborted: true }),
    };
    if (status >= 500) log.warn(line, "request");
    else if (PROBES.has(path) && status < 400) log.debug(line, "request");
    else log.info(line, "request");
  };
  res.once("finish", done);
  res.once("close", done);
  return reqId;
}

const INSTALLED = Symbol.for("wcp.requestLog");

/** Installs the request hook on every node:http server of this process (idempotent), or on one server. */
export function instrumentHttpServer(server: Pick<http.Server, "emit"> = http.Server.prototype, opts: RequestHookOptions = {}): void {
  type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
  const proto = server as unknown as { emit: Emit; [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const emit = proto.emit;
  proto.emit = function (this: unknown, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== "request") return emit.call(this, event, ...args);
    const reqId = trackRequest(args[0] as IncomingMessage, args[1] as ServerResponse, opts);
    return runWithLogContext({ reqId }, () => emit.call(this, event, ...args));
  };
}
