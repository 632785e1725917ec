// Admin HTTP input for refunds: validated here so route handlers stay parse → call → respond.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { actorLabel, assertCan, assertCanRefund, orderWhere, refundWhere, subOrderWhere, type AdminActor } from "@/lib/admin/scope";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { applyAbnormalRefund } from "./abnormal";
import { refreshRefund, requestRefund } from "./ledger";

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

// ---- the back office's refund actions, scoped to the caller (lib/admin/scope.ts) ----

/**
 * 申请退款 as `actor`: another store's order or sub-order is 404 (as if it did not exist); a role or an
 * account without the refund flag, or an amount over its refundLimitFen, is 403 FORBIDDEN — checked
 * before anything is reserved or sent. The ledger row records the account as requestedBy.
 */
export async function requestRefundAs(
  actor: AdminActor,
  input: { orderNo: string; outTradeNo: string; amountFen: number; reason?: string; idempotencyKey: string },
) {
  assertCan(actor, "refunds");
  const order = await prisma.order.findFirst({ where: { orderNo: input.orderNo, ...orderWhere(actor) }, select: { orderNo: true } });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  const sub = await prisma.subOrder.findFirst({
    where: { outTradeNo: input.outTradeNo, ...subOrderWhere(actor) },
    select: { orderNo: true },
  });
  // Another store's sub-order of a shared order: not found, like one that does not exist.
  if (!sub) throw new AppError("NOT_FOUND", "子订单不存在");
  assertCanRefund(actor, input.amountFen, { require2fa: env().adminRequire2faForRefunds });
  return requestRefund({ ...input, requestedBy: actorLabel(actor) });
}

/** 404 REFUND_NOT_FOUND unless the refund belongs to one of the actor's stores. */
export async function assertRefundVisible(actor: AdminActor, refundNo: string): Promise<{ amountFen: number }> {
  assertCan(actor, "refunds");
  const r = await prisma.refund.findFirst({ where: { refundNo, ...refundWhere(actor) }, select: { amountFen: true } });
  if (!r) throw new AppError("REFUND_NOT_FOUND", "退款单不存在");
  return r;
}

/** 查询退款 of a refund the actor sees. */
export async function refreshRefundAs(actor: AdminActor, refundNo: string) {
  await assertRefundVisible(actor, refundNo);
  return refreshRefund(refundNo);
}

/** 退至商户银行卡: moves the refund's money, so it needs what issuing that refund would need. */
export async function applyAbnormalRefundAs(actor: AdminActor, refundNo: string): Promise<void> {
  const r = await assertRefundVisible(actor, refundNo);
  assertCanRefund(actor, r.amountFen, { require2fa: env().adminRequire2faForRefunds });
  await applyAbnormalRefund(refundNo, actorLabel(actor));
}
