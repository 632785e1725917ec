/**
 * Errors our own API answers with: JSON `{ code, message }`. One table maps codes to HTTP statuses,
 * so a route cannot invent a status on its own. Messages are written for shoppers (zh-CN).
 */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  UNKNOWN_SKU: 400,
  CART_NOT_ALLOWED: 400,
  DELIVERY_METHOD_UNAVAILABLE: 400,
  UNAUTHORIZED: 401,
  ORIGIN_NOT_ALLOWED: 403,
  // --- staff accounts: the role or flag does not allow it (another store's objects are NOT_FOUND instead) ---
  FORBIDDEN: 403,
  ACCOUNT_NOT_FOUND: 404,
  LAST_OWNER: 409,
  INVITE_GONE: 410,
  NOT_ORDER_BUYER: 403,
  NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  ORDER_PAID: 409,
  ORDER_CLOSED: 409,
  ORDER_EXPIRED: 409,
  // --- refunds ---
  ORDER_NOT_PAID: 409,
  REFUND_EXCEEDS_REMAINING: 409,
  REFUND_LIMIT_REACHED: 409,
  REFUND_WINDOW_EXPIRED: 409,
  REFUND_TOO_SOON: 409,
  REFUND_NOT_FOUND: 404,
  REFUND_NOT_ABNORMAL: 409,
  ABNORMAL_REFUND_APPLIED: 409,
  USER_PAYING: 409,
  // --- fulfilment (README "Delivery and fulfilment") ---
  FULFILMENT_CONFLICT: 409,
  PICKUP_CODE_MISMATCH: 409,
  SUB_ORDER_REFUNDED: 409,
  CSV_INVALID: 400,
  CHECKOUT_IN_PROGRESS: 409,
  OPEN_IN_BROWSER: 409,
  // --- paying inside WeChat (README "Paying inside WeChat (JSAPI)") ---
  WECHAT_AUTH_REQUIRED: 409,
  WECHAT_REAUTH_REQUIRED: 409,
  WECHAT_PAYER_MISMATCH: 409,
  PAY_CHANNEL_MISMATCH: 409,
  WECHAT_AUTH_FAILED: 400,
  WECHAT_JSAPI_UNAVAILABLE: 502,
  // --- catalogue ---
  OUT_OF_STOCK: 409,
  ALREADY_EXISTS: 409,
  STORE_NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  // --- store messages ---
  WEBHOOK_NOT_SET: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  QUANTITY_LIMITED: 422,
  TOO_MANY_ATTEMPTS: 429,
  RETRY_LATER: 429,
  BILL_NOT_IMPORTED: 404,
  INTERNAL: 500,
  WECHATPAY_UNAVAILABLE: 502,
  WECHATPAY_REJECTED: 502,
  BILL_HASH_MISMATCH: 502,
  BILL_MALFORMED: 502,
  ADMIN_DISABLED: 503,
  DATABASE_BUSY: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/**
 * 400 INVALID_REQUEST naming the field at fault by its path in the request ("contact.phone",
 * "delivery.methods.chayu"): the one shape of a bad-field answer, for zod's issues (parseWith) and for
 * the rules checked after parsing alike.
 */
export function invalidField(field: string, message: string): AppError {
  return new AppError("INVALID_REQUEST", `请求参数有误（${field}: ${message}）`, { field });
}
