// The store page's view of its messages: what was sent, what waits, what was given up on (DEAD).
import { prisma } from "@/lib/db";

export const STORE_MESSAGE_STATUS_LABELS: Record<string, string> = {
  PENDING: "待发送",
  SENT: "已送达",
  DEAD: "已放弃",
  SKIPPED: "未配置，跳过",
};
export const STORE_MESSAGE_KIND_LABELS: Record<string, string> = { PAID: "支付成功", REFUND: "退款成功", TEST: "测试消息" };

export interface StoreMessageRow {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** The store's latest messages, newest first (bounded). */
export async function listStoreMessages(storeId: string, take = 20): Promise<StoreMessageRow[]> {
  return prisma.storeMessage.findMany({
    where: { storeId },
    orderBy: { id: "desc" },
    take,
    select: { id: true, kind: true, status: true, attempts: true, createdAt: true, sentAt: true, nextAttemptAt: true, lastError: true },
  });
}
