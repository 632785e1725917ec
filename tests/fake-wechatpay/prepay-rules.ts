// Field rules of POST /v3/combine-transactions/h5 (§3, with the §12 choices) and /jsapi (the same plus the payer). Every refusal is an ApiError whose
// PARAM_ERROR detail.field is a JSON pointer into the body (§9.1), so a failing client sees exactly which field.
import { isIP } from "node:net";
import { z } from "zod";
import { ApiError, paramError } from "./errors";
import type { FakeKeys } from "./keys";
import { openidBelongsTo } from "./oauth-codes";
import { parseRfc3339WithOffset } from "./time";

/** §12: 6–32 chars of [0-9A-Za-z_-|*] (no `@`) satisfies every doc variant. */
export const ORDER_NO_RE = /^[0-9A-Za-z_\-|*]{6,32}$/;
const ORDER_NO_ISSUE = "must be 6-32 characters of [0-9A-Za-z_-|*]";

const text = (max: number) => z.string().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

const subOrderSchema = z.strictObject({
  mchid: text(32),
  sub_mchid: text(32).optional(),
  // §13.1: sub_appid in SP H5 is unconfirmed; accepted (partner mode only, see below).
  sub_appid: text(32).optional(),
  attach: text(128),
  amount: z.strictObject({
    total_amount: z.int("must be an integer amount in fen").min(1, "must be greater than 0 (fen)"),
    currency: z.literal("CNY", "must be CNY"),
  }),
  out_trade_no: z.string().regex(ORDER_NO_RE, ORDER_NO_ISSUE),
  // §12: the table says 128, the text says "不能超过127个字符": enforce 127 characters.
  description: text(127),
  // settle_info.subsidy_amount is ecommerce-only (§3.2) and therefore an unknown field here.
  settle_info: z.strictObject({ profit_sharing: z.boolean().optional() }).optional(),
  goods_tag: text(32).optional(),
});

const payerClientIp = z
  .string()
  .max(45)
  .refine((v) => isIP(v) !== 0, "must be the user's IPv4 or IPv6 address");
// §12: old page [7,16], new page string(32): 7–16 satisfies both.
const deviceId = z.string().min(7, "must be 7-16 characters").max(16, "must be 7-16 characters");

const prepayCommon = {
  combine_appid: text(32),
  combine_mchid: text(32),
  combine_out_trade_no: z.string().regex(ORDER_NO_RE, ORDER_NO_ISSUE),
  sub_orders: z.array(subOrderSchema).min(1, "must contain at least 1 sub-order").max(50, "must contain at most 50 sub-orders"),
  time_expire: z.string().optional(),
  notify_url: z.string().min(1, "must not be empty"),
};

const h5PrepaySchema = z.strictObject({
  ...prepayCommon,
  // §12 "always send them": scene_info and h5_info are required here, which is never wrong against the real service.
  scene_info: z.strictObject({
    payer_client_ip: payerClientIp,
    device_id: deviceId,
    h5_info: z.strictObject({
      type: z.enum(["iOS", "Android", "Wap"], "must be one of Wap, iOS, Android"),
      app_name: text(64).optional(),
      app_url: text(128).optional(),
      bundle_id: text(128).optional(),
      package_name: text(128).optional(),
    }),
  }),
  // time_start, combine_payer_info, limit_pay … are absent from the 普通 H5 schema (§3.1) → strictObject rejects them.
});

/** JSAPI combine (inside WeChat): the H5 fields, the payer's openid, no h5_info, device_id optional, time_start allowed. */
const jsapiPrepaySchema = z.strictObject({
  ...prepayCommon,
  scene_info: z.strictObject({ payer_client_ip: payerClientIp, device_id: deviceId.optional() }),
  combine_payer_info: z.strictObject({
    openid: text(128),
    // exists in the models for a sub_appid's user; the fake accepts and ignores it
    sub_openid: text(128).optional(),
  }),
  time_start: z.string().optional(),
});

export type PrepayChannel = "H5" | "JSAPI";
type PrepayBodyOf<C extends PrepayChannel> = C extends "H5" ? z.infer<typeof h5PrepaySchema> : z.infer<typeof jsapiPrepaySchema>;

