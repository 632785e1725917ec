import { deriveCombineState, type CombineTransaction } from "@/lib/wechatpay";
import { currentActor } from "@/lib/payment-events/actor-context";
import { prisma } from "@/lib/db";
import { releaseStock, retakeStock } from "@/lib/catalog/stock";
import { enqueuePaidMessages, paidMessages } from "@/lib/store-messages/outbox";
import { markPaidOnce, readOrderForApply } from "./mark-paid";
import { audit, type ApplyMeta, type ApplyOutcome } from "@/lib/payment-events/audit";
import { auditPayerMismatch } from "./payer-check";

export type { ApplyMeta, ApplyOutcome, ResultSource } from "@/lib/payment-events/audit";

export class ResultRejectedError extends Error {
  constructor(
    readonly reason: "UNKNOWN_ORDER" | "MISMATCH",
    message: string,
  ) {
    super(message);
    this.name = "ResultRejectedError";
  }
}

const parseTime = (s: string | undefined) => (s ? new Date(s) : null);

/**
 * The one path by which WeChat's view of an order (a verified notification or a query result)
 * changes ours. It first checks that WeChat describes exactly the order we created (merchant,
 * appid, every sub-order's merchant, number and amount), then applies the state change with a
 * conditional update inside one transaction: concurrent duplicates — from any number of app
 * processes — change the state exactly once, and each attempt is audited.
 *
 * The common case — a payment for a PENDING order — goes through markPaidOnce (./mark-paid.ts): one
 * round trip that writes only if it moves the order. Everything else (a race it lost, a payment after a
 * local close, a query saying closed or still open) takes the general transaction below.
 */
