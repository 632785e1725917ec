// State transitions of a combine order shared by the API, the cashier and the control API.
import { randomBytes, randomInt } from "node:crypto";
import type { FakeContext } from "./context";
import { nextTransactionId, orderStatus, type CombineOrder, type PrepayLink } from "./store";
import { cstCompactDateTime } from "./time";

export const H5_LINK_TTL_MS = 5 * 60_000; // §3.4
/** A JSAPI prepay_id is valid 2 hours. */
export const JSAPI_PREPAY_TTL_MS = 2 * 3600_000;

/** A fresh prepay token for an order: every H5 (re-)prepay gets a new one (§3.3); JSAPI only when the last one expired. */
export function newPrepayLink(ctx: FakeContext, order: CombineOrder): PrepayLink {
  const now = ctx.clock.now();
  const jsapi = order.channel === "JSAPI";
  // Shaped like the real wx201410272009395522657a690389285100: "wx" + CST timestamp + 20 more chars.
  const prepayId = `wx${cstCompactDateTime(now)}${randomBytes(8).toString("hex")}${String(randomInt(0, 10_000)).padStart(4, "0")}`;
  const link: PrepayLink = {
    prepayId,
    package: jsapi ? "" : String(randomInt(1_000_000_000, 4_000_000_000)),
    orderKey: order.key,
    channel: order.channel,
    createdAtMs: now,
    expiresAtMs: now + (jsapi ? JSAPI_PREPAY_TTL_MS : H5_LINK_TTL_MS),
  };
  order.links.push(link);
  ctx.store.links.set(prepayId, link);
  return link;
}

/** JSAPI re-entry: the live prepay_id again while it lasts (the bridge may still be showing it), else a new one. */
export function jsapiPrepayLink(ctx: FakeContext, order: CombineOrder): PrepayLink {
  const last = order.links.at(-1);
  if (last && last.channel === "JSAPI" && ctx.clock.now() <= last.expiresAtMs) return last;
  return newPrepayLink(ctx, order);
}

export function h5Url(ctx: FakeContext, link: PrepayLink): string {
  return `${ctx.publicBaseUrl()}/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${link.prepayId}&package=${link.package}`;
}

export type PayRefusal = "paid" | "closed" | "expired";

/** Why this order cannot be paid right now (business clock), or null. */
export function payRefusal(ctx: FakeContext, order: CombineOrder): PayRefusal | null {
  const status = orderStatus(order);
  if (status === "SUCCESS") return "paid";
  if (status === "CLOSED") return "closed";
  if (ctx.clock.now() > order.timeExpireMs) return "expired";
  return null;
}

/**
 * The user paid: every sub-order succeeds together (§0) and the notification goes out (§7). The payer of a JSAPI
 * order is the prepay's openid (WeChat refuses anyone else at the bridge); an H5 payer is a random openid.
 */
export function markPaid(ctx: FakeContext, order: CombineOrder): void {
  const now = ctx.clock.now();
  for (const s of order.sub_orders) {
    s.trade_state = "SUCCESS";
    s.transaction_id = nextTransactionId(now);
    s.success_time_ms = now;
    s.bank_type = "OTHERS";
    s.payer_amount = s.total_amount; // no coupons in the fake
  }
  order.paidAtMs = now;
  order.payer_openid = order.prepay_openid ?? `oUpF8u${randomBytes(16).toString("base64url").slice(0, 22)}`;
  ctx.log(`order ${order.combine_out_trade_no} paid`);
  ctx.notifier.notifyPaid(order);
}

export function markClosed(ctx: FakeContext, order: CombineOrder): void {
  for (const s of order.sub_orders) s.trade_state = "CLOSED";
  order.closedAtMs = ctx.clock.now();
}
