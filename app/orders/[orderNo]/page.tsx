import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { GuideWords } from "@/components/in-app-guide-text";
import { OpenInBrowserGuide } from "@/components/open-in-browser";
import { OrderResult } from "@/components/order-result";
import { WechatBridgeShim } from "@/app/wechat-bridge-shim";
import { paysInWechat } from "@/lib/in-app/repay";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { detectInAppBrowser, mobilePlatform } from "@/lib/in-app/detect";
import { guideText } from "@/lib/in-app/open-in-browser";
import { buyerIdFromCookies, orderViewer } from "@/lib/orders/buyer";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { closeIfExpired } from "@/lib/orders/close";
import { getOrderView } from "@/lib/orders/view";

export const dynamic = "force-dynamic";

// The shopper lands here from WeChat's cashier (redirect_url) — possibly in another browser than
// the one that started (docs/wechatpay.md §15.2): the order number in the URL is all it needs.
// Arriving here proves nothing about the payment, so the page shows our database and lets the
// shopper ask for a check. Inside an in-app browser the guide replaces the buttons that need WeChat.
export default async function OrderPage({
  params,
  searchParams,
}: {
  params: Promise<{ orderNo: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orderNo } = await params;
  if (!ORDER_NO_PATTERN.test(orderNo)) notFound();
  await closeIfExpired(orderNo);
  const requestHeaders = await headers();
  const userAgent = requestHeaders.get("user-agent");
  const inApp = detectInAppBrowser(userAgent);
  // Personal data in full only for the browser that placed the order (lib/orders/view-privacy.ts).
  const viewer = await orderViewer(orderNo, buyerIdFromCookies(requestHeaders.get("cookie")));
  const order = await getOrderView(orderNo, viewer).catch((e: unknown) => {
    if (e instanceof AppError && e.code === "ORDER_NOT_FOUND") notFound();
    throw e;
  });
  // A JSAPI order opened inside WeChat (README "Paying inside WeChat (JSAPI)"): paid right here, so no guide; after the
  // bridge said cancel (?wx=cancel) 继续支付 re-opens WeChat's cashier with the live prepay_id. An unpaid H5 order there
  // too once the payer is known and its stores are ready: 继续支付 switches it (closed at WeChat, re-issued for JSAPI).
  const wechatPay = await paysInWechat(orderNo, order.status, userAgent, requestHeaders.get("cookie"));
  const cancelled = wechatPay && (await searchParams).wx === "cancel";
  return (
    <main>
      {inApp && !wechatPay && (
        <OpenInBrowserGuide pageUrl={`${env().appBaseUrl}/orders/${orderNo}`} cartLink={false} banner="当前页面无法查询或完成支付">
          <GuideWords text={guideText(inApp, mobilePlatform(userAgent), "order")} />
        </OpenInBrowserGuide>
      )}
      <OrderResult initial={order} inApp={inApp !== null && !wechatPay} wechatPay={wechatPay} cancelled={cancelled} />
      {wechatPay && <WechatBridgeShim />}
    </main>
  );
}
