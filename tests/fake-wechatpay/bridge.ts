// The WeixinJSBridge stand-in for the JSAPI channel. Real WeChat injects WeixinJSBridge into its own browser; here a
// script served only by the fake defines it (the app loads it only in tests and `npm run dev`). Its
// invoke('getBrandWCPayRequest', params, cb) asks the fake to check the six fields like WeChat does (paySign with the
// merchant's public key, the prepay_id, appId = the prepay's combine_appid, the page's domain, the user agent), shows
// an in-page cashier with 确认支付 / 取消, and calls back like WeChat. Paying goes through markPaid, exactly as the H5
// cashier's button: every sub-order SUCCESS and the notification sent.
import { createVerify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { fenToYuan } from "./bills";
import { CASHIER_ERRORS } from "./cashier";
import type { FakeContext } from "./context";
import { headerValue, readBody, send, splitTarget } from "./http-util";
import { markPaid, payRefusal } from "./orders";
import { orderTotalFen, type BridgeEvent, type CombineOrder, type PrepayLink } from "./store";

export const BRIDGE_SCRIPT_PATH = "/jsapi/bridge.js";
export const BRIDGE_VERIFY_PATH = "/jsapi/verify";
export const BRIDGE_CONFIRM_PATH = "/jsapi/confirm";
const PATHS = new Set([BRIDGE_SCRIPT_PATH, BRIDGE_VERIFY_PATH, BRIDGE_CONFIRM_PATH]);
export const isBridgePath = (rawPath: string) => PATHS.has(rawPath);

const FIELDS = ["appId", "timeStamp", "nonceStr", "package", "signType", "paySign"] as const;
const ParamsSchema = z.record(z.string(), z.unknown());
const ConfirmSchema = z.strictObject({ params: ParamsSchema, action: z.enum(["pay", "cancel"]) });

/** WeChat's wording where the reference quotes it; the rest is the fake's, marked "(fake)". */
export const BRIDGE_ERRORS = {
  NOT_IN_WECHAT: "该商户暂不支持通过外部拉起微信完成支付",
  MINI_PROGRAM: "小程序 web-view 内不能通过 JSAPI 调起支付",
  URL_NOT_REGISTERED: "当前页面的URL未注册",
  MISSING: "调用支付JSAPI缺少参数：",
  BAD_PACKAGE: "JSAPI缺少参数total_fee",
  BAD_SIGN: "支付验证签名失败",
  BAD_TIMESTAMP: "timeStamp须为10位秒级时间戳（fake）",
  UNKNOWN_PREPAY: "prepay_id无效（fake）",
  PREPAY_EXPIRED: "支付请求已失效，请重新发起支付",
  PAYER_MISMATCH: "下单账号与支付账号不一致",
} as const;

type Verdict = { ok: true; link: PrepayLink; order: CombineOrder } | { ok: false; errMsg: string; reason: string; prepayId: string | null };

const fail = (reason: string, prepayId: string | null = null, errMsg = "get_brand_wcpay_request:fail"): Verdict => ({
  ok: false,
  errMsg,
  reason,
  prepayId,
});

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** What WeChat checks before it shows its cashier, in the fake's order. */
function verify(ctx: FakeContext, params: Record<string, unknown>, req: IncomingMessage): Verdict {
  const ua = headerValue(req, "user-agent") ?? "";
  if (/miniProgram/i.test(ua)) return fail(BRIDGE_ERRORS.MINI_PROGRAM, null, "system:access_denied");
  if (!/MicroMessenger/i.test(ua)) return fail(BRIDGE_ERRORS.NOT_IN_WECHAT);
  // 支付授权目录: the page calling the bridge must be on a configured domain (the browser sets Origin; Referer as fallback).
  const host = hostOf(headerValue(req, "origin")) ?? hostOf(headerValue(req, "referer"));
  if (!host || !ctx.h5Domains.includes(host)) return fail(BRIDGE_ERRORS.URL_NOT_REGISTERED);
  for (const f of FIELDS) {
    if (typeof params[f] !== "string" || params[f] === "") return fail(`${BRIDGE_ERRORS.MISSING}${f}`);
  }
  const p = params as Record<(typeof FIELDS)[number], string>;
  const m = /^prepay_id=([\x21-\x7e]{1,64})$/.exec(p.package);
  if (!m) return fail(BRIDGE_ERRORS.BAD_PACKAGE);
  const prepayId = m[1]!;
  const link = ctx.store.links.get(prepayId);
  const order = link ? ctx.store.orders.get(link.orderKey) : undefined;
  if (!link || !order || link.channel !== "JSAPI") return fail(BRIDGE_ERRORS.UNKNOWN_PREPAY, prepayId);
  if (p.appId !== order.combine_appid) return fail(BRIDGE_ERRORS.BAD_PACKAGE, prepayId);
  if (p.signType !== "RSA") return fail(BRIDGE_ERRORS.BAD_SIGN, prepayId);
  if (!/^\d{10}$/.test(p.timeStamp)) return fail(BRIDGE_ERRORS.BAD_TIMESTAMP, prepayId);
  if (!/^[0-9A-Za-z]{1,32}$/.test(p.nonceStr)) return fail(BRIDGE_ERRORS.BAD_SIGN, prepayId);
  const merchant = ctx.merchants.get(order.combine_mchid);
  const v = createVerify("RSA-SHA256");
  v.update(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`, "utf8");
  if (!merchant || !v.verify(merchant.publicKey, p.paySign, "base64")) return fail(BRIDGE_ERRORS.BAD_SIGN, prepayId);
  if (ctx.clock.now() > link.expiresAtMs) return fail(BRIDGE_ERRORS.PREPAY_EXPIRED, prepayId);
  const refusal = payRefusal(ctx, order);
  if (refusal === "paid") return fail(CASHIER_ERRORS.ORDER_PAID, prepayId);
  if (refusal === "closed") return fail(CASHIER_ERRORS.ORDER_CLOSED, prepayId);
  if (refusal === "expired") return fail(CASHIER_ERRORS.ORDER_EXPIRED, prepayId);
  return { ok: true, link, order };
}

function record(ctx: FakeContext, e: Omit<BridgeEvent, "at">): void {
  ctx.store.bridgeEvents.push({ at: new Date().toISOString(), ...e });
  ctx.log(`bridge ${e.step} ${e.orderNo ?? e.prepayId ?? "-"} → ${e.errMsg ?? "no callback"}${e.reason ? ` (${e.reason})` : ""}`);
}

// The shim's fetches come from the shop's origin; credentials are never sent, so any origin may read the answer
// (the domain rule is checked on Origin above, like WeChat checks the page URL).
const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "600",
};

function reply(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", ...CORS }, JSON.stringify(value));
}

export async function handleBridge(ctx: FakeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { rawPath } = splitTarget(req.url ?? "/");
  if (req.method === "OPTIONS") return send(res, 204, { ...CORS });
  if (rawPath === BRIDGE_SCRIPT_PATH) {
    if (req.method !== "GET") return reply(res, 405, { error: "GET only" });
    return send(
      res,
      200,
      { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-store", ...CORS },
      bridgeScript(ctx.publicBaseUrl()),
    );
  }
  if (req.method !== "POST") return reply(res, 405, { error: "POST only" });
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req, 16 * 1024)).toString("utf8"));
  } catch {
    return reply(res, 400, { error: "body must be JSON of at most 16 KiB" });
  }

  if (rawPath === BRIDGE_VERIFY_PATH) {
    const params = ParamsSchema.safeParse(body);
    if (!params.success) return reply(res, 400, { error: "body must be the six bridge fields" });
    const v = verify(ctx, params.data, req);
    if (!v.ok) {
      record(ctx, { step: "verify", prepayId: v.prepayId, orderNo: null, errMsg: v.errMsg, reason: v.reason });
      return reply(res, 200, { ok: false, err_msg: v.errMsg, reason: v.reason });
    }
    record(ctx, { step: "verify", prepayId: v.link.prepayId, orderNo: v.order.combine_out_trade_no, errMsg: null });
    return reply(res, 200, {
      ok: true,
      merchant: ctx.merchantShortName,
      total: `¥${fenToYuan(orderTotalFen(v.order))}`,
      items: v.order.sub_orders.map((s) => ({ description: s.description, amount: `¥${fenToYuan(s.total_amount)}` })),
    });
  }

  const input = ConfirmSchema.safeParse(body);
  if (!input.success) return reply(res, 400, { error: "body must be {params, action: pay|cancel}" });
  // Everything is checked again: the order may have been paid, closed or expired while the cashier was open.
  const v = verify(ctx, input.data.params, req);
  if (!v.ok) {
    record(ctx, { step: input.data.action, prepayId: v.prepayId, orderNo: null, errMsg: v.errMsg, reason: v.reason });
    return reply(res, 200, { ok: false, err_msg: v.errMsg, reason: v.reason });
  }
  const orderNo = v.order.combine_out_trade_no;
  if (input.data.action === "cancel") {
    v.order.cancelCount += 1;
    record(ctx, { step: "cancel", prepayId: v.link.prepayId, orderNo, errMsg: "get_brand_wcpay_request:cancel" });
    return reply(res, 200, { ok: true, err_msg: "get_brand_wcpay_request:cancel" });
  }
  const fault = ctx.faults.takeBridge();
  if (fault?.kind === "payer_mismatch") {
    const errMsg = "get_brand_wcpay_request:fail";
    record(ctx, { step: "pay", prepayId: v.link.prepayId, orderNo, errMsg, reason: BRIDGE_ERRORS.PAYER_MISMATCH, fault: fault.kind });
    return reply(res, 200, { ok: false, err_msg: errMsg, reason: BRIDGE_ERRORS.PAYER_MISMATCH });
  }
  markPaid(ctx, v.order);
  if (fault?.kind === "no_callback") {
    // WeChat closed the page after paying (e.g. 点金计划's completion page): the merchant's callback never runs.
    record(ctx, { step: "pay", prepayId: v.link.prepayId, orderNo, errMsg: null, fault: fault.kind });
    return reply(res, 200, { ok: true, err_msg: null, close_page: true });
  }
  // fail_after_pay: paid, yet the callback says fail — the callback is only a hint, the order state is the query's.
  const errMsg = fault?.kind === "fail_after_pay" ? "get_brand_wcpay_request:fail" : "get_brand_wcpay_request:ok";
  record(ctx, { step: "pay", prepayId: v.link.prepayId, orderNo, errMsg, ...(fault ? { fault: fault.kind } : {}) });
  return reply(res, 200, { ok: true, err_msg: errMsg });
}

/**
 * The shim. Plain ES2017 in one IIFE; builds its DOM with createElement/textContent and CSSOM styles only (no
 * innerHTML of answers, no style attributes), so it runs under the app's CSP once its origin is allowed for
 * script-src (or loaded by a nonced script) and connect-src. Loaded twice — or inside real WeChat — it does nothing.
 */
export function bridgeScript(publicBaseUrl: string): string {
  return `/* fake WeixinJSBridge (TEST ONLY) — tests/fake-wechatpay/bridge.ts */
(function () {
  "use strict";
  if (typeof window === "undefined" || window.WeixinJSBridge) return;
  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src).origin : ${JSON.stringify(publicBaseUrl)};
  var FIELDS = ${JSON.stringify(FIELDS)};
  var open = false;

  function post(path, body) {
    return fetch(BASE + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then(function (r) { return r.json(); });
  }
  function el(tag, text, css) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (css) for (var k in css) e.style[k] = css[k];
    return e;
  }
  function pick(params) {
    var out = {};
    FIELDS.forEach(function (f) { if (params && params[f] !== undefined) out[f] = params[f]; });
    return out;
  }
  function later(cb, res) {
    setTimeout(function () { if (typeof cb === "function") cb(res); }, 0);
  }
  function closePage() {
    document.documentElement.setAttribute("data-fake-wechat-closed", "true");
    document.title = "页面已关闭";
    document.body.replaceChildren(el("p", "（模拟）微信已关闭此页面：支付后没有回调", { textAlign: "center", padding: "48px 16px", color: "#888" }));
  }

  function cashier(info, params, cb) {
    var shade = el("div", undefined, {
      position: "fixed", left: "0", top: "0", right: "0", bottom: "0", background: "rgba(0,0,0,0.55)", zIndex: "2147483647",
      display: "flex", alignItems: "flex-end", justifyContent: "center", fontFamily: "-apple-system, 'PingFang SC', sans-serif",
    });
    var sheet = el("div", undefined, {
      background: "#fff", width: "100%", maxWidth: "480px", borderRadius: "12px 12px 0 0", padding: "20px 16px", boxSizing: "border-box",
    });
    sheet.setAttribute("role", "dialog");
    sheet.setAttribute("aria-modal", "true");
    sheet.setAttribute("aria-label", "微信支付");
    sheet.setAttribute("data-testid", "fake-wechat-cashier");
    sheet.appendChild(el("p", info.merchant, { textAlign: "center", color: "#555", margin: "0 0 8px" }));
    var total = el("p", info.total, { textAlign: "center", fontSize: "32px", fontWeight: "600", margin: "0 0 12px" });
    total.setAttribute("data-testid", "fake-wechat-total");
    sheet.appendChild(total);
    var list = el("ul", undefined, { listStyle: "none", padding: "0", margin: "0 0 8px" });
    (info.items || []).forEach(function (it) {
      var li = el("li", undefined, { display: "flex", justifyContent: "space-between", padding: "6px 0", borderTop: "1px solid #eee" });
      li.appendChild(el("span", it.description));
      li.appendChild(el("span", it.amount));
      list.appendChild(li);
    });
    sheet.appendChild(list);
    var pay = el("button", "确认支付", { display: "block", width: "100%", padding: "14px", border: "0", borderRadius: "6px",
      fontSize: "17px", marginTop: "12px", background: "#07c160", color: "#fff" });
    var cancel = el("button", "取消", { display: "block", width: "100%", padding: "14px", border: "1px solid #ddd", borderRadius: "6px",
      fontSize: "17px", marginTop: "12px", background: "#fff", color: "#111" });
    pay.type = cancel.type = "button";
    sheet.appendChild(pay);
    sheet.appendChild(cancel);
    sheet.appendChild(el("p", "TEST ONLY：本地模拟的微信支付，不会产生真实扣款", { color: "#b00", fontSize: "12px", textAlign: "center" }));
    shade.appendChild(sheet);
    document.body.appendChild(shade);

    function done(action) {
      pay.disabled = cancel.disabled = true;
      post(${JSON.stringify(BRIDGE_CONFIRM_PATH)}, { params: pick(params), action: action }).then(function (r) {
        shade.remove();
        open = false;
        if (r.close_page) return closePage();
        later(cb, r.ok ? { err_msg: r.err_msg } : { err_msg: r.err_msg, err_desc: r.reason });
      }, function () {
        shade.remove();
        open = false;
        later(cb, { err_msg: "get_brand_wcpay_request:fail", err_desc: "network" });
      });
    }
    pay.addEventListener("click", function () { done("pay"); });
    cancel.addEventListener("click", function () { done("cancel"); });
  }

  var bridge = {
    invoke: function (name, params, cb) {
      if (name !== "getBrandWCPayRequest") return later(cb, { err_msg: "system:function_not_exist" });
      if (open) return later(cb, { err_msg: "get_brand_wcpay_request:fail", err_desc: "a payment is already being shown" });
      open = true;
      post(${JSON.stringify(BRIDGE_VERIFY_PATH)}, pick(params)).then(function (r) {
        if (!r.ok) {
          open = false;
          return later(cb, { err_msg: r.err_msg, err_desc: r.reason });
        }
        cashier(r, params, cb);
      }, function () {
        open = false;
        later(cb, { err_msg: "get_brand_wcpay_request:fail", err_desc: "network" });
      });
    },
    on: function () {},
    call: function () {},
  };
  Object.defineProperty(bridge, "isFake", { value: true });
  window.WeixinJSBridge = bridge;
  // Like WeChat, announce the bridge once the page's own scripts have had the chance to listen (after parsing).
  function ready() { setTimeout(function () { document.dispatchEvent(new Event("WeixinJSBridgeReady")); }, 0); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready, { once: true });
  else ready();
})();
`;
}
