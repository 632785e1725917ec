// Which checkouts came from a cart carried out of an in-app browser (the sales overview's funnel: guide
// shown → resume links → resumed → paid). Opening a resume link (/?resume=token) in a real browser sets a
// cookie, scoped to /api/checkout, holding the link's token; the next checkout from that browser marks its
// order when the token names a draft that was really consumed, then clears the cookie. No database reads
// here: the proxy sets the cookie before the page consumes the draft.
import { detectInAppBrowser } from "./detect";

/** The resume link's token: 256 random bits, base64url. */
export const DRAFT_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const RESUMED_COOKIE = "cart_resumed";
/** A resumed cart is checked out soon or not at all. */
const RESUMED_COOKIE_MAX_AGE_SECONDS = 24 * 3600;

/**
 * For the proxy: the Set-Cookie for a page request opening a resume link in a real browser (inside an app
 * the link is not consumed, see app/page.tsx), else null.
 */
export function resumedCookieFor(url: URL, userAgent: string | null, secure: boolean): string | null {
  if (url.pathname !== "/") return null;
  const token = url.searchParams.get("resume");
  if (!token || !DRAFT_TOKEN_PATTERN.test(token) || detectInAppBrowser(userAgent)) return null;
  return `${RESUMED_COOKIE}=${token}; Path=/api/checkout; Max-Age=${RESUMED_COOKIE_MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

/** Clears the marker once a checkout used it (one resumed cart marks one order). */
export function clearResumedCookie(secure: boolean): string {
  return `${RESUMED_COOKIE}=; Path=/api/checkout; Max-Age=0; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
