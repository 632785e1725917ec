import type { z } from "zod";
import { env } from "@/lib/env";
import { logContext, logger, withLogContext } from "@/lib/log";
import { readTextCapped } from "./body";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-log";
import { AppError, invalidField } from "../errors";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(e: unknown): Response {
  if (e instanceof AppError) {
    // Throttled answers (429, and "try again in n s" hints) carry the standard header too.
    const retry = e.extra?.retryAfterSeconds;
    const headers: Record<string, string> = typeof retry === "number" ? { "retry-after": String(retry) } : {};
    return json({ code: e.code, message: e.message, ...e.extra }, e.status, headers);
  }
  // Unknown failures are logged with their stack but answered without internals.
  // SQLite stayed locked by another process through every retry (lib/db.ts); Prisma re-wraps the
  // AppError thrown there but keeps its code. P2028: a transaction could not get a connection (or finish)
  // within its wait — an overloaded database pool, as retryable as a lock.
  const code = (e as { code?: unknown } | null)?.code;
  if (code === "DATABASE_BUSY" || code === "P2028") {
    return errorResponse(new AppError("DATABASE_BUSY", "系统繁忙，请稍后重试", { retryAfterSeconds: 1 }));
  }
  logger("http").error({ err: e }, "unhandled error");
  return json({ code: "INTERNAL", message: "服务暂时出错，请稍后重试" }, 500);
}

/**
 * Wraps a route handler: every thrown error becomes one `{code, message}` response, and everything logged while
 * it runs carries the request id, which the answer returns as X-Request-Id. Under the server the id comes from
 * the request hook (lib/http/request-log.ts), which also writes the request's log line; a handler called
 * directly (tests, another caller) takes a sane X-Request-Id from the request or makes one.
 */
export function route<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    const request = args[0] instanceof Request ? args[0] : undefined;
    const reqId = logContext()?.reqId ?? requestIdFor(request?.headers.get(REQUEST_ID_HEADER));
    return withLogContext({ reqId }, async () => {
      let response: Response;
      try {
        response = await fn(...args);
      } catch (e) {
        response = errorResponse(e);
      }
      return withRequestId(response, reqId);
    });
  };
}

function withRequestId(response: Response, reqId: string): Response {
  try {
    if (!response.headers.has(REQUEST_ID_HEADER)) response.headers.set(REQUEST_ID_HEADER, reqId);
  } catch {
    // immutable headers (Response.redirect): the server hook still sets the header
  }
  return response;
}

/**
 * Reads and validates a JSON body: 415 for other types, 413 past the cap (API_MAX_BODY_BYTES by
 * default, streamed: nothing past the cap is buffered), 400 for bad JSON or shape.
 */
export async function readJson<S extends z.ZodType>(
  request: Request,
  schema: S,
  maxBytes = env().limits.apiMaxBodyBytes,
): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "请求格式必须是 JSON");
  const text = await readTextCapped(request, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new AppError("INVALID_JSON", "请求内容不是有效的 JSON");
  }
  return parseWith(schema, data);
}

export function parseWith<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw invalidField(issue.path.length ? issue.path.join(".") : "body", issue.message);
  }
  return r.data;
}