export type PrepayBody = z.infer<typeof h5PrepaySchema> | z.infer<typeof jsapiPrepaySchema>;

export interface ValidPrepay<C extends PrepayChannel = PrepayChannel> {
  body: PrepayBodyOf<C>;
  channel: C;
  mode: "direct" | "partner";
  /** Key-sorted JSON of the body as sent: two calls are "identical" when these strings are equal (§3.3). */
  canonical: string;
  timeExpireMs: number;
}

const pointer = (path: readonly PropertyKey[]) =>
  path.map((p) => `/${String(p).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("") || "/";

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[String(p)];
  }
  return v;
}

/** §1.4: no nulls (omit the key) and no 4-byte UTF-8 characters anywhere in the body. */
export function checkNullsAndCharset(v: unknown, path: (string | number)[]): void {
  if (v === null) throw paramError(pointer(path), "null is not allowed: omit the field instead (§1.4)");
  if (typeof v === "string") {
    for (const ch of v) {
      if (ch.codePointAt(0)! > 0xffff)
        throw paramError(pointer(path), "contains a 4-byte UTF-8 character (e.g. emoji), which is not allowed", v);
    }
  } else if (Array.isArray(v)) {
    v.forEach((item, i) => checkNullsAndCharset(item, [...path, i]));
  } else if (typeof v === "object") {
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) checkNullsAndCharset(item, [...path, k]);
  }
}

export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** First zod issue → PARAM_ERROR with a JSON pointer. */
export function zodToParamError(error: z.ZodError, raw: unknown, location: "body" | "query" = "body"): ApiError {
  const issue = error.issues[0];
  if (!issue) return paramError("/", "invalid request body", undefined, location);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return paramError(pointer([...issue.path, key]), `unknown field "${key}" is not part of this API's schema`, undefined, location);
  }
  const value = valueAt(raw, issue.path);
  const message = value === undefined && issue.code === "invalid_type" ? "required field is missing" : issue.message;
  return paramError(pointer(issue.path), message, value, location);
}

/** WeChat's checks on a JSON request body, in its order: an object, no nulls or bad characters, then the schema. */
export function parseStrictBody<S extends z.ZodType>(raw: unknown, schema: S): z.infer<S> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw paramError("/", "request body must be a JSON object");
  checkNullsAndCharset(raw, []);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw zodToParamError(parsed.error, raw);
  return parsed.data;
}

/** §7.1 plus the fake's one deviation: http://localhost / http://127.0.0.1 is accepted so tests need no TLS. */
/** §7.1 rules; the length is string(255) for the combine prepay, string(256) for a refund's notify_url (§14.1.1). */
export function notifyUrlIssue(url: string, maxChars = 255): string | null {
  if (url.length > maxChars) return `must be at most ${maxChars} characters`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "must be an absolute URL";
  }
  const local = u.hostname === "localhost" || u.hostname === "127.0.0.1";
  if (u.protocol !== "https:" && !(u.protocol === "http:" && local))
    return "must use https (http only for localhost/127.0.0.1 in this fake)";
  if (u.search !== "" || url.includes("?")) return "must not carry a query string";
  if (u.hash !== "") return "must not carry a fragment";
  if (u.username || u.password) return "must not carry credentials";
  return null;
}

