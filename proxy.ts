// Next.js 16 Proxy (formerly middleware): per-request CSP nonce and security headers for pages, and
// a 404 for paths with malformed percent-encoding (which otherwise surfaced as an unlogged 500).
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { contentSecurityPolicy, newNonce, pageSecurityHeaders, pathDecodes } from "@/lib/http/security-headers";

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (!pathDecodes(pathname)) {
    const body = pathname.startsWith("/api/") ? JSON.stringify({ code: "ORDER_NOT_FOUND", message: "订单不存在" }) : "Not Found";
    return new NextResponse(body, {
      status: 404,
      headers: { "content-type": pathname.startsWith("/api/") ? "application/json; charset=utf-8" : "text/plain; charset=utf-8" },
    });
  }
  if (pathname.startsWith("/api/")) return NextResponse.next();

  const e = env();
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, {
    dev: e.nodeEnv === "development",
    https: e.appBaseUrl.startsWith("https://"),
    imageOrigins: e.imageOrigins,
  });
  // Next.js reads the nonce from the request's CSP header while rendering the page.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  for (const [k, v] of Object.entries(pageSecurityHeaders({ production: e.nodeEnv === "production" }))) response.headers.set(k, v);
  return response;
}

export const config = {
  // Not the notification endpoint (hot path, no browser) nor static assets.
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon.ico|api/wechatpay/notify|api/wechatpay/refund-notify).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
