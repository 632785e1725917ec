// Generic validation of what crosses the client's boundary: JSON text → zod schema, failing with a
// WechatPayValidationError that names the target (request / response / notification) and the first zod issue.
// Used by every client call and by notification parsing alike.
import type { ZodType } from "zod";
import { WechatPayValidationError, type WechatPayValidationIssue, type WechatPayValidationTarget } from "./errors";

export function zodIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string; code?: string }[];
}): WechatPayValidationIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
    message: i.message,
    ...(i.code ? { code: i.code } : {}),
  }));
}

export function parseWith<T>(schema: ZodType<T>, value: unknown, target: WechatPayValidationTarget, what: string, requestId?: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error);
  const first = issues[0];
  const where = first
    ? ` (${first.path.join(".") || "<root>"}: ${first.message}${issues.length > 1 ? `; +${issues.length - 1} more` : ""})`
    : "";
  throw new WechatPayValidationError(target, `invalid ${what}${where}`, issues, { requestId });
}

export function parseJson(text: string, target: WechatPayValidationTarget, what: string, requestId?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new WechatPayValidationError(target, `${what} is not valid JSON`, [{ path: [], message: "invalid JSON" }], { cause, requestId });
  }
}

/** A verified response body (the transport checked its signature) → JSON → schema. */
export function parseResponseBody<T>(schema: ZodType<T>, body: Buffer, what: string, requestId?: string): T {
  return parseWith(schema, parseJson(body.toString("utf8"), "response", what, requestId), "response", what, requestId);
}
