// Security headers for pages, set per request by proxy.ts (the Next.js 16 name for middleware).
// Pure functions: unit-tested without a server.

/** A fresh, unguessable nonce per response (128 bits). */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

/**
 * Nonce-based CSP: Next.js adds the nonce it finds in the request's CSP header to its own scripts
 * (pages are rendered per request), 'strict-dynamic' lets those load their chunks. Style attributes
 * (React's style={…}) need style-src-attr; <style> and stylesheets stay nonce/self-only. Navigation
 * to WeChat's cashier is a top-level navigation, which CSP does not restrict.
 *
 * Development (`next dev`) only: the dev overlay inserts its own <style> elements without a nonce
 * (its bundled style loader never learns ours), so style-src allows inline styles there — without
 * the nonce, because a nonce makes browsers ignore 'unsafe-inline'. React Refresh needs eval.
 * Scripts stay nonce-only in both; production keeps the strict policy.
 */
export function contentSecurityPolicy(
  nonce: string,
  opts: {
    dev: boolean;
    https: boolean;
    imageOrigins?: readonly string[];
    /** Tests and `npm run dev` only: the fake's origin, which its WeixinJSBridge stand-in talks to (lib/env.ts). */
    connectOrigins?: readonly string[];
  },
): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    opts.dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...(opts.imageOrigins ?? [])].join(" "),
    "font-src 'self'",
    ["connect-src 'self'", ...(opts.connectOrigins ?? [])].join(" "),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/**
 * Whether a product/store image URL would load under the pages' img-src: our own paths always, an
 * https URL only from a configured origin (IMAGE_ORIGINS). The catalogue refuses the others, so no
 * image is saved that the shop's own policy would block.
 */
export function imageAllowedByPolicy(url: string, imageOrigins: readonly string[]): boolean {
  if (url.startsWith("/") && !url.startsWith("//")) return true;
  try {
    return imageOrigins.includes(new URL(url).origin);
  } catch {
    return false;
  }
}

const PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

/**
 * Uploaded catalogue images (/media/…): nothing in them may run or load anything, even if a browser
 * were talked into rendering one as a document. Set by next.config.ts for every /media/ response
 * (the proxy never touches /media/, so nothing replaces it) and by the route itself.
 */
export const MEDIA_CSP = "default-src 'none'; sandbox";

/**
 * Every /api/ response (JSON, never a page), set by next.config.ts: nothing to load, no framing.
 * HSTS is per host, so the pages' header covers the API too.
 */
export const API_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "permissions-policy": PERMISSIONS_POLICY,
};

/** Headers every page response carries besides the CSP. */
export function pageSecurityHeaders(opts: { production: boolean }): Record<string, string> {
  return {
    // The cart page must send its origin as Referer to WeChat's cashier (H5 domain check, docs/wechatpay.md §4).
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    ...(opts.production ? { "strict-transport-security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/**
 * Whether every segment of a path decodes (`/api/orders/%C0%AE` does not: an invalid UTF-8
 * sequence). Such a path can name nothing of ours, so proxy.ts answers it 404 before Next.js's
 * router (which would fail to decode it) or any route sees it.
 */
export function pathDecodes(pathname: string): boolean {
  try {
    for (const seg of pathname.split("/")) decodeURIComponent(seg);
    return true;
  } catch {
    return false;
  }
}
