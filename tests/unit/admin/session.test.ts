import { describe, expect, it } from "vitest";
import {
  clearedSessionCookie,
  createSessionValue,
  readCookie,
  safeAdminPath,
  sessionCookie,
  SESSION_TTL_SECONDS,
  tokenMatches,
  verifySessionValue,
} from "@/lib/admin/session";

const TOKEN = "unit-admin-token-0123456789abcdef";
const NOW = Date.UTC(2026, 10, 27, 2, 0, 0);

describe("admin session cookie", () => {
  it("round-trips and expires after the TTL", () => {
    const v = createSessionValue(TOKEN, NOW);
    expect(verifySessionValue(v, TOKEN, NOW)).toEqual({ ok: true, expiresAt: new Date(NOW + SESSION_TTL_SECONDS * 1000) });
    expect(verifySessionValue(v, TOKEN, NOW + SESSION_TTL_SECONDS * 1000 - 1000).ok).toBe(true);
    expect(verifySessionValue(v, TOKEN, NOW + SESSION_TTL_SECONDS * 1000)).toEqual({ ok: false, reason: "EXPIRED" });
  });

  it("never contains the token, and two sign-ins give different values", () => {
    const a = createSessionValue(TOKEN, NOW),
      b = createSessionValue(TOKEN, NOW);
    expect(a).not.toContain(TOKEN);
    expect(a).not.toBe(b);
  });

  it("rejects a value signed with another token (forged) or after ADMIN_TOKEN changed", () => {
    const forged = createSessionValue("some-other-token-0123456789", NOW);
    expect(verifySessionValue(forged, TOKEN, NOW)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
  });

  it("rejects a tampered expiry, a stretched TTL, a future issue time, garbage and the raw token", () => {
    const v = createSessionValue(TOKEN, NOW);
    const [ver, iat, exp, nonce, sig] = v.split(".");
    expect(verifySessionValue([ver, iat, String(Number(exp) + 3600), nonce, sig].join("."), TOKEN, NOW).ok).toBe(false);
    expect(verifySessionValue(createSessionValue(TOKEN, NOW, SESSION_TTL_SECONDS * 10), TOKEN, NOW)).toEqual({
      ok: false,
      reason: "MALFORMED",
    });
    expect(verifySessionValue(createSessionValue(TOKEN, NOW + 3600_000), TOKEN, NOW)).toEqual({ ok: false, reason: "MALFORMED" });
    for (const bad of ["", "x", "v1.1.2.3", "v2.1.2.3.4", TOKEN, `v1.${TOKEN}`]) expect(verifySessionValue(bad, TOKEN, NOW).ok).toBe(false);
    expect(verifySessionValue(undefined, TOKEN, NOW)).toEqual({ ok: false, reason: "MISSING" });
  });

  it("compares the token in constant time and exactly", () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN + " ", TOKEN)).toBe(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches("", TOKEN)).toBe(false);
  });

  it("cookie attributes: HttpOnly, SameSite=Strict, Path=/, Secure only over https", () => {
    const c = sessionCookie("v", false);
    expect(c).toBe(`admin_session=v; Path=/; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Strict`);
    expect(sessionCookie("v", true)).toMatch(/; Secure$/);
    expect(clearedSessionCookie(true)).toBe("admin_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure");
    expect(readCookie("a=1; admin_session=abc.def; b=2")).toBe("abc.def");
    expect(readCookie("xadmin_session=1")).toBeUndefined();
    expect(readCookie(null)).toBeUndefined();
  });

  it("only redirects inside the back office after sign-in", () => {
    expect(safeAdminPath("/admin/orders?status=PAID&page=2")).toBe("/admin/orders?status=PAID&page=2");
    expect(safeAdminPath("/admin/bills")).toBe("/admin/bills");
    for (const bad of [
      "https://evil.example/admin",
      "//evil.example",
      "/\\evil.example",
      "/adminx",
      "/admin//evil",
      "/admin/../api",
      "javascript:alert(1)",
      null,
      5,
    ]) {
      expect(safeAdminPath(bad)).toBe("/admin");
    }
  });
});
