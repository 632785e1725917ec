// The resume-link marker the proxy sets (lib/in-app/resume-marker.ts): only for the cart page opened with a
// well-formed token in a real browser, scoped to /api/checkout, never readable by scripts.
import { describe, expect, it } from "vitest";
import { clearResumedCookie, resumedCookieFor } from "@/lib/in-app/resume-marker";

const TOKEN = "A".repeat(43);
const SAFARI =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
const WECHAT = `${SAFARI} MicroMessenger/8.0.47`;
const url = (s: string) => new URL(s, "https://shop.example");

describe("resumedCookieFor", () => {
  it("a resume link opened in a browser: an httpOnly cookie holding the token for /api/checkout, 24 hours", () => {
    expect(resumedCookieFor(url(`/?resume=${TOKEN}`), SAFARI, true)).toBe(
      `cart_resumed=${TOKEN}; Path=/api/checkout; Max-Age=86400; HttpOnly; SameSite=Lax; Secure`,
    );
    expect(resumedCookieFor(url(`/?resume=${TOKEN}`), SAFARI, false)).not.toContain("Secure");
  });

  it.each([
    ["inside the app (the link is not consumed there)", `/?resume=${TOKEN}`, WECHAT],
    ["another page", `/orders?resume=${TOKEN}`, SAFARI],
    ["no token", "/", SAFARI],
    ["a malformed token", "/?resume=abc", SAFARI],
  ])("nothing for %s", (_, path, ua) => {
    expect(resumedCookieFor(url(path), ua, true)).toBeNull();
  });

  it("the checkout clears it", () => {
    expect(clearResumedCookie(false)).toBe("cart_resumed=; Path=/api/checkout; Max-Age=0; HttpOnly; SameSite=Lax");
  });
});
