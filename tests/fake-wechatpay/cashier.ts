// The H5 cashier behind h5_url (§4): a plain server-rendered page with two form buttons, drivable by Playwright
// or by fetch. It enforces the checks WeChat does before showing the cashier, with WeChat's own wording.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FakeContext } from "./context";
import { escapeHtml, headerValue, readBody, send, splitTarget } from "./http-util";
import { markPaid, payRefusal } from "./orders";
import { orderTotalFen, type CombineOrder, type PrepayLink } from "./store";
import { fenToYuan } from "./bills";

export const CASHIER_PATH = "/cgi-bin/mmpayweb-bin/checkmweb";
export const CASHIER_CONFIRM_PATH = "/cgi-bin/mmpayweb-bin/confirm";

/** Messages as quoted in §3.3 / §4 (the expired-order one is cut off in the source; the rest is ours). */
export const CASHIER_ERRORS = {
  BAD_PARAMS: "商家参数格式有误",
  EMPTY_REFERER: "商家参数格式有误",
  DOMAIN_NOT_CONFIGURED: "商家存在未配置的参数",
  IN_WECHAT: "请在微信外打开订单，进行支付",
  // Ours: WeChat's wording for other apps' webviews is not documented (there the cashier's
  // attempt to launch WeChat simply fails, §15.4); the fake refuses plainly so a test can see it.
  IN_APP_WEBVIEW: "请在手机浏览器中打开页面完成支付",
  LINK_EXPIRED: "支付请求已失效，请重新发起支付",
  ORDER_EXPIRED: "订单已超过商户设置的最晚支付成功时间，请重新下单",
  ORDER_CLOSED: "订单已关闭，请重新下单",
  ORDER_PAID: "该订单已支付，请勿重复支付",
} as const;
type CashierError = keyof typeof CASHIER_ERRORS;

/**
 * §15.4: H5 pay is for real browsers. Inside WeChat (also WeCom and mini-program web-views, whose
 * UAs carry MicroMessenger) the cashier refuses; other apps' webviews (mobile QQ — not QQ Browser,
 * which says MQQBrowser —, Alipay, DingTalk, Weibo, Douyin, Baidu, Xiaohongshu, Toutiao, Kuaishou)
 * cannot launch WeChat. This list is the fake's own, deliberately independent of the app's detector
 * (lib/in-app/detect.ts).
 */
export function inAppRefusal(userAgent: string | undefined): CashierError | null {
  const ua = userAgent ?? "";
  if (/MicroMessenger/i.test(ua)) return "IN_WECHAT";
  if (
    /(?:^|[\s;(])QQ\/\d|AlipayClient|AliApp\((?:AP|DingTalk)\/|DingTalk|__weibo__|\bWeibo\b|\baweme_|BytedanceWebview|baiduboxapp/i.test(
      ua,
    ) ||
    /xhsdiscover|XiaoHongShu\/|\sdiscover\/\d|NewsArticle\/|\s(?:Kwai|Kwai_Lite|Kwai_Pro|ksNebula)\//.test(ua)
  )
    return "IN_APP_WEBVIEW";
  return null;
}

interface CheckInput {
  prepayId: string | null;
  pkg: string | null;
  redirectUrl: string | null;
  /** Only checked on the GET that opens the cashier (the POST comes from our own page). */
  referer?: string | undefined;
  checkReferer: boolean;
  userAgent: string | undefined;
}

type CheckResult = { error: CashierError } | { link: PrepayLink; order: CombineOrder; redirectUrl: string | null };

function hostAllowed(ctx: FakeContext, url: string): boolean | null {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return ctx.h5Domains.includes(u.hostname);
  } catch {
    return null;
  }
}

function check(ctx: FakeContext, input: CheckInput): CheckResult {
  const link = input.prepayId ? ctx.store.links.get(input.prepayId) : undefined;
  // A JSAPI prepay_id has no H5 cashier page: it opens only through the bridge.
  if (!link || link.channel !== "H5" || link.package !== input.pkg) return { error: "BAD_PARAMS" };
  const order = ctx.store.orders.get(link.orderKey);
  if (!order) return { error: "BAD_PARAMS" };
  if (input.checkReferer) {
    if (!input.referer) return { error: "EMPTY_REFERER" };
    const ok = hostAllowed(ctx, input.referer);
    if (ok === null) return { error: "BAD_PARAMS" };
    if (!ok) return { error: "DOMAIN_NOT_CONFIGURED" };
  }
  if (input.redirectUrl) {
    const ok = hostAllowed(ctx, input.redirectUrl);
    if (ok === null) return { error: "BAD_PARAMS" };
    if (!ok) return { error: "DOMAIN_NOT_CONFIGURED" };
  }
  const inApp = inAppRefusal(input.userAgent);
  if (inApp) return { error: inApp };
  if (ctx.clock.now() > link.expiresAtMs) return { error: "LINK_EXPIRED" };
  const refusal = payRefusal(ctx, order);
  if (refusal === "paid") return { error: "ORDER_PAID" };
  if (refusal === "closed") return { error: "ORDER_CLOSED" };
  if (refusal === "expired") return { error: "ORDER_EXPIRED" };
  return { link, order, redirectUrl: input.redirectUrl || null };
}

const STYLE = `body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f2f2f2;color:#111}
main{max-width:480px;margin:0 auto;padding:24px 16px}.card{background:#fff;border-radius:8px;padding:20px;margin-bottom:16px}
.initiator{color:#555;text-align:center;margin:0 0 8px}.total{font-size:36px;font-weight:600;text-align:center;margin:0 0 16px}
ul{list-style:none;padding:0;margin:0}li{display:flex;justify-content:space-between;padding:8px 0;border-top:1px solid #eee}
button{display:block;width:100%;padding:14px;border:0;border-radius:6px;font-size:17px;margin-top:12px}
.pay{background:#07c160;color:#fff}.cancel{background:#fff;color:#111;border:1px solid #ddd}.msg{text-align:center;font-size:18px}
.test{color:#b00;font-size:12px;text-align:center}`;

// An empty inline icon: the fake has no favicon, and without one the browser asks for /favicon.ico and logs the 404
// as a console error on every cashier page.
function page(title: string, inner: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${inner}
<p class="test">TEST ONLY：本地模拟的微信支付收银台，不会产生真实扣款</p></main></body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string, extra: Record<string, string> = {}): void {
  send(res, status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...extra }, html);
}

