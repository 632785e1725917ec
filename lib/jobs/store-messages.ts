// Sends the store-message outbox (lib/store-messages/send.ts). The job lease makes one process at a time
// send, so each message goes out once across instances and the per-URL limit is counted in one place.
import { sendDueStoreMessages } from "@/lib/store-messages/send";
import type { JobDefinition } from "./types";

export const storeMessagesJob: JobDefinition = {
  name: "store-messages",
  label: "店铺消息推送",
  description: "把支付成功、退款成功与测试消息发到店铺的企业微信群机器人；失败按退避重试，多次失败后放弃并标出；每个地址每分钟最多 20 条",
  periodMs: 20_000,
  async run(ctx) {
    const c = await sendDueStoreMessages({ clock: ctx.now, signal: ctx.signal });
    const parts = [
      `发送 ${c.sent} 条`,
      ...(c.retried ? [`${c.retried} 条待重试`] : []),
      ...(c.deferred ? [`${c.deferred} 条因频率限制顺延`] : []),
      ...(c.skipped ? [`${c.skipped} 条因店铺未配置机器人跳过`] : []),
      ...(c.dead ? [`${c.dead} 条多次失败已放弃`] : []),
    ];
    return {
      counts: { ...c },
      summary: parts.join("，"),
      ...(c.sent + c.retried + c.deferred + c.skipped + c.dead === 0 ? { outcome: "SKIPPED" as const } : {}),
      // A message given up on is the merchant's to look at: the run shows as failed, the store page lists it.
      ...(c.dead ? { error: `${c.dead} 条店铺消息多次发送失败，已放弃（见商户后台 → 店铺）` } : {}),
    };
  },
};
