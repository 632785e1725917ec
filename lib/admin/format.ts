// Client-safe display helpers for the back office.

export const ORDER_STATUS_LABELS: Record<string, string> = { PENDING: "待支付", PAID: "已支付", CLOSED: "已关闭", REFUNDED: "已全额退款" };

export function statusTagClass(status: string): string {
  return status === "PAID" || status === "SUCCESS" ? "tag ok" : status === "CLOSED" || status === "PAYERROR" ? "tag bad" : "tag";
}

/** A pending order past its time_expire that nobody has closed yet (the close-expired job will). */
export function isOverdue(o: { status: string; expiresAt: Date | string }, now: Date): boolean {
  return o.status === "PENDING" && new Date(o.expiresAt).getTime() <= now.getTime();
}

export const OVERDUE_LABEL = "已过期未关闭";
