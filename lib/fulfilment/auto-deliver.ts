// 自动确认送达: a shipped sub-order nobody marked delivered counts as delivered AUTO_DELIVERED_DAYS after it
// was shipped (what Chinese shops do when the carrier's delivery is not confirmed). Run by the job runner
// (lib/jobs/registry.ts, "auto-deliver"); each sub-order moves through the same conditional UPDATE as a
// staff member's 确认送达, so a job racing staff (or another instance) delivers it once.
import { prisma } from "@/lib/db";
import { makeMove } from "./machine";

export const AUTO_DELIVER_ACTOR = "job:auto-deliver";

export async function autoDeliverShipped(opts: {
  now: Date;
  days: number;
  limit: number;
  signal?: AbortSignal;
}): Promise<{ due: number; delivered: number; skipped: number }> {
  const shippedBefore = new Date(opts.now.getTime() - opts.days * 86_400_000);
  const due = await prisma.subOrder.findMany({
    where: { deliveryMethod: "SHIPPING", fulfilmentStatus: "SHIPPED", shippedAt: { lte: shippedBefore } },
    orderBy: { shippedAt: "asc" },
    take: opts.limit,
    select: { outTradeNo: true },
  });
  let delivered = 0;
  for (const s of due) {
    if (opts.signal?.aborted) break;
    const r = await makeMove(s.outTradeNo, "AUTO_DELIVERED", { shippedBefore }, AUTO_DELIVER_ACTOR, opts.now);
    if (r.ok) delivered++;
  }
  return { due: due.length, delivered, skipped: due.length - delivered };
}
