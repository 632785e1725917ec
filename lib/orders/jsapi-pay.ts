// The JSAPI channel of an order (README "Paying inside WeChat (JSAPI)"): POST /v3/combine-transactions/jsapi with
// the payer's openid, then the six fields WeixinJSBridge's getBrandWCPayRequest takes, signed with the merchant key.
//
// - A prepay_id lives 2 hours: while it has more than PREPAY_ID_REFRESH_MARGIN_MS left, a re-tap re-signs it (a
//   new timeStamp and nonceStr) and WeChat is not called.
// - At most one prepay per order per interval across processes (the prepay lease, as H5), inside the shop-wide
//   prepay budget; a loser of the lease waits for the winner's prepay_id.
// - The request is built only from what checkout stored (the payer's openid included), so a re-prepay after the
//   prepay_id expired sends identical parameters.
// - An order's attempt at WeChat has one channel, fixed at checkout (Order.payChannel): an H5 order is never prepaid
//   through JSAPI under the same combine number (whether WeChat allows it is undocumented), nor the reverse.
import { buildJsapiPayParams, type CombineJsapiPrepayRequest, type JsapiPayParams } from "@/lib/wechatpay";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { wechatpay } from "@/lib/wechatpay-server";
import { jsapiPayerProblem } from "@/lib/wechatpay-errors";
import { toBeijingRfc3339 } from "@/lib/time/beijing";
import { channelConflict, holdPrepayBudget, loadOrder, payableOrder, prepayFailed, prepaySubOrders, type OrderForPrepay } from "./pay-link";
import { leasedCall, releaseWechatCall } from "./wechat-call-lease";

export const PREPAY_ID_LIFETIME_MS = 2 * 3600_000;
/** A prepay_id this close to its end is replaced rather than handed to a bridge that may open it minutes later. */
export const PREPAY_ID_REFRESH_MARGIN_MS = 5 * 60_000;

export interface JsapiPay {
  payParams: JsapiPayParams;
  prepayIdExpiresAt: Date;
}

/** The H5 prepay's input plus who pays. */
type JsapiOrderForPrepay = OrderForPrepay & { payerOpenid: string | null };

/** Partner mode: sub_orders[].mchid = the provider, sub_mchid = the store; the same amounts, texts and time_expire as H5. */
export function buildJsapiPrepayRequest(order: JsapiOrderForPrepay): CombineJsapiPrepayRequest {
  const { wechatpay: w } = env();
  if (!order.payerOpenid) throw new Error(`order ${order.orderNo} has no payer openid`);
  return {
    combine_appid: order.combineAppid,
    combine_mchid: order.combineMchid,
    combine_out_trade_no: order.orderNo,
    scene_info: { payer_client_ip: order.payerIp },
    sub_orders: prepaySubOrders(order),
    combine_payer_info: { openid: order.payerOpenid },
    time_expire: toBeijingRfc3339(order.expiresAt),
    notify_url: w.notifyUrl,
  } as CombineJsapiPrepayRequest;
}

const fresh = (expiresAt: Date | null, now: number) => expiresAt !== null && expiresAt.getTime() - now > PREPAY_ID_REFRESH_MARGIN_MS;

/** Signs a live prepay_id for the bridge: appId is the order's combine_appid (the 服务号). */
function sign(order: { combineAppid: string }, prepayId: string, prepayIdExpiresAt: Date): JsapiPay {
  return {
    payParams: buildJsapiPayParams({ appId: order.combineAppid, prepayId, privateKeyPem: env().wechatpay.merchantPrivateKey }),
    prepayIdExpiresAt,
  };
}

/**
 * The bridge's six fields for an unpaid JSAPI order, paid for by `openid` (the openid cookie of this browser). A
 * live prepay_id is re-signed without calling WeChat; otherwise one prepay under the lease and the budget.
 */
