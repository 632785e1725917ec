// Shared by the refund suites (SQLite and PostgreSQL): a paid three-store order, the admin session, and
// REFUND.* notifications built with plain node:crypto (independent of lib/wechatpay).
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { createSessionValue, SESSION_COOKIE } from "@/lib/admin/session";
import { eventually, type Harness } from "./harness";
import { RACE_CART } from "./payment-races";
import { encryptResource, signedHeaders } from "../support/notification-signer";
import { testKeys } from "../support/test-identity";

const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef"; // testAppEnv's

export function adminHeaders(h: Harness, key?: string): Record<string, string> {
  return { cookie: `${SESSION_COOKIE}=${createSessionValue(ADMIN_TOKEN)}`, origin: h.appUrl, ...(key ? { "idempotency-key": key } : {}) };
}

/** Checkout + pay at the fake + the payment notification applied: a PAID order with three sub-orders. */
export async function paidOrder(h: Harness) {
  const res = await h.call("POST", "/api/checkout", { json: RACE_CART });
  expect(res.status).toBe(201);
  const { orderNo } = (await res.json()) as { orderNo: string };
  await h.control(`/orders/${orderNo}/pay`, {});
  await eventually(async () => (await h.prisma.order.findUnique({ where: { orderNo } }))?.status === "PAID", 20_000);
  const subs = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
  return { orderNo, subs };
}

let keySeq = 0;
export const newKey = () => `test-key-${Date.now()}-${++keySeq}-${Math.random().toString(36).slice(2, 8)}`;

export function refund(h: Harness, orderNo: string, body: Record<string, unknown>, key = newKey()) {
  return h.call("POST", `/api/admin/orders/${orderNo}/refunds`, { json: body, headers: adminHeaders(h, key) });
}

export interface RefundPlain {
  sp_mchid?: string;
  sub_mchid?: string;
  mchid?: string;
  out_trade_no: string;
  transaction_id?: string;
  out_refund_no: string;
  refund_id: string;
  refund_status: string;
  success_time?: string;
  user_received_account?: string;
  amount: { total: number; refund: number; payer_total?: number; payer_refund?: number };
}

export function refundPlain(
  sub: { outTradeNo: string; subMchid: string | null; transactionId: string | null; amountFen: number },
  o: Partial<RefundPlain> & { out_refund_no: string },
): RefundPlain {
  return {
    sp_mchid: testKeys.combineMchid,
    ...(sub.subMchid ? { sub_mchid: sub.subMchid } : {}),
    out_trade_no: sub.outTradeNo,
    ...(sub.transactionId ? { transaction_id: sub.transactionId } : {}),
    refund_id: "50300000000000000000000099",
    refund_status: "SUCCESS",
    success_time: "2026-12-02T10:00:00+08:00",
    user_received_account: "支付用户零钱",
    amount: { total: sub.amountFen, refund: sub.amountFen, payer_total: sub.amountFen, payer_refund: sub.amountFen },
    ...o,
  };
}

/** A REFUND.* envelope: AES-GCM with associated_data "refund" (or "", which §14.4.2 allows), original_type refund. */
export function refundNotificationBody(plain: RefundPlain, opts: { aad?: string; id?: string } = {}): string {
  const resource = { ...encryptResource(JSON.stringify(plain), { aad: opts.aad ?? "refund" }), original_type: "refund" };
  return JSON.stringify({
    id: opts.id ?? randomUUID(),
    create_time: "2026-12-02T10:00:01+08:00",
    resource_type: "encrypt-resource",
    event_type: `REFUND.${plain.refund_status}`,
    summary: "退款成功",
    resource,
  });
}

/** Delivered as WeChat does: no Origin, signed raw body. */
export function deliverRefund(h: Harness, body: string, headers: Record<string, string> = signedHeaders(body)) {
  return h.call("POST", "/api/wechatpay/refund-notify", { body, headers: { ...headers, origin: "" } });
}

/** The abnormal-refund calls (§14.3) the fake received. */
export async function fakeAbnormalCalls(h: Harness) {
  const reqs = await h.control<{ method: string; path: string; status: number }[]>("/requests");
  return reqs.filter((r) => r.method === "POST" && r.path.endsWith("/apply-abnormal-refund"));
}

export async function fakeRefundCalls(h: Harness) {
  const reqs = await h.control<{ method: string; path: string; status: number; code?: string }[]>("/requests");
  return reqs.filter((r) => r.method === "POST" && r.path === "/v3/refund/domestic/refunds");
}