export function validatePrepay<C extends PrepayChannel>(
  raw: unknown,
  ctx: { callerMchid: string; keys: FakeKeys; nowMs: number },
  channel: C,
): ValidPrepay<C> {
  const body = parseStrictBody(raw, channel === "JSAPI" ? jsapiPrepaySchema : h5PrepaySchema) as PrepayBodyOf<C>;

  if (body.combine_mchid !== ctx.callerMchid) {
    throw new ApiError(400, "INVALID_REQUEST", "combine_mchid与请求方商户号(Authorization mchid)不一致", {
      field: "/combine_mchid",
      value: body.combine_mchid,
      issue: "combine_mchid must equal the mchid in the Authorization header",
      location: "body",
    });
  }
  // Both appids of the test identity are bound to its mchid; JSAPI takes only the 公众号 (服务号) one.
  const bound = body.combine_appid === ctx.keys.combineAppid || body.combine_appid === ctx.keys.mpAppid;
  if (!bound || (channel === "JSAPI" && body.combine_appid !== ctx.keys.mpAppid)) {
    throw new ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配", {
      field: "/combine_appid",
      value: body.combine_appid,
      ...(bound ? { issue: "JSAPI combine payment needs an official account (公众号) appid bound to combine_mchid" } : {}),
      location: "body",
    });
  }
  if ("combine_payer_info" in body && !openidBelongsTo(body.combine_payer_info.openid, body.combine_appid)) {
    // The openid must come from OAuth under combine_appid (fakeOpenid encodes the appid it was minted for).
    throw new ApiError(400, "PARAM_ERROR", "appid与openid不匹配", {
      field: "/combine_payer_info/openid",
      value: body.combine_payer_info.openid,
      issue: "the openid was not obtained under combine_appid",
      location: "body",
    });
  }
  if ("time_start" in body && body.time_start !== undefined && parseRfc3339WithOffset(body.time_start) === null) {
    throw paramError("/time_start", "must be RFC 3339 yyyy-MM-DDTHH:mm:ss+hh:mm with a numeric timezone offset", body.time_start);
  }

  // Mode (§3): a sub_mchid anywhere, or a sub-order addressed to the initiator itself, means service-provider mode.
  const subs = body.sub_orders;
  const partner = subs.some((s) => s.sub_mchid !== undefined || s.mchid === body.combine_mchid);
  if (partner) {
    subs.forEach((s, i) => {
      if (s.mchid !== body.combine_mchid) {
        throw paramError(
          `/sub_orders/${i}/mchid`,
          "in service-provider mode every sub_orders[].mchid must be the combine_mchid (the SP's mchid)",
          s.mchid,
        );
      }
      if (s.sub_mchid === undefined) throw paramError(`/sub_orders/${i}/sub_mchid`, "required field is missing (service-provider mode)");
      if (!ctx.keys.subMerchants.some((m) => m.subMchid === s.sub_mchid)) {
        throw new ApiError(403, "NO_AUTH", "特约子商户商户号未授权服务商的产品权限", {
          field: `/sub_orders/${i}/sub_mchid`,
          value: s.sub_mchid,
          location: "body",
        });
      }
    });
  } else {
    if (subs.length < 2 || subs.length > 10) throw paramError("/sub_orders", "direct mode needs 2-10 sub-orders", undefined);
    subs.forEach((s, i) => {
      if (s.sub_appid !== undefined) throw paramError(`/sub_orders/${i}/sub_appid`, "sub_appid exists only in service-provider mode");
      if (!ctx.keys.subMerchants.some((m) => m.mchid === s.mchid)) {
        // A participant must be bound to combine_appid (§0); an mchid the fake does not know is not.
        throw new ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配", {
          field: `/sub_orders/${i}/mchid`,
          value: s.mchid,
          location: "body",
        });
      }
    });
  }

  const seen = new Set<string>();
  subs.forEach((s, i) => {
    if (seen.has(s.out_trade_no))
      throw paramError(`/sub_orders/${i}/out_trade_no`, "duplicate out_trade_no within this request", s.out_trade_no);
    seen.add(s.out_trade_no);
  });

  const notifyIssue = notifyUrlIssue(body.notify_url);
  if (notifyIssue) throw paramError("/notify_url", notifyIssue, body.notify_url);

  // time_expire (§3.3): absent → 7 days; earlier than now+1 min → now+1 min; beyond 7 days → clamped to 7 days.
  const sevenDays = ctx.nowMs + 7 * 24 * 3600_000;
  let timeExpireMs = sevenDays;
  if (body.time_expire !== undefined) {
    const t = parseRfc3339WithOffset(body.time_expire);
    if (t === null)
      throw paramError("/time_expire", "must be RFC 3339 yyyy-MM-DDTHH:mm:ss+hh:mm with a numeric timezone offset", body.time_expire);
    timeExpireMs = Math.min(Math.max(t, ctx.nowMs + 60_000), sevenDays);
  }

  return { body, channel, mode: partner ? "partner" : "direct", canonical: canonicalJson(raw), timeExpireMs };
}
