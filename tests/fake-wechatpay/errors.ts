// APIv3 error bodies (§9.1) and the Request-ID header (§1.5).
import { randomBytes } from "node:crypto";

export interface ErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: "body" | "query" | "path" | "header" | "authorization";
  [extra: string]: unknown;
}

/**
 * The number after the last `-` of Request-ID is an internal error code, 0 on success (§1.5). Only 268498688
 * ("请求重入时，参数与首次请求时不一致") is documented; the other values are made up by the fake (stable, non-zero)
 * so that logs show *some* code for every error, as the real service does.
 */
export const INTERNAL_CODES: Record<string, number> = {
  REENTRY_MISMATCH: 268498688,
  PARAM_ERROR: 268435457,
  INVALID_REQUEST: 268435458,
  SIGN_ERROR: 268435459,
  APPID_MCHID_NOT_MATCH: 268435460,
  ORDER_CLOSED: 268435461,
  ORDERPAID: 268435462,
  ORDER_NOT_EXIST: 268435463,
  NO_AUTH: 268435464,
  OUT_TRADE_NO_USED: 268435465,
  STATEMENT_CREATING: 268435466,
  NO_STATEMENT_EXIST: 268435467,
  FREQUENCY_LIMITED: 268435468,
  SYSTEM_ERROR: 268435469,
  USER_PAYING: 268435470,
  NOT_FOUND: 268435471,
  METHOD_NOT_ALLOWED: 268435472,
  NOT_ENOUGH: 268435473,
  RESOURCE_NOT_EXISTS: 268435474,
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: ErrorDetail,
    /** Overrides the Request-ID suffix (e.g. 268498688 for a re-entry mismatch). */
    readonly internalCode?: number,
  ) {
    super(message);
  }

  get requestIdCode(): number {
    return this.internalCode ?? INTERNAL_CODES[this.code] ?? 268435456;
  }

  toBody(): Record<string, unknown> {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }
}

/** `400 PARAM_ERROR` with a JSON-pointer field (§9.1). */
export function paramError(field: string, issue: string, value?: unknown, location: ErrorDetail["location"] = "body"): ApiError {
  const detail: ErrorDetail = { field, issue, location };
  if (value !== undefined && (typeof value !== "object" || value === null)) {
    detail.value = typeof value === "string" && value.length > 64 ? `${value.slice(0, 64)}…` : value;
  }
  return new ApiError(400, "PARAM_ERROR", "参数错误", detail);
}

/** `<32 uppercase hex>-<code>` like `08F5B8C2…EDC405-0`. */
export function makeRequestId(code: number): string {
  return `${randomBytes(16).toString("hex").toUpperCase()}-${code}`;
}
