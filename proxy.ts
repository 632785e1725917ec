// Next.js 16 Proxy (formerly middleware): per-request CSP nonce and security headers for pages, and
// a 404 for paths with malformed percent-encoding (Next.js's router cannot decode them and would
// answer its own 400 page before any route runs).
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { resumedCookieFor } from "@/lib/in-app/resume-marker";
import { contentSecurityPolicy, MEDIA_CSP, newNonce, pageSecurityHeaders, pathDecodes } from "@/lib/http/security-headers";

function malformedPathNotFound(pathname: string): NextResponse {
  if (pathname.startsWith("/api/")) {
    const body = pathname.startsWith("/api/orders/")
      ? { code: "ORDER_NOT_FOUND", message: "订单不存在" }
      : { code: "NOT_FOUND", message: "接口不存在" };
    return NextResponse.json(body, { status: 404 });
  }
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  if (pathname.startsWith("/media/")) headers["content-security-policy"] = MEDIA_CSP;
  return new NextResponse("Not Found", { status: 404, headers });
}

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (!pathDecodes(pathname)) return malformedPathNotFound(pathname);
  // /api/ and /media/ reach the proxy only without a body (see the matcher) and only for the check
  // above: their headers are static (next.config.ts), and an uploaded image keeps its sandbox CSP.
  if (pathname.startsWith("/api/") || pathname.startsWith("/media/")) return NextResponse.next();

  const e = env();
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, {
    dev: e.nodeEnv === "development",
    https: e.appBaseUrl.startsWith("https://"),
    imageOrigins: e.imageOrigins,
    connectOrigins: e.wechatJsapi.enabled && e.wechatJsapi.bridgeShimUrl ? [new URL(e.wechatJsapi.bridgeShimUrl).origin] : [],
  });
  // Next.js reads the nonce from the request's CSP header while rendering the page.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  for (const [k, v] of Object.entries(pageSecurityHeaders({ production: e.nodeEnv === "production" }))) response.headers.set(k, v);
  // A resume link opened in a real browser: its checkout will count in the overview's funnel (pages cannot set cookies).
  const resumed = resumedCookieFor(request.nextUrl, request.headers.get("user-agent"), e.appBaseUrl.startsWith("https://"));
  if (resumed) response.headers.append("set-cookie", resumed);
  return response;
}

export const config = {
  matcher: [
    // Pages (not static assets, not the API, not uploaded images).
    {
      source: "/((?!_next/static|_next/image|favicon.ico|api/|media/).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // The API and uploaded images only when the request has no body, for the malformed-path 404.
    // Next.js buffers the whole body of a request it runs the proxy on (up to 10 MB) before the
    // route sees it, which would undo the routes' streamed caps (lib/http/body.ts): a request with
    // a body (a Content-Length above 0, or chunked) never reaches the proxy. README › Security.
    {
      source: "/(api|media)/:path*",
      missing: [
        { type: "header", key: "content-length", value: "0*[1-9][0-9]*" },
        { type: "header", key: "transfer-encoding" },
      ],
    },
  ],
};
