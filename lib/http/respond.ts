import type { z } from "zod";
import { AppError } from "./errors";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

export function errorResponse(e: unknown): Response {
  if (e instanceof AppError) return json({ code: e.code, message: e.message, ...e.extra }, e.status);
  // Unknown failures are logged with their stack but answered without internals.
  console.error("unhandled error", e);
  return json({ code: "INTERNAL", message: "服务暂时出错，请稍后重试" }, 500);
}

/** Wraps a route handler: every thrown error becomes one `{code, message}` response. */
export function route<A extends unknown[]>(fn: (...args: A) => Promise<Response>) {
  return async (...args: A): Promise<Response> => {
    try {
      return await fn(...args);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

const MAX_BODY_BYTES = 64 * 1024;

/** Reads and validates a JSON body: 415 for other types, 413 when too large, 400 for bad JSON or shape. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "请求格式必须是 JSON");
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", "请求内容过大");
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
    const where = issue.path.length ? issue.path.join(".") : "body";
    throw new AppError("INVALID_REQUEST", `请求参数有误（${where}: ${issue.message}）`, { field: where });
  }
  return r.data;
}
