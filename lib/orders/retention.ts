// Personal data is kept only as long as it serves the delivery (README "Delivery and fulfilment" →
// "Privacy"): PII_RETENTION_DAYS after an order was fulfilled or closed, housekeeping blanks its contact and
// address and sets piiPurgedAt. Amounts, states, sub-orders, refunds and every audit row stay.
//
// "Fulfilled": paid, and every sub-order finished — FULFILLED (nothing to deliver), DELIVERED or PICKED_UP,
// or fully refunded (nothing left to hand over) — the latest of paidAt, deliveredAt, pickedUpAt and the last
// refund before the cut-off. "Closed": closedAt before the cut-off. A sub-order still waiting (shipped but
// not delivered, ready but not picked up) keeps the order's data: the store still needs it.
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";

/** Orders blanked per statement, and statements per run: a backlog is worked off over several runs. */
export const PII_PURGE_BATCH = 200;
export const PII_PURGE_MAX_BATCHES = 25;

function purgeable(cutoff: Date) {
  return {
    piiPurgedAt: null,
    // Fulfilled or closed before the cut-off implies created before it: the createdAt index narrows the scan.
    createdAt: { lt: cutoff },
    OR: [
      { status: "CLOSED", closedAt: { lt: cutoff } },
      {
        status: { in: ["PAID", "REFUNDED"] },
        paidAt: { lt: cutoff },
        subOrders: {
          every: {
            OR: [
              { fulfilmentStatus: "FULFILLED" },
              { fulfilmentStatus: "DELIVERED", deliveredAt: { lt: cutoff } },
              { fulfilmentStatus: "PICKED_UP", pickedUpAt: { lt: cutoff } },
              { refundedFen: { gte: prisma.subOrder.fields.amountFen }, lastRefundAt: { lt: cutoff } },
            ],
          },
        },
      },
    ],
  };
}

const BLANK = {
  contactName: null,
  contactPhone: null,
  addressProvince: null,
  addressCity: null,
  addressDistrict: null,
  addressDetail: null,
  addressPostalCode: null,
  // the JSAPI payer's openid (README "Paying inside WeChat (JSAPI)"): a personal identifier like the phone number
  payerOpenid: null,
};

/** Blanks the contact and address of orders past retention, oldest first; returns how many. */
export async function purgeExpiredPersonalData(
  now: Date,
  o: { retentionDays?: number; batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const cutoff = new Date(now.getTime() - (o.retentionDays ?? env().piiRetentionDays) * 86_400_000);
  const batchSize = o.batchSize ?? PII_PURGE_BATCH;
  let purged = 0;
  for (let i = 0; i < (o.maxBatches ?? PII_PURGE_MAX_BATCHES); i++) {
    const batch = await prisma.order.findMany({
      where: purgeable(cutoff),
      orderBy: { createdAt: "asc" },
      take: batchSize,
      select: { orderNo: true },
    });
    if (batch.length === 0) break;
    // The rule is checked again by the update itself, so nothing that changed meanwhile is blanked.
    const { count } = await prisma.order.updateMany({
      where: { AND: [{ orderNo: { in: batch.map((o) => o.orderNo) } }, purgeable(cutoff)] },
      data: { ...BLANK, piiPurgedAt: now },
    });
    purged += count;
    if (batch.length < batchSize) break;
  }
  return purged;
}