export async function applyCombineResult(tx: CombineTransaction, meta: ApplyMeta): Promise<ApplyOutcome> {
  const orderNo = tx.combine_out_trade_no;
  const tradeStates = JSON.stringify(Object.fromEntries((tx.sub_orders ?? []).map((s) => [s.out_trade_no, s.trade_state])));
  const order = await readOrderForApply(orderNo);
  if (!order) {
    await audit({ ...meta, orderNo: null, verified: true, outcome: "REJECTED", reason: `unknown order ${orderNo}`, tradeStates });
    throw new ResultRejectedError("UNKNOWN_ORDER", `unknown order ${orderNo}`);
  }

  const mismatch = meta.source === "NOTIFY" && !tx.sub_orders?.length ? "notification without sub_orders" : findMismatch(order, tx);
  if (mismatch) {
    await audit({ ...meta, orderNo, verified: true, outcome: "REJECTED", reason: mismatch, tradeStates });
    throw new ResultRejectedError("MISMATCH", mismatch);
  }

  await auditPayerMismatch(tx, meta, order.payerOpenid);

  const subs = tx.sub_orders ?? [];
  // An unpaid order's query may omit sub_orders (§13): nothing to learn from it.
  const state = subs.length ? deriveCombineState(subs) : "pending";
  if (meta.source === "NOTIFY" && state !== "paid") {
    await audit({ ...meta, orderNo, verified: true, outcome: "NO_CHANGE", reason: `notification with state ${state}`, tradeStates });
    return "NO_CHANGE";
  }

  if (state === "paid" && (order.status === "PAID" || order.status === "REFUNDED")) {
    // PAID is terminal, so a redelivery of a payment we already hold needs no transaction: one audit
    // row. (The conditional update below still decides every race where the order was not yet paid.)
    await audit({ ...meta, orderNo, verified: true, outcome: "DUPLICATE", tradeStates });
    return "DUPLICATE";
  }

  if (state === "paid" && order.status === "PENDING") {
    const applied = await markPaidOnce({
      orderNo,
      paidAt: new Date(),
      subOrders: subs.map((s) => ({
        outTradeNo: s.out_trade_no,
        tradeState: s.trade_state,
        transactionId: s.transaction_id ?? null,
        payerAmountFen: s.amount.payer_amount ?? null,
        bankType: s.bank_type ?? null,
        tradeType: s.trade_type ?? null,
        successTime: parseTime(s.success_time),
      })),
      event: {
        source: meta.source,
        notificationId: meta.notificationId ?? null,
        requestId: meta.requestId ?? null,
        reason: null,
        tradeStates,
      },
      // Read before the transaction (what checkout stored does not change), written only if it wins.
      messages: order.anyWebhook ? await paidMessages(prisma, orderNo) : [],
    });
    if (applied) return "APPLIED";
    // Not PENDING any more: a concurrent delivery paid it, or it was closed meanwhile. Nothing was
    // written; the general transaction below decides which, and audits this delivery once.
  }

  return prisma.$transaction(
    async (db) => {
      let outcome: ApplyOutcome;
      let reason: string | undefined;
      if (state === "paid") {
        // The conditional update is the first statement so SQLite takes its write lock at once and
        // Postgres row-locks the order: a second deliverer waits, then sees count 0.
        const paid = { status: "PAID", paidAt: new Date(), closedAt: null };
        let { count } = await db.order.updateMany({ where: { orderNo, status: "PENDING" }, data: paid });
        if (count === 0) {
          // Paid after we closed it (and released its stock): WeChat is the truth, so the order is
          // PAID and takes its stock again. Decided by this conditional update, not by the read above.
          ({ count } = await db.order.updateMany({ where: { orderNo, status: "CLOSED" }, data: paid }));
          if (count === 1) {
            const shortfalls = await retakeStock(db, orderNo);
            reason = `paid at WeChat after a local close${shortfalls.length ? `; oversold ${shortfalls.join(", ")}` : ""}`;
          }
        }
        outcome = count === 1 ? "APPLIED" : "DUPLICATE";
        if (count === 1) {
          for (const s of subs) {
            // updateMany: no read-back of the row, which update() would do for its return value.
            await db.subOrder.updateMany({
              where: { outTradeNo: s.out_trade_no, orderNo },
              data: {
                tradeState: s.trade_state,
                transactionId: s.transaction_id ?? null,
                payerAmountFen: s.amount.payer_amount ?? null,
                bankType: s.bank_type ?? null,
                tradeType: s.trade_type ?? null,
                successTime: parseTime(s.success_time),
              },
            });
          }
          // Store staff are told by the outbox, written here so it commits with the payment and only
          // for the one transaction that made it (a duplicate sees count 0 and writes nothing).
          await enqueuePaidMessages(db, orderNo);
        }
      } else if (state === "closed") {
        const { count } = await db.order.updateMany({
          where: { orderNo, status: "PENDING" },
          data: { status: "CLOSED", closedAt: new Date(), closeReason: "CLOSED_AT_WECHATPAY" },
        });
        outcome = count === 1 ? "APPLIED" : "DUPLICATE";
        if (count === 1) {
          for (const s of subs)
            await db.subOrder.updateMany({ where: { outTradeNo: s.out_trade_no, orderNo }, data: { tradeState: s.trade_state } });
          await releaseStock(db, orderNo);
        }
      } else {
        // Still open (NOTPAY, USERPAYING, ACCEPT, PAYERROR): record what WeChat says, status unchanged.
        outcome = "NO_CHANGE";
        for (const s of subs) {
          await db.subOrder.updateMany({
            where: { outTradeNo: s.out_trade_no, orderNo, tradeState: { notIn: ["SUCCESS", "REFUND", "CLOSED", s.trade_state] } },
            data: { tradeState: s.trade_state },
          });
        }
      }
      await db.paymentEvent.create({
        data: {
          orderNo,
          source: meta.source,
          notificationId: meta.notificationId ?? null,
          requestId: meta.requestId ?? null,
          verified: true,
          outcome,
          reason: reason ?? (outcome === "NO_CHANGE" ? `state ${state}` : null),
          tradeStates,
          actor: currentActor(),
        },
      });
      return outcome;
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}

type StoredOrder = {
  combineMchid: string;
  combineAppid: string;
  subOrders: { outTradeNo: string; mchid: string; subMchid: string | null; amountFen: number }[];
};

/** Describes the first way WeChat's order differs from ours, or null when it is ours exactly. */
export function findMismatch(order: StoredOrder, tx: CombineTransaction): string | null {
  if (tx.combine_mchid !== order.combineMchid) return `combine_mchid ${tx.combine_mchid} is not ours`;
  if (tx.combine_appid !== order.combineAppid) return `combine_appid ${tx.combine_appid} is not ours`;
  const subs = tx.sub_orders;
  if (!subs || subs.length === 0) return null;
  if (subs.length !== order.subOrders.length) return `expected ${order.subOrders.length} sub-orders, got ${subs.length}`;
  const seen = new Set<string>();
  for (const s of subs) {
    const ours = order.subOrders.find((o) => o.outTradeNo === s.out_trade_no);
    if (!ours || seen.has(s.out_trade_no)) return `unexpected sub-order ${s.out_trade_no}`;
    seen.add(s.out_trade_no);
    if (s.mchid !== ours.mchid) return `sub-order ${s.out_trade_no}: mchid ${s.mchid} ≠ ${ours.mchid}`;
    if ((s.sub_mchid ?? null) !== ours.subMchid)
      return `sub-order ${s.out_trade_no}: sub_mchid ${s.sub_mchid ?? "-"} ≠ ${ours.subMchid ?? "-"}`;
    if (s.amount.total_amount !== ours.amountFen) {
      return `sub-order ${s.out_trade_no}: total_amount ${s.amount.total_amount} ≠ ${ours.amountFen}`;
    }
    if (s.amount.currency !== undefined && s.amount.currency !== "CNY") return `sub-order ${s.out_trade_no}: currency ${s.amount.currency}`;
  }
  return null;
}
