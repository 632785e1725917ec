// Combine prepay (§3; H5 and JSAPI), query (§5), close (§6) and GET /v3/certificates (§2.5).
import { z } from "zod";
import type { ApiCall, ApiResult, FakeContext } from "./context";
import { ApiError, INTERNAL_CODES, paramError } from "./errors";
import { h5Url, jsapiPrepayLink, markClosed, newPrepayLink } from "./orders";
import { ORDER_NO_RE, parseStrictBody, validatePrepay, type PrepayChannel } from "./prepay-rules";
import { aesGcmEncrypt, randomAlnum } from "./signing";
import { orderKey, orderStatus, toTransaction, type CombineOrder } from "./store";
import { rfc3339Cst } from "./time";

/** POST bodies must be JSON with `Content-Type: application/json` (§1.4). */
export function parseJsonBody(call: ApiCall): unknown {
  const ct = String(call.headers["content-type"] ?? "");
  if (!/^application\/json\b/i.test(ct)) {
    throw new ApiError(400, "INVALID_REQUEST", "请求的Content-Type必须为application/json", {
      location: "header",
      field: "Content-Type",
      issue: `got "${ct}"`,
    });
  }
  if (call.body.length === 0) throw paramError("/", "request body is empty");
  const text = call.body.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(call.body)) throw paramError("/", "request body is not valid UTF-8");
  try {
    return JSON.parse(text);
  } catch {
    throw paramError("/", "request body is not valid JSON");
  }
}

function orderNoFromPath(call: ApiCall): string {
  const no = call.params[0] ?? "";
  if (!ORDER_NO_RE.test(no)) throw paramError("combine_out_trade_no", "must be 6-32 characters of [0-9A-Za-z_-|*]", no, "path");
  return no;
}

/** An order created by another mchid reads as "订单不存在" (§5). */
function findOwnOrder(ctx: FakeContext, call: ApiCall, no: string): CombineOrder {
  const order = ctx.store.orders.get(orderKey(call.callerMchid, no));
  if (!order) throw new ApiError(404, "ORDER_NOT_EXIST", "订单不存在");
  return order;
}

/** POST /v3/combine-transactions/h5 → {h5_url}. */
export function handlePrepay(ctx: FakeContext, call: ApiCall): ApiResult {
  const order = prepay(ctx, call, "H5");
  return { status: 200, json: { h5_url: h5Url(ctx, newPrepayLink(ctx, order)) } };
}

/** POST /v3/combine-transactions/jsapi → {prepay_id} (valid 2 hours; the same one on re-entry while it lasts). */
export function handleJsapiPrepay(ctx: FakeContext, call: ApiCall): ApiResult {
  const order = prepay(ctx, call, "JSAPI");
  return { status: 200, json: { prepay_id: jsapiPrepayLink(ctx, order).prepayId } };
}

/** Creates the order, or checks a re-entry (§3.3) of the same number through the same API with the identical body. */
function prepay(ctx: FakeContext, call: ApiCall, channel: PrepayChannel): CombineOrder {
  const raw = parseJsonBody(call);
  const v = validatePrepay(raw, { callerMchid: call.callerMchid, keys: ctx.keys, nowMs: ctx.clock.now() }, channel);
  const key = orderKey(call.callerMchid, v.body.combine_out_trade_no);
  const existing = ctx.store.orders.get(key);
  if (existing) {
    // Re-entry (§3.3). The closed/paid answers are the fake's choice for §13.2 (see README).
    const status = orderStatus(existing);
    if (status === "SUCCESS") throw new ApiError(400, "ORDERPAID", "该订单已支付，请勿重复下单");
    if (status === "CLOSED") throw new ApiError(400, "ORDER_CLOSED", "订单已关闭，请使用新的商户订单号重新下单");
    // One number through both /h5 and /jsapi is undocumented: the fake reads it as a re-entry with other parameters.
    if (existing.channel !== channel || existing.canonicalRequest !== v.canonical) {
      throw new ApiError(400, "INVALID_REQUEST", "请求重入时，参数与首次请求时不一致", undefined, INTERNAL_CODES.REENTRY_MISMATCH);
    }
    return existing;
  }
  v.body.sub_orders.forEach((s, i) => {
    if (ctx.store.subOutTradeNos.has(orderKey(call.callerMchid, s.out_trade_no))) {
      throw new ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复", {
        field: `/sub_orders/${i}/out_trade_no`,
        value: s.out_trade_no,
        location: "body",
      });
    }
  });
  const b = v.body;
  const order: CombineOrder = {
    key,
    mode: v.mode,
    channel,
    combine_appid: b.combine_appid,
    combine_mchid: b.combine_mchid,
    combine_out_trade_no: b.combine_out_trade_no,
    notify_url: b.notify_url,
    ...(b.scene_info.device_id !== undefined ? { device_id: b.scene_info.device_id } : {}),
    payer_client_ip: b.scene_info.payer_client_ip,
    ...("combine_payer_info" in b ? { prepay_openid: b.combine_payer_info.openid } : {}),
    canonicalRequest: v.canonical,
    createdAtMs: ctx.clock.now(),
    timeExpireMs: v.timeExpireMs,
    cancelCount: 0,
    links: [],
    sub_orders: b.sub_orders.map((s) => ({
      mchid: s.mchid,
      ...(s.sub_mchid !== undefined ? { sub_mchid: s.sub_mchid } : {}),
      ...(s.sub_appid !== undefined ? { sub_appid: s.sub_appid } : {}),
      out_trade_no: s.out_trade_no,
      attach: s.attach,
      description: s.description,
      total_amount: s.amount.total_amount,
      currency: s.amount.currency,
      trade_state: "NOTPAY",
    })),
  };
  ctx.store.orders.set(key, order);
  for (const s of order.sub_orders) ctx.store.subOutTradeNos.set(orderKey(call.callerMchid, s.out_trade_no), key);
  ctx.log(`prepay ${channel} ${order.combine_out_trade_no} (${order.mode}, ${order.sub_orders.length} sub-orders)`);
  return order;
}