/** WeChat shows its refusals as a normal page (HTTP 200); X-Fake-Cashier-Error names the reason for tests. */
function sendError(res: ServerResponse, error: CashierError): void {
  const msg = CASHIER_ERRORS[error];
  sendHtml(res, 200, page("微信支付", `<div class="card"><p class="msg" role="alert" data-error="${error}">${escapeHtml(msg)}</p></div>`), {
    "X-Fake-Cashier-Error": error,
  });
}

function cashierPage(ctx: FakeContext, link: PrepayLink, order: CombineOrder, redirectUrl: string | null): string {
  const items = order.sub_orders
    .map(
      (s) =>
        `<li data-out-trade-no="${escapeHtml(s.out_trade_no)}"><span>${escapeHtml(s.description)}</span><span>¥${fenToYuan(s.total_amount)}</span></li>`,
    )
    .join("");
  const hidden = [
    ["prepay_id", link.prepayId],
    ["package", link.package],
    ["redirect_url", redirectUrl ?? ""],
  ]
    .map(([n, v]) => `<input type="hidden" name="${n}" value="${escapeHtml(v ?? "")}">`)
    .join("");
  return page(
    "微信支付",
    `<div class="card"><p class="initiator">${escapeHtml(ctx.merchantShortName)}</p>
<p class="total" data-testid="total">¥${fenToYuan(orderTotalFen(order))}</p><ul aria-label="子订单">${items}</ul></div>
<form method="post" action="${CASHIER_CONFIRM_PATH}">${hidden}
<button type="submit" class="pay" name="action" value="pay">确认支付</button>
<button type="submit" class="cancel" name="action" value="cancel">取消支付</button></form>`,
  );
}

export async function handleCashier(ctx: FakeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { rawPath, rawQuery } = splitTarget(req.url ?? "/");
  const userAgent = headerValue(req, "user-agent");
  if (rawPath === CASHIER_PATH && req.method === "GET") {
    const q = new URLSearchParams(rawQuery);
    const r = check(ctx, {
      prepayId: q.get("prepay_id"),
      pkg: q.get("package"),
      redirectUrl: q.get("redirect_url"),
      referer: headerValue(req, "referer"),
      checkReferer: true,
      userAgent,
    });
    if ("error" in r) return sendError(res, r.error);
    return sendHtml(res, 200, cashierPage(ctx, r.link, r.order, r.redirectUrl));
  }
  if (rawPath === CASHIER_CONFIRM_PATH && req.method === "POST") {
    const form = new URLSearchParams((await readBody(req, 64 * 1024)).toString("utf8"));
    const action = form.get("action");
    // The POST re-checks everything except the Referer: the link may have expired or the order closed meanwhile.
    const r = check(ctx, {
      prepayId: form.get("prepay_id"),
      pkg: form.get("package"),
      redirectUrl: form.get("redirect_url"),
      checkReferer: false,
      userAgent,
    });
    if ("error" in r) return sendError(res, r.error);
    if (action === "pay") markPaid(ctx, r.order);
    else if (action === "cancel") r.order.cancelCount += 1;
    else return sendError(res, "BAD_PARAMS");
    // §4: back to redirect_url when given (the payment may look unfinished there: the app must query).
    if (r.redirectUrl) return send(res, 302, { Location: r.redirectUrl, "Cache-Control": "no-store" });
    const total = `¥${fenToYuan(orderTotalFen(r.order))}`;
    const msg = action === "pay" ? `支付成功 ${total}` : "已取消支付";
    return sendHtml(
      res,
      200,
      page("微信支付", `<div class="card"><p class="msg" role="status" data-result="${action}">${escapeHtml(msg)}</p></div>`),
    );
  }
  sendHtml(res, 404, page("微信支付", `<div class="card"><p class="msg">页面不存在</p></div>`));
}
