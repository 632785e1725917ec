import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/errors";
import { beijingStamp } from "@/lib/time/beijing";

// Crockford-style alphabet: no I/L/O/U, so numbers read back over the phone unambiguously.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * combine_out_trade_no: "C" + yyMMddHHmmss + 8 random chars = 21 chars of [0-9A-Z].
 * 40 random bits per second make collisions negligible; the primary key still guards uniqueness.
 */
export function newCombineOrderNo(now: Date): string {
  let suffix = "";
  for (const b of randomBytes(8)) suffix += ALPHABET[b % 32];
  return `C${beijingStamp(now)}${suffix}`;
}

/** Sub-order out_trade_no: the combine number plus the store's position ("…-1"), ≤ 32 chars. */
export function subOrderNo(orderNo: string, position: number): string {
  return `${orderNo}-${position}`;
}

export const ORDER_NO_PATTERN = /^[0-9A-Za-z_\-|*]{6,32}$/;

/** A path segment that cannot be one of our order numbers is answered like an unknown order. */
export function parseOrderNo(value: string): string {
  if (!ORDER_NO_PATTERN.test(value)) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return value;
}