export function handleQuery(ctx: FakeContext, call: ApiCall): ApiResult {
  const order = findOwnOrder(ctx, call, orderNoFromPath(call));
  return { status: 200, json: toTransaction(order) };
}

const closeSchema = z.strictObject({
  combine_appid: z.string().min(1).max(32),
  sub_orders: z
    .array(
      z.strictObject({
        mchid: z.string().min(1).max(32),
        out_trade_no: z.string().regex(ORDER_NO_RE, "must be 6-32 characters of [0-9A-Za-z_-|*]"),
        sub_mchid: z.string().min(1).max(32).optional(),
        sub_appid: z.string().min(1).max(32).optional(),
      }),
    )
    .min(1, "must contain at least 1 sub-order")
    .max(50, "must contain at most 50 sub-orders"),
});

export function handleClose(ctx: FakeContext, call: ApiCall): ApiResult {
  const no = orderNoFromPath(call);
  const body = parseStrictBody(parseJsonBody(call), closeSchema);
  const order = findOwnOrder(ctx, call, no);
  if (body.combine_appid !== order.combine_appid) {
    throw new ApiError(400, "INVALID_REQUEST", "combine_appid与下单时不一致", {
      field: "/combine_appid",
      value: body.combine_appid,
      location: "body",
    });
  }
  const status = orderStatus(order);
  // §6 "only unpaid orders can be closed"; the code for a paid order is the fake's choice (§13.2, see README).
  if (status === "SUCCESS") throw new ApiError(400, "ORDERPAID", "订单已支付，不能发起关单");
  if (status === "CLOSED") throw new ApiError(400, "ORDER_CLOSED", "订单已关闭");
  // §6: no partial close — count and every (mchid, sub_mchid, out_trade_no) must match the prepay. Order-insensitive.
  const mismatch = (issue: string): ApiError =>
    new ApiError(400, "INVALID_REQUEST", "关单的子单信息与下单时不一致", { issue, location: "body" });
  if (body.sub_orders.length !== order.sub_orders.length) {
    throw mismatch(`sub_orders has ${body.sub_orders.length} items but the order has ${order.sub_orders.length} (no partial close)`);
  }
  const used = new Set<string>();
  body.sub_orders.forEach((s, i) => {
    const match = order.sub_orders.find((o) => o.out_trade_no === s.out_trade_no);
    if (!match || used.has(s.out_trade_no))
      throw mismatch(`/sub_orders/${i}/out_trade_no ${s.out_trade_no} is not a sub-order of this combine order`);
    used.add(s.out_trade_no);
    if (match.mchid !== s.mchid) throw mismatch(`/sub_orders/${i}/mchid must be ${match.mchid}`);
    if (match.sub_mchid !== s.sub_mchid) {
      throw mismatch(
        match.sub_mchid === undefined
          ? `/sub_orders/${i}/sub_mchid must be absent (direct mode)`
          : `/sub_orders/${i}/sub_mchid must be ${match.sub_mchid}`,
      );
    }
    if (s.sub_appid !== undefined && s.sub_appid !== match.sub_appid)
      throw mismatch(`/sub_orders/${i}/sub_appid does not match the prepay`);
  });
  markClosed(ctx, order);
  ctx.log(`close ${order.combine_out_trade_no}`);
  return { status: 204 };
}

/** §2.5. A public-key-only merchant has no platform certificate: `{"data":[]}` (§2.4). */
export function handleCertificates(ctx: FakeContext, call: ApiCall): ApiResult {
  const q = new URLSearchParams(call.rawQuery);
  const alg = q.get("algorithm_type") ?? "RSA";
  if (!["RSA", "SM2", "ALL"].includes(alg)) throw paramError("algorithm_type", "must be RSA, SM2 or ALL", alg, "query");
  if (ctx.mode === "public-key" || alg === "SM2") return { status: 200, json: { data: [] } };
  const cert = ctx.keys.platformCertificate;
  const nonce = randomAlnum(12);
  return {
    status: 200,
    json: {
      data: [
        {
          serial_no: ctx.keys.platformCertificateSerialNo,
          effective_time: rfc3339Cst(Date.parse(cert.validFrom)),
          expire_time: rfc3339Cst(Date.parse(cert.validTo)),
          encrypt_certificate: {
            algorithm: "AEAD_AES_256_GCM",
            nonce,
            associated_data: "certificate",
            ciphertext: aesGcmEncrypt(ctx.keys.apiV3Key, nonce, "certificate", ctx.keys.platformCertificatePem),
          },
        },
      ],
    },
  };
}
