// Client-safe: refund shapes and labels shared by the back office and the API.

export interface RefundView {
  refundNo: string;
  outTradeNo: string;
  orderNo: string;
  amountFen: number;
  status: string;
  origin: string;
  reason: string | null;
  channel: string | null;
  userReceivedAccount: string | null;
  successTime: string | null;
  createdAt: string;
  requestedBy: string;
  /** who asked for it, for people: the account's username (lib/admin/scope.ts actorDisplay) */
  requestedByName: string;
  lastErrorCode: string | null;
  /** when the merchant sent this ABNORMAL refund to its own bank account (§14.3), if it did */
  abnormalAppliedAt: string | null;
  /** What the merchant should know or do (errors, ABNORMAL, CLOSED). */
  advice: string | null;
}

export const REFUND_STATUS_LABELS: Record<string, string> = {
  PENDING: "待受理",
  PROCESSING: "退款中",
  SUCCESS: "已退款",
  ABNORMAL: "退款异常",
  CLOSED: "已关闭",
  FAILED: "未受理",
};

/** docs/wechatpay.md §14.1.4 / §14.3: what an operator does for each state that needs attention. */
export function refundAdvice(r: {
  status: string;
  lastErrorMessage: string | null;
  abnormalAppliedAt?: Date | string | null;
}): string | null {
  if (r.status === "ABNORMAL" && r.abnormalAppliedAt) {
    return "已申请退至商户银行卡，等待微信支付处理；到账后请与买家线下结算。结果会由退款通知或定时查询更新。";
  }
  if (r.status === "ABNORMAL") {
    return "退款异常（如用户银行卡已注销或冻结）：可点“退至商户银行卡”，由微信支付把这笔退款转到商户的银行账户，再与买家线下结算；或在微信支付商户平台（交易中心 → 退款管理）发起异常退款，退至用户的其他银行卡。";
  }
  if (r.status === "CLOSED") return "退款已关闭（退款失败），金额已释放：可使用新的退款单号重新发起退款。";
  if (r.status === "FAILED") return r.lastErrorMessage ?? "微信支付拒绝了该退款，未创建退款单。";
  if (r.status === "PENDING" && r.lastErrorMessage) return r.lastErrorMessage;
  return null;
}
