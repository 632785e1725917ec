// Closes pending orders past their time_expire, at WeChat (combine close, docs/wechatpay.md §6) and
// locally, through the same path as the shopper's 取消订单 (lib/orders/close.ts): ORDER_CLOSED counts
// as closed, USER_PAYING and a payment found meanwhile leave the order alone. Every minute by default,
// so an order is closed within about two minutes of its deadline. A run closes every expired order,
// CLOSE_EXPIRED_CONCURRENCY at a time, and starts no new close after one period: whatever the
// checkout limits admit is closed at the rate WeChat answers, not a fixed number per minute.
import { closeExpiredOrders } from "@/lib/orders/close";
import type { JobDefinition } from "./types";

export const closeExpiredJob: JobDefinition = {
  name: "close-expired",
  label: "关闭过期订单",
  description: "关闭已过支付截止时间（time_expire）仍未支付的订单：先在微信支付关单，再在本地关闭",
  periodMs: 60_000,
  async run(ctx) {
    const r = await closeExpiredOrders(ctx.now(), { signal: ctx.signal, deadline: Date.now() + ctx.periodMs });
    const parts = [`关闭 ${r.closed} 笔订单`];
    if (r.paid) parts.push(`${r.paid} 笔已支付（未关闭）`);
    if (r.userPaying) parts.push(`${r.userPaying} 笔用户支付中，下次再试`);
    if (r.failed.length) parts.push(`${r.failed.length} 笔失败`);
    return {
      counts: { examined: r.examined, closed: r.closed, paid: r.paid, userPaying: r.userPaying, failed: r.failed.length },
      summary: parts.join("，"),
      ...(r.failed.length
        ? {
            error:
              r.failed
                .slice(0, 5)
                .map((f) => `${f.orderNo}: ${f.error}`)
                .join("; ") + (r.failed.length > 5 ? ` (+${r.failed.length - 5})` : ""),
          }
        : {}),
    };
  },
};
