import { headers } from "next/headers";
import { Cart, type RestoredDetails } from "@/components/cart";
import { GuideWords } from "@/components/in-app-guide-text";
import { OpenInBrowserGuide } from "@/components/open-in-browser";
import { WechatBridgeShim } from "@/app/wechat-bridge-shim";
import { listProducts } from "@/lib/catalog/catalog";
import { env } from "@/lib/env";
import { consumeCartDraft, DRAFT_TOKEN_PATTERN } from "@/lib/in-app/cart-drafts";
import { choosePayChannel } from "@/lib/in-app/channel";
import { detectInAppBrowser, mobilePlatform } from "@/lib/in-app/detect";
import { guideText, resumeUrl } from "@/lib/in-app/open-in-browser";
import { countDaily, FUNNEL_COUNTERS } from "@/lib/stats/counters";

// Prices are read per request: the catalogue is the only source of truth for what a shopper pays.
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const RESUME_FAILED = {
  used: "这个购物车链接已经打开过一次（每个链接只能使用一次），购物车已清空。请回到原来的应用重新复制链接，或在这里重新选购。",
  expired: "这个购物车链接已过期，购物车已清空。请回到原来的应用重新复制链接，或在这里重新选购。",
  invalid: "这个购物车链接无效或已过期，购物车已清空。请回到原来的应用重新复制链接，或在这里重新选购。",
} as const;

export default async function CartPage({ searchParams }: { searchParams: SearchParams }) {
  const [products, query, requestHeaders] = await Promise.all([listProducts(), searchParams, headers()]);
  const userAgent = requestHeaders.get("user-agent");
  const inApp = detectInAppBrowser(userAgent);
  const resume = typeof query.resume === "string" ? query.resume : undefined;
  // Inside WeChat with JSAPI on, the cart may pay right here: the guide waits until checkout says a store is not
  // ready (409 OPEN_IN_BROWSER opens it) instead of covering the page on arrival.
  const mayPayInWechat = choosePayChannel(userAgent, { jsapiEnabled: env().wechatJsapi.enabled }, [{ jsapiEnabled: true }]) === "jsapi";
  // The overview's funnel starts here: counted in memory, written once a second (no write per request). Inside
  // WeChat with JSAPI on the guide is not shown on arrival, so it is not counted.
  if (inApp && !mayPayInWechat) countDaily(FUNNEL_COUNTERS.guideShown);

  // A resume link (?resume=token) carries a cart out of an in-app browser. It is consumed only in a
  // real browser: opened inside the app again, it must stay usable for the browser it is meant for.
  let restoredCart: Record<string, number> | undefined;
  let restoredDetails: RestoredDetails | undefined;
  let notice: string | undefined;
  if (resume !== undefined && !inApp) {
    const r = await consumeCartDraft(resume);
    if (r.status === "restored") {
      restoredCart = Object.fromEntries(r.items.map((i) => [i.sku, i.quantity]));
      // The contact and delivery choices typed in the app fill in the form (they go to this browser only).
      restoredDetails = { contact: r.contact, delivery: r.delivery };
      const count = r.items.reduce((n, i) => n + i.quantity, 0);
      notice = count > 0 ? `已恢复你的购物车（${count} 件商品），价格以当前为准。` : "购物车中的商品都已下架。";
      if (r.dropped.length) notice += `以下商品已下架，未能恢复：${r.dropped.join("、")}。`;
    } else {
      restoredCart = {};
      notice = RESUME_FAILED[r.status];
    }
  }

  const pageUrl = resume && inApp && DRAFT_TOKEN_PATTERN.test(resume) ? resumeUrl(resume) : `${env().appBaseUrl}/`;
  return (
    <main>
      {inApp && (
        <OpenInBrowserGuide pageUrl={pageUrl} cartLink banner="当前页面无法完成微信支付" standby={mayPayInWechat}>
          <GuideWords text={guideText(inApp, mobilePlatform(userAgent), "cart")} />
        </OpenInBrowserGuide>
      )}
      <div className="page-head">
        <h1>多店合单 · 购物车</h1>
        {/* A plain link, not next/link: Link's client code would be the largest part of the cart's first-load JS. */}
        {/* eslint-disable-next-line @next/next/no-html-link-for-pages -- a full page load of /orders is fine here */}
        <a href="/orders">我的订单</a>
      </div>
      {notice && (
        <div className="notice" role="status" data-testid="resume-notice">
          {notice}
        </div>
      )}
      <Cart products={products} restoredCart={restoredCart} restoredDetails={restoredDetails} />
      {mayPayInWechat && <WechatBridgeShim />}
    </main>
  );
}
