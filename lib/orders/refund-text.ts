// Client-safe: how the shopper's order page words a refund of one of its sub-orders.
import { formatFen } from "@/lib/money";

/** The shopper's wording ("退款中" / "已退款 ¥x.xx，退回支付用户零钱" …). */
export function shopperRefundText(r: { status: string; amountFen: number; userReceivedAccount: string | null }): string {
  switch (r.status) {
    case "SUCCESS":
      return `已退款 ${formatFen(r.amountFen)}，退回${r.userReceivedAccount ?? "原支付账户"}`;
    case "ABNORMAL":
      return `退款 ${formatFen(r.amountFen)} 异常，商家处理中`;
    case "CLOSED":
      return `退款 ${formatFen(r.amountFen)} 已关闭`;
    default:
      return `退款中 ${formatFen(r.amountFen)}`;
  }
}
