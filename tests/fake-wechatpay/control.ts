// The control API (/__fake/* only — never on a WeChat path): drive payments without a browser, inspect what the
// fake received and sent, move the business clock, inject faults and bill discrepancies. Plain JSON, unsigned.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { BillOverridesSchema } from "./bill-overrides";
import type { FakeContext } from "./context";
import { FaultSpecSchema } from "./faults";
import { readBody, sendJson, splitTarget } from "./http-util";
import { fakeOpenid } from "./oauth-codes";
import { h5Url, markPaid, payRefusal } from "./orders";
import { orderStatus, toTransaction, type CombineOrder } from "./store";
import { findRefundByNumber, refundsOf, refundView, sendRefundNotification, setRefundResult } from "./refunds";
import { rfc3339Cst } from "./time";

export function orderView(ctx: FakeContext, order: CombineOrder) {
  const now = ctx.clock.now();
  const job = ctx.notifier.jobFor(order.key);
  return {
    combine_out_trade_no: order.combine_out_trade_no,
    combine_mchid: order.combine_mchid,
    mode: order.mode,
    channel: order.channel,
    status: orderStatus(order),
    created_at: rfc3339Cst(order.createdAtMs),
    time_expire: rfc3339Cst(order.timeExpireMs),
    time_expired: now > order.timeExpireMs,
    notify_url: order.notify_url,
    payer_client_ip: order.payer_client_ip,
    cancel_count: order.cancelCount,
    prepay_openid: order.prepay_openid ?? null,
    links: order.links.map((l) => ({
      prepay_id: l.prepayId,
      channel: l.channel,
      package: l.channel === "H5" ? l.package : `prepay_id=${l.prepayId}`,
      h5_url: l.channel === "H5" ? h5Url(ctx, l) : null,
      expires_at: rfc3339Cst(l.expiresAtMs),
      expired: now > l.expiresAtMs,
    })),
    transaction: toTransaction(order),
    refunds: order.sub_orders.flatMap((s) =>
      refundsOf(ctx, s.out_trade_no).map((r) => ({ ...refundView(r), sub_mchid: r.sub_mchid ?? null })),
    ),
    notification: job ? { id: job.id, deliveries: job.deliveries, done: job.done, gave_up: job.gaveUp } : null,
  };
}

const SubMerchantSchema = z.strictObject({
  subMchid: z.string().regex(/^\d{8,10}$/),
  mchid: z
    .string()
    .regex(/^\d{8,10}$/)
    .optional(),
  storeId: z.string().max(32).optional(),
});

const ClockSchema = z.strictObject({ advanceSeconds: z.number().finite() });
const RefundResultSchema = z.strictObject({
  status: z.enum(["success", "closed", "abnormal"]).transform((s) => s.toUpperCase() as "SUCCESS" | "CLOSED" | "ABNORMAL"),
});
const BalanceSchema = z.strictObject({ store: z.string().min(1).max(32), balanceFen: z.int().min(0).nullable() });
const SettingsSchema = z.strictObject({
  refundMinIntervalSeconds: z.number().min(0).max(86_400).optional(),
  maxQps: z.number().int().min(1).nullable().optional(),
  wechatUser: z
    .string()
    .regex(/^[0-9A-Za-z_-]{1,32}$/)
    .optional(),
});

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = (await readBody(req)).toString("utf8").trim();
  return raw === "" ? {} : JSON.parse(raw);
}

/** Parses with a zod schema or answers 400 with the issues. */
function parseOr400<T>(res: ServerResponse, schema: z.ZodType<T>, value: unknown): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  sendJson(res, 400, { error: "invalid control request", issues: r.error.issues });
  return undefined;
}

export interface ControlHooks {
  reset(): void;
}

