import { clearedStateCookie, completeWechatAuth, OauthCallbackError, openidCookie } from "@/lib/in-app/wechat-oauth";
import { oauthFailurePage } from "@/lib/in-app/oauth-page";
import { env } from "@/lib/env";
import { route } from "@/lib/http/respond";

/**
 * WeChat's OAuth redirect (snsapi_base): state checked and consumed, code exchanged on the server, only the openid kept
 * (signed httpOnly cookie); then back to the cart, which continues the checkout. Failures: a 4xx page with a retry button.
 */
export const GET = route(async (request: Request) => {
  if (!env().wechatJsapi.enabled) return new Response("Not Found", { status: 404 });
  let openid: string;
  try {
    openid = await completeWechatAuth(request);
  } catch (e) {
    if (!(e instanceof OauthCallbackError)) throw e;
    const page = oauthFailurePage(e.status, e.message, e.failure);
    page.headers.append("set-cookie", clearedStateCookie());
    return page;
  }
  const res = new Response(null, {
    status: 303,
    headers: { location: `${env().appBaseUrl}/?wxpay=continue`, "cache-control": "no-store" },
  });
  res.headers.append("set-cookie", clearedStateCookie());
  res.headers.append("set-cookie", openidCookie(openid));
  return res;
});
