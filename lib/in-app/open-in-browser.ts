// What the shop says to a shopper inside an in-app browser (docs/wechatpay.md §15.2): checkout
// answers 409 OPEN_IN_BROWSER with a resume URL instead of creating an order, and the pages show
// a guide. The wording lives here, on the server, so the client bundle stays small.
import { env } from "@/lib/env";
import { json } from "@/lib/http/respond";
import { clientKey } from "@/lib/http/request-guards";
import { saveCartDraft, type CartDraftBody } from "./cart-drafts";
import { IN_APP_NAMES, type InAppBrowser, type MobilePlatform } from "./detect";

/** Holds the raw token of this browser's latest draft, so the same cart gets the same link back. */
export const DRAFT_COOKIE = "cart_draft";

export function resumeUrl(token: string): string {
  return `${env().appBaseUrl}/?resume=${token}`;
}

function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return null;
}

export function openInBrowserMessage(app: InAppBrowser): string {
  return `在${IN_APP_NAMES[app]}内无法完成微信支付。请在手机浏览器中打开本店（购物车会一并带过去）后付款。`;
}

/** POST /api/checkout from an in-app browser: save the cart as a draft, create no order. */
export async function openInBrowserResponse(request: Request, body: CartDraftBody, app: InAppBrowser): Promise<Response> {
  const { items, ...details } = body;
  const draft = await saveCartDraft(items, { cookieToken: cookieValue(request, DRAFT_COOKIE), client: clientKey(request), details });
  const maxAge = Math.max(0, Math.floor((draft.expiresAt.getTime() - Date.now()) / 1000));
  const secure = env().appBaseUrl.startsWith("https://") ? "; Secure" : "";
  return json(
    {
      code: "OPEN_IN_BROWSER",
      message: openInBrowserMessage(app),
      resumeUrl: resumeUrl(draft.token),
      expiresAt: draft.expiresAt.toISOString(),
    },
    409,
    { "set-cookie": `${DRAFT_COOKIE}=${draft.token}; Path=/api/checkout; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}` },
  );
}

export interface GuideText {
  title: string;
  lead: string;
  steps: string[];
}

/** The overlay's words for this app and phone; `subject` is what the shopper continues with. */
export function guideText(app: InAppBrowser, platform: MobilePlatform, subject: "cart" | "order"): GuideText {
  const name = IN_APP_NAMES[app];
  const lead =
    subject === "cart"
      ? `${name}内无法完成微信支付。请在手机浏览器中打开本页，购物车会一并带过去。`
      : `${name}内无法完成微信支付，也无法查询支付结果。请在手机浏览器中打开本页继续。`;
  if (app === "wechat-miniprogram") {
    // A mini-program web-view has no "open in browser" menu: the link is the only way out.
    return { title: "请在浏览器中打开", lead, steps: ["点击下方「复制链接」", "打开手机浏览器，粘贴到地址栏后前往"] };
  }
  const menu = platform === "ios" ? "「在 Safari 中打开」" : "「在浏览器打开」";
  return {
    title: "请在浏览器中打开",
    lead,
    steps: [`点击右上角 ⋯，选择${menu}`, "或点击下方「复制链接」，粘贴到手机浏览器的地址栏打开"],
  };
}