export async function handleControl(ctx: FakeContext, hooks: ControlHooks, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const { rawPath, rawQuery } = splitTarget(req.url ?? "/");
  const path = rawPath.replace(/^\/__fake/, "") || "/";
  const seg = path
    .split("/")
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  const notFound = () => sendJson(res, 404, { error: `no control route ${method} ${rawPath}` });

  let body: unknown;
  try {
    body = method === "POST" || method === "PUT" ? await jsonBody(req) : undefined;
  } catch {
    return sendJson(res, 400, { error: "control request body is not JSON" });
  }

  if (seg[0] === "orders") {
    if (seg.length === 1 && method === "GET")
      return sendJson(
        res,
        200,
        [...ctx.store.orders.values()].map((o) => orderView(ctx, o)),
      );
    const order = seg[1] ? ctx.store.findByNumber(seg[1]) : undefined;
    if (!order) return sendJson(res, 404, { error: `no combine order ${seg[1] ?? ""}` });
    if (seg.length === 2 && method === "GET") return sendJson(res, 200, { order: orderView(ctx, order) });
    if (seg.length === 3 && seg[2] === "pay" && method === "POST") {
      // Same rules as the cashier's button, minus the browser checks (Referer, UA, link expiry).
      const refusal = payRefusal(ctx, order);
      if (refusal) return sendJson(res, 409, { error: `order cannot be paid: ${refusal}`, order: orderView(ctx, order) });
      markPaid(ctx, order);
      return sendJson(res, 200, { order: orderView(ctx, order) });
    }
    if (seg.length === 3 && seg[2] === "cancel" && method === "POST") {
      order.cancelCount += 1; // the user tapped 取消支付: nothing changes at WeChat, the order stays NOTPAY
      return sendJson(res, 200, { order: orderView(ctx, order) });
    }
    return notFound();
  }

  if (seg[0] === "sub-merchants" && seg.length === 1) {
    // Onboards a sub-merchant, as a service provider does at WeChat before selling for a new store:
    // its sub_mchid (partner mode) and mchid (direct-mode participant) are then accepted by prepay,
    // close and bills. Forgotten on reset.
    if (method === "POST") {
      const input = parseOr400(res, SubMerchantSchema, body);
      if (!input) return;
      const known = ctx.keys.subMerchants.find((m) => m.subMchid === input.subMchid);
      if (!known)
        ctx.keys.subMerchants.push({
          storeId: input.storeId ?? `store-${input.subMchid}`,
          subMchid: input.subMchid,
          mchid: input.mchid ?? `3${input.subMchid.slice(1)}`,
        });
    } else if (method !== "GET") return notFound();
    return sendJson(res, 200, ctx.keys.subMerchants);
  }

  if (seg[0] === "requests" && seg.length === 1 && method === "GET") return sendJson(res, 200, ctx.store.requests);

  // The bridge shim's verify / pay / cancel requests and what it was answered.
  if (seg[0] === "bridge" && seg.length === 1 && method === "GET") return sendJson(res, 200, ctx.store.bridgeEvents);

  // OAuth: the code exchanges answered (appid, errcode, openid, fault; never the secret) and the openid a user gets.
  if (seg[0] === "oauth" && seg.length === 1 && method === "GET") {
    const user = new URLSearchParams(rawQuery).get("user") ?? ctx.oauth.defaultUser;
    return sendJson(res, 200, {
      appid: ctx.keys.mpAppid,
      defaultUser: ctx.oauth.defaultUser,
      user,
      openid: fakeOpenid(ctx.keys.mpAppid, user),
      exchanges: ctx.oauth.exchanges,
    });
  }

  // Refunds (docs/wechatpay.md §14): inspect, decide the result, re-send the notification.
  if (seg[0] === "refunds") {
    if (seg.length === 1 && method === "GET") return sendJson(res, 200, [...ctx.store.refunds.values()].map(refundView));
    const refund = seg[1] ? findRefundByNumber(ctx, seg[1]) : undefined;
    if (!refund) return sendJson(res, 404, { error: `no refund ${seg[1] ?? ""}` });
    if (seg.length === 2 && method === "GET") return sendJson(res, 200, { refund: refundView(refund) });
    if (seg.length === 3 && seg[2] === "result" && method === "POST") {
      const input = parseOr400(res, RefundResultSchema, body);
      if (!input) return;
      if (!setRefundResult(ctx, refund, input.status)) {
        return sendJson(res, 409, { error: `refund is ${refund.status}: cannot become ${input.status}`, refund: refundView(refund) });
      }
      return sendJson(res, 200, { refund: refundView(refund) });
    }
    if (seg.length === 3 && seg[2] === "notify" && method === "POST") {
      if (refund.status === "PROCESSING") return sendJson(res, 409, { error: "no notification for a PROCESSING refund (§14.4.1)" });
      sendRefundNotification(ctx, refund);
      return sendJson(res, 200, { refund: refundView(refund) });
    }
    return notFound();
  }

  // A store's available refund balance (NOT_ENOUGH when a refund exceeds it); null = unlimited again.
  if (seg[0] === "balances" && seg.length === 1) {
    if (method === "POST") {
      const input = parseOr400(res, BalanceSchema, body);
      if (!input) return;
      if (input.balanceFen === null) ctx.store.balances.delete(input.store);
      else ctx.store.balances.set(input.store, input.balanceFen);
    } else if (method !== "GET") return notFound();
    return sendJson(res, 200, Object.fromEntries(ctx.store.balances));
  }

  // Run-time settings (until the next reset, which restores the start options).
  if (seg[0] === "settings" && seg.length === 1) {
    if (method === "POST") {
      const input = parseOr400(res, SettingsSchema, body);
      if (!input) return;
      if (input.refundMinIntervalSeconds !== undefined) ctx.refundMinIntervalMs = input.refundMinIntervalSeconds * 1000;
      if (input.maxQps !== undefined) ctx.maxQps = input.maxQps;
      if (input.wechatUser !== undefined) ctx.oauth.defaultUser = input.wechatUser;
    } else if (method !== "GET") return notFound();
    return sendJson(res, 200, {
      refundMinIntervalSeconds: ctx.refundMinIntervalMs / 1000,
      maxQps: ctx.maxQps,
      wechatUser: ctx.oauth.defaultUser,
    });
  }

  if (seg[0] === "notifications") {
    if (seg.length === 1 && method === "GET") {
      const orderNo = new URLSearchParams(rawQuery).get("orderNo");
      return sendJson(res, 200, orderNo ? ctx.notifier.attempts.filter((a) => a.orderNo === orderNo) : ctx.notifier.attempts);
    }
    if (seg.length === 3 && seg[2] === "replay" && method === "POST") {
      const order = ctx.store.findByNumber(seg[1] ?? "");
      const attempts = order ? await ctx.notifier.replay(order.key) : undefined;
      if (!attempts) return sendJson(res, 404, { error: `no notification for order ${seg[1] ?? ""} (is it paid?)` });
      return sendJson(res, 200, { attempts });
    }
    return notFound();
  }

  if (seg[0] === "reset" && seg.length === 1 && method === "POST") {
    hooks.reset();
    return sendJson(res, 200, { ok: true });
  }

  if (seg[0] === "clock" && seg.length === 1) {
    if (method === "POST") {
      const input = parseOr400(res, ClockSchema, body);
      if (!input) return;
      ctx.clock.advance(input.advanceSeconds);
    } else if (method !== "GET") return notFound();
    return sendJson(res, 200, { now: rfc3339Cst(ctx.clock.now()), offsetSeconds: ctx.clock.offsetSeconds });
  }

  if (seg[0] === "faults" && seg.length === 1) {
    if (method === "POST") {
      const spec = parseOr400(res, FaultSpecSchema, body);
      if (!spec) return;
      ctx.faults.add(spec);
    } else if (method === "DELETE") ctx.faults.clear();
    else if (method !== "GET") return notFound();
    return sendJson(res, 200, ctx.faults.snapshot());
  }

  if (seg[0] === "bills" && seg[1] === "overrides" && seg.length === 2) {
    if (method === "POST") {
      const input = parseOr400(res, BillOverridesSchema, body);
      if (!input) return;
      ctx.bills.apply(input);
      ctx.store.frozenBills.clear(); // the test changed what WeChat generated: bills are collected again
    } else if (method === "DELETE") {
      ctx.bills.clear();
      ctx.store.frozenBills.clear();
    } else if (method !== "GET") return notFound();
    return sendJson(res, 200, ctx.bills.snapshot());
  }

  return notFound();
}
