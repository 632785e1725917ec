// Admin HTTP input for refunds: validated here so route handlers stay parse → call → respond.
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";

export const RefundRequestBodySchema = z.strictObject({
  outTradeNo: z.string().regex(ORDER_NO_PATTERN, "must be a sub-order out_trade_no"),
  amountFen: z.int().min(1, "must be ≥ 1 fen").max(1_000_000_000, "too large"),
  // docs/wechatpay.md §14.1.1: ≤ 80 bytes (UTF-8), no 4-byte characters
  reason: z
    .string()
    .trim()
    .max(80)
    .refine((s) => Buffer.byteLength(s, "utf8") <= 80, "must be at most 80 bytes (UTF-8)")
    .refine((s) => !/[\uD800-\uDFFF]/.test(s), "emoji are not allowed")
    // One line of plain text: it reaches WeChat, the shopper's refund notice and our audit log.
    .refine((s) => !/\p{Cc}/u.test(s), "must not contain control characters")
    .optional()
    .transform((s) => (s ? s : undefined)),
});

const REFUND_NO_PATTERN = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{8,128}$/;

export function parseRefundNo(value: string): string {
  if (!REFUND_NO_PATTERN.test(value)) throw new AppError("REFUND_NOT_FOUND", "退款单不存在");
  return value;
}

/** Idempotency-Key: required, 8–128 printable ASCII characters (a UUID fits). */
export function idempotencyKey(request: Request): string {
  const key = request.headers.get("idempotency-key");
  if (!key || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new AppError("INVALID_REQUEST", "请求参数有误（Idempotency-Key: 必须提供 8–128 个可见 ASCII 字符）", {
      field: "Idempotency-Key",
    });
  }
  return key;
}
