import { prisma } from "@/lib/db";
import { actorDisplay, assertCan, refundWhere, type AdminActor } from "@/lib/admin/scope";
import type { Refund } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { refundAdvice, type RefundView } from "./view-types";
import { pageCountOf } from "@/lib/admin/paging";

export type { RefundView };

// The ledger columns the view reads: the model's own types, not a hand copy of them.
type Row = Pick<
  Refund,
  | "refundNo"
  | "outTradeNo"
  | "orderNo"
  | "amountFen"
  | "status"
  | "origin"
  | "reason"
  | "channel"
  | "userReceivedAccount"
  | "successTime"
  | "createdAt"
  | "requestedBy"
  | "lastErrorCode"
  | "lastErrorMessage"
  | "abnormalAppliedAt"
>;

export function toRefundView(r: Row): RefundView {
  return {
    refundNo: r.refundNo,
    outTradeNo: r.outTradeNo,
    orderNo: r.orderNo,
    amountFen: r.amountFen,
    status: r.status,
    origin: r.origin,
    reason: r.reason,
    channel: r.channel,
    userReceivedAccount: r.userReceivedAccount,
    successTime: r.successTime?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    requestedBy: r.requestedBy,
    requestedByName: actorDisplay(r.requestedBy),
    lastErrorCode: r.lastErrorCode,
    abnormalAppliedAt: r.abnormalAppliedAt?.toISOString() ?? null,
    advice: refundAdvice(r),
  };
}

export async function getRefundView(refundNo: string): Promise<RefundView> {
  const r = await prisma.refund.findUnique({ where: { refundNo } });
  if (!r) throw new AppError("REFUND_NOT_FOUND", "退款单不存在");
  return toRefundView(r);
}

/** Rows per page of the back office's refunds list. */
export const ATTENTION_PAGE_SIZE = 50;

/**
 * The back office's "needs attention" list, newest first, one page at a time (CLOSED and FAILED
 * refunds stay on it, so it only grows): PROCESSING/PENDING older than a day, ABNORMAL, CLOSED, FAILED.
 */
export async function listRefundsNeedingAttention(actor: AdminActor, page = 1, now = new Date()) {
  assertCan(actor, "refunds");
  const dayAgo = new Date(now.getTime() - 86400_000);
  const where = {
    ...refundWhere(actor),
    OR: [
      { status: { in: ["ABNORMAL", "CLOSED", "FAILED"] } },
      { status: { in: ["PENDING", "PROCESSING"] }, createdAt: { lte: dayAgo } },
      { status: "PENDING", lastErrorCode: { not: null } },
    ],
  };
  const total = await prisma.refund.count({ where });
  const pageCount = pageCountOf(total, ATTENTION_PAGE_SIZE);
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = await prisma.refund.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { refundNo: "desc" }],
    skip: (current - 1) * ATTENTION_PAGE_SIZE,
    take: ATTENTION_PAGE_SIZE,
    include: { subOrder: { select: { store: { select: { name: true } } } } },
  });
  return {
    total,
    page: current,
    pageCount,
    refunds: rows.map((r) => ({ ...toRefundView(r), storeName: r.subOrder.store.name })),
  };
}
