// Turns our API's {code, message} into words a shopper understands.
export function describeApiError(status: number, data: { code?: string; message?: string } | null): string {
  if (data?.message && status < 500) return data.message;
  if (data?.code === "WECHATPAY_UNAVAILABLE" || data?.code === "WECHATPAY_REJECTED") {
    return data.message ?? "微信支付暂时不可用，请稍后重试";
  }
  if (status === 429) return "操作太频繁，请稍后再试";
  return "服务暂时出错，请稍后重试";
}