export async function ensureJsapiPay(orderNo: string, openid: string, now = new Date()): Promise<JsapiPay> {
  let order = await payableOrder(await loadOrder(orderNo), now);
  if (order.payChannel !== "JSAPI") throw channelConflict("JSAPI");
  if (order.payerOpenid !== openid) {
    // The openid is part of the prepay's identity: it may change only while WeChat holds no order under this number
    // (no prepay accepted yet — e.g. after "appid与openid不匹配" cleared it), decided by a conditional update.
    const { count } = await prisma.order.updateMany({
      where: { orderNo, payChannel: "JSAPI", prepayState: { not: "OK" }, OR: [{ payerOpenid: null }, { payerOpenid: order.payerOpenid }] },
      data: { payerOpenid: openid },
    });
    if (count !== 1) throw new AppError("WECHAT_PAYER_MISMATCH", "请使用下单时的微信账号支付该订单");
    order = { ...order, payerOpenid: openid };
  }
  if (order.prepayId && fresh(order.prepayIdExpiresAt, now.getTime())) return sign(order, order.prepayId, order.prepayIdExpiresAt!);

  return leasedCall(orderNo, "prepayLeaseAt", {
    message: "正在生成支付参数，请稍后再试",
    settled: async () => {
      const o = await prisma.order.findUnique({ where: { orderNo }, select: { prepayId: true, prepayIdExpiresAt: true } });
      return o?.prepayId && fresh(o.prepayIdExpiresAt, Date.now()) ? sign(order, o.prepayId, o.prepayIdExpiresAt!) : undefined;
    },
    call: async (lease) => {
      // Re-read under the lease: the winner of an earlier lease may have stored a prepay_id since our first read.
      const current = await prisma.order.findUnique({ where: { orderNo }, select: { prepayId: true, prepayIdExpiresAt: true } });
      if (current?.prepayId && fresh(current.prepayIdExpiresAt, Date.now())) {
        await lease.release();
        return sign(order, current.prepayId, current.prepayIdExpiresAt!);
      }
      await holdPrepayBudget(lease);
      return prepay(order, now);
    },
  });
}

/**
 * The first prepay of a JSAPI order checkout() has just created, from what it holds in memory, under the prepay lease the
 * order was inserted with (as prepayNewOrder for H5); the budget's unit unless checkout took it with the order.
 */
export async function prepayNewJsapiOrder(
  order: JsapiOrderForPrepay,
  lease: { leaseAt: Date; budgetUntil?: Date },
  now: Date,
): Promise<JsapiPay> {
  await holdPrepayBudget({ release: () => releaseWechatCall(order.orderNo, "prepayLeaseAt", lease.leaseAt) }, lease.budgetUntil);
  return prepay(order, now);
}

async function prepay(order: JsapiOrderForPrepay, now: Date): Promise<JsapiPay> {
  const orderNo = order.orderNo;
  let prepayId: string;
  try {
    ({ prepay_id: prepayId } = await wechatpay().combineJsapiPrepay(buildJsapiPrepayRequest(order)));
  } catch (e) {
    const problem = jsapiPayerProblem(e);
    if (problem === "OPENID_APPID_MISMATCH" || problem === "PAYER_MISMATCH") {
      // WeChat created nothing: forget the openid so a fresh OAuth's may take its place (conditional on it being ours).
      await prisma.order.updateMany({
        where: { orderNo, prepayState: { not: "OK" }, payerOpenid: order.payerOpenid },
        data: { payerOpenid: null, prepayState: "FAILED", lastPrepayError: (e as Error).message.slice(0, 500) },
      });
      throw new AppError(
        "WECHAT_REAUTH_REQUIRED",
        problem === "PAYER_MISMATCH"
          ? "下单的微信账号与支付的微信账号不一致，请重新确认微信身份后支付"
          : "微信身份与本店公众号不匹配，请重新确认微信身份后支付",
        { problem },
      );
    }
    if (problem === "APPID_MCHID_NOT_MATCH") {
      await prepayFailed(order, e).catch(() => undefined);
      throw new AppError(
        "WECHAT_JSAPI_UNAVAILABLE",
        "本店暂时无法在微信内付款（商户的公众号与商户号未绑定），请在手机浏览器中打开本店后支付",
        { problem },
      );
    }
    return prepayFailed(order, e);
  }
  const prepayIdExpiresAt = new Date(now.getTime() + PREPAY_ID_LIFETIME_MS);
  await prisma.order.update({
    where: { orderNo },
    data: { prepayId, prepayIdExpiresAt, prepayState: "OK", lastPrepayError: null },
  });
  return sign(order, prepayId, prepayIdExpiresAt);
}
