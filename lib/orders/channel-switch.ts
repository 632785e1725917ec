// Switching an unpaid order to the other pay channel (README "Paying inside WeChat (JSAPI)"): a JSAPI order re-paid
// from a real browser, or an H5 order re-paid inside WeChat with JSAPI. One combine number per channel attempt — whether
// WeChat accepts one number on both /h5 and /jsapi is undocumented — so the attempt at WeChat is closed first, through
// the existing close path (closeOrder: one leased call, paid-in-the-meantime detected and recorded), and the order is
// re-issued under a new combine number for the new channel: the same lines, amounts, contact, delivery, buyer and
// time_expire. The successor's checkout key is derived from the old number, so however many requests switch at once,
// the database's unique key lets exactly one successor exist.
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { reserveStock } from "@/lib/catalog/stock";
import { audit } from "@/lib/payment-events/audit";
import { closeOrder } from "./close";
import { newCombineOrderNo, subOrderNo } from "./order-numbers";
import { payableOrder } from "./pay-link";

export type PayChannelName = "H5" | "JSAPI";

const successorKey = (orderNo: string) => `switch-${orderNo}`;

function loadForSwitch(orderNo: string) {
  return prisma.order.findUnique({
    where: { orderNo },
    include: { subOrders: { orderBy: { position: "asc" }, include: { lines: true } } },
  });
}

/**
 * Closes `orderNo`'s attempt at WeChat and returns the number of its successor for channel `to` (created here, or by a
 * concurrent switch). Refuses what cannot be paid (paid, closed for another reason, expired) like 重新支付.
 */
export async function switchPayChannel(orderNo: string, to: PayChannelName, opts: { openid?: string; now?: Date } = {}): Promise<string> {
  const now = opts.now ?? new Date();
  const existing = await prisma.order.findUnique({ where: { checkoutKey: successorKey(orderNo) }, select: { orderNo: true } });
  if (existing) return existing.orderNo;
  let old = await loadForSwitch(orderNo);
  if (!(old?.status === "CLOSED" && old.closeReason === "CHANNEL_SWITCH")) {
    old = await payableOrder(old, now);
    // The close comes first: until WeChat has closed the old number, nothing else may be prepaid for these goods.
    await closeOrder(orderNo, "CHANNEL_SWITCH");
  }
  const { wechatpay: w, wechatJsapi } = env();
  if (to === "JSAPI" && (!wechatJsapi.enabled || !opts.openid)) throw new Error("a switch to JSAPI needs JSAPI on and the payer's openid");

  const newNo = newCombineOrderNo(now);
  const quantities = new Map<string, number>();
  for (const s of old!.subOrders) for (const l of s.lines) quantities.set(l.sku, (quantities.get(l.sku) ?? 0) + l.quantity);
  // The products stock-limited now: their units move to the successor (taken again, after the close gave them back).
  const limited = (
    await prisma.product.findMany({ where: { sku: { in: [...quantities.keys()] }, stock: { not: null } }, select: { sku: true } })
  ).map((p) => p.sku);
  try {
    await prisma.$transaction(
      async (db) => {
        const { orderNo: _o, subOrders, createdAt: _c, updatedAt: _u, ...rest } = old!;
        await db.order.create({
          data: {
            ...rest,
            orderNo: newNo,
            status: "PENDING",
            closedAt: null,
            closeReason: null,
            paidAt: null,
            prepayState: "NOT_SENT",
            lastPrepayError: null,
            h5Url: null,
            h5UrlExpiresAt: null,
            prepayId: null,
            prepayIdExpiresAt: null,
            queryLeaseAt: null,
            prepayLeaseAt: null,
            closeLeaseAt: null,
            checkoutKey: successorKey(orderNo),
            payChannel: to,
            combineAppid: to === "JSAPI" && wechatJsapi.enabled ? wechatJsapi.mpAppid : w.combineAppid,
            payerOpenid: to === "JSAPI" ? opts.openid! : null,
            subOrders: {
              create: subOrders.map((s) => ({
                outTradeNo: subOrderNo(newNo, s.position),
                storeId: s.storeId,
                position: s.position,
                mchid: s.mchid,
                subMchid: s.subMchid,
                amountFen: s.amountFen,
                description: s.description,
                attach: s.attach,
                deliveryMethod: s.deliveryMethod,
                shippingFeeFen: s.shippingFeeFen,
                fulfilmentStatus: s.deliveryMethod === "NONE" ? "FULFILLED" : "UNFULFILLED",
                pickupAddress: s.pickupAddress,
                pickupHours: s.pickupHours,
                pickupCode: s.pickupCode,
                lines: {
                  create: s.lines.map((l) => ({
                    sku: l.sku,
                    name: l.name,
                    unitPriceFen: l.unitPriceFen,
                    quantity: l.quantity,
                    amountFen: l.amountFen,
                    // One line per SKU per order (a SKU belongs to one store), as at checkout.
                    stockReserved: limited.includes(l.sku) ? l.quantity : 0,
                  })),
                },
              })),
            },
          },
        });
        // Last in the transaction, as at checkout (lib/catalog/stock.ts): OUT_OF_STOCK rolls the successor back.
        const unlimitedNow = await reserveStock(db, quantities, limited);
        if (unlimitedNow.length) {
          await db.orderLine.updateMany({ where: { sku: { in: unlimitedNow }, subOrder: { orderNo: newNo } }, data: { stockReserved: 0 } });
        }
      },
      { maxWait: 15_000, timeout: 15_000 },
    );
  } catch (e) {
    // A concurrent switch created the successor first: that one it is.
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") {
      const other = await prisma.order.findUnique({ where: { checkoutKey: successorKey(orderNo) }, select: { orderNo: true } });
      if (other) return other.orderNo;
    }
    if (e instanceof AppError) throw e;
    throw new Error(`channel switch of ${orderNo} failed: ${e instanceof Prisma.PrismaClientKnownRequestError ? e.code : "error"}`);
  }
  await audit({ source: "CLOSE", orderNo, verified: true, outcome: "NO_CHANGE", reason: `CHANNEL_SWITCH: re-issued as ${newNo} (${to})` });
  return newNo;
}
