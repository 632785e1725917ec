import { describe, expect, it } from "vitest";
import {
  TOTP_PERIOD_SECONDS,
  generateRecoveryCodes,
  generateTotpSecret,
  hashRecoveryCode,
  matchRecoveryCode,
  totpQrSvg,
  totpStep,
  totpToken,
  totpUri,
  verifyTotp,
  verifyTotpStep,
} from "@/lib/accounts/totp";

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII "12345678901234567890" (base32 below); 8-digit codes.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];
const at = (unixSeconds: number) => new Date(unixSeconds * 1000);

describe("TOTP known answers (RFC 6238 Appendix B, SHA-1)", () => {
  it("the base32 secret is the RFC's ASCII seed", () => {
    // RFC 4648 base32 of "12345678901234567890", checked by decoding by hand: 20 bytes, 32 characters.
    const decoded = decodeBase32(RFC_SECRET);
    expect(decoded.toString("ascii")).toBe("12345678901234567890");
  });

  it.each(RFC_VECTORS)("T = %i s → %s (8 digits), its last 6 digits as the app shows them", (seconds, code) => {
    expect(totpToken({ secret: RFC_SECRET, now: at(seconds), digits: 8 })).toBe(code);
    expect(totpToken({ secret: RFC_SECRET, now: at(seconds) })).toBe(code.slice(-6));
    expect(verifyTotp({ secret: RFC_SECRET, token: code.slice(-6), now: at(seconds), window: 0 })).toBe(true);
  });

  it("totpStep is floor(T / 30) (RFC 6238 Appendix B's T column)", () => {
    expect(totpStep(at(59))).toBe(1);
    expect(totpStep(at(1111111109))).toBe(0x23523ec);
    expect(totpStep(at(1234567890))).toBe(0x273ef07);
    expect(totpStep(at(20000000000))).toBe(0x27bc86aa);
  });
});

describe("verifyTotp: the window, with an injected clock", () => {
  const secret = generateTotpSecret();
  const now = at(1_800_000_015); // 15 s into a step
  const step = totpStep(now);
  const codeOfStep = (s: number) => totpToken({ secret, now: at(s * TOTP_PERIOD_SECONDS) });

  it("accepts the current step and one step either side by default", () => {
    for (const d of [-1, 0, 1]) expect(verifyTotp({ secret, token: codeOfStep(step + d), now }), `step ${d}`).toBe(true);
  });

  it("refuses two steps away (a code a minute old, or a minute early)", () => {
    for (const d of [-2, 2]) expect(verifyTotp({ secret, token: codeOfStep(step + d), now }), `step ${d}`).toBe(false);
  });

  it("window 0 accepts only the current step; window 2 reaches two steps", () => {
    expect(verifyTotp({ secret, token: codeOfStep(step), now, window: 0 })).toBe(true);
    expect(verifyTotp({ secret, token: codeOfStep(step - 1), now, window: 0 })).toBe(false);
    expect(verifyTotp({ secret, token: codeOfStep(step - 2), now, window: 2 })).toBe(true);
  });

  it("the clock decides: the same code is refused once its step is out of the window", () => {
    const token = codeOfStep(step);
    expect(verifyTotp({ secret, token, now: at((step + 1) * TOTP_PERIOD_SECONDS + 29) })).toBe(true);
    expect(verifyTotp({ secret, token, now: at((step + 2) * TOTP_PERIOD_SECONDS) })).toBe(false);
  });

  it("another secret's code is refused", () => {
    expect(verifyTotp({ secret: generateTotpSecret(), token: codeOfStep(step), now })).toBe(false);
  });

  it("spaces in the typed code are ignored", () => {
    const token = codeOfStep(step);
    expect(verifyTotp({ secret, token: `${token.slice(0, 3)} ${token.slice(3)} `, now })).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["5 digits", "12345"],
    ["7 digits", "1234567"],
    ["letters", "12345a"],
    ["not a string", 123456 as unknown as string],
  ])("a malformed token (%s) is false, never a throw", (_, token) => {
    expect(verifyTotp({ secret, token, now })).toBe(false);
  });

  it("a malformed or too-short secret is false, never a throw", () => {
    const token = codeOfStep(step);
    for (const bad of ["", "not base32!", "JBSWY3DPEHPK3PXP" /* 10 bytes */]) {
      expect(verifyTotp({ secret: bad, token, now })).toBe(false);
    }
  });

  it("an out-of-range window is a programming error", () => {
    expect(() => verifyTotp({ secret, token: codeOfStep(step), now, window: -1 })).toThrow(RangeError);
    expect(() => verifyTotp({ secret, token: codeOfStep(step), now, window: 1.5 })).toThrow(RangeError);
    expect(() => verifyTotp({ secret, token: codeOfStep(step), now, window: 11 })).toThrow(RangeError);
  });
});

describe("verifyTotpStep: refusing a code's reuse", () => {
  const secret = generateTotpSecret();
  const now = at(1_800_000_015);
  const step = totpStep(now);
  const codeOfStep = (s: number) => totpToken({ secret, now: at(s * TOTP_PERIOD_SECONDS) });

  it("answers the step the code belongs to (not the current one)", () => {
    expect(verifyTotpStep({ secret, token: codeOfStep(step), now })).toBe(step);
    expect(verifyTotpStep({ secret, token: codeOfStep(step + 1), now })).toBe(step + 1);
    expect(verifyTotpStep({ secret, token: codeOfStep(step - 1), now })).toBe(step - 1);
    expect(verifyTotpStep({ secret, token: codeOfStep(step + 2), now })).toBeNull();
  });

  it("the same code again, with the stored step as afterStep, is refused — in the same step and in the next", () => {
    const token = codeOfStep(step);
    const used = verifyTotpStep({ secret, token, now })!;
    expect(verifyTotpStep({ secret, token, now, afterStep: used })).toBeNull();
    expect(verifyTotpStep({ secret, token, now: at((step + 1) * TOTP_PERIOD_SECONDS), afterStep: used })).toBeNull();
  });

  it("a code taken from the next step (a fast phone) stays spent when that step comes", () => {
    const token = codeOfStep(step + 1);
    const used = verifyTotpStep({ secret, token, now })!;
    expect(used).toBe(step + 1);
    expect(verifyTotpStep({ secret, token, now: at((step + 1) * TOTP_PERIOD_SECONDS + 5), afterStep: used })).toBeNull();
  });

  it("the next step's code is accepted after a used one", () => {
    const used = verifyTotpStep({ secret, token: codeOfStep(step), now })!;
    const later = at((step + 1) * TOTP_PERIOD_SECONDS + 1);
    expect(verifyTotpStep({ secret, token: codeOfStep(step + 1), now: later, afterStep: used })).toBe(step + 1);
  });

  it("an earlier step's code is refused after a later one was used, and null afterStep means none used", () => {
    const used = verifyTotpStep({ secret, token: codeOfStep(step), now })!;
    expect(verifyTotpStep({ secret, token: codeOfStep(step - 1), now, afterStep: used })).toBeNull();
    expect(verifyTotpStep({ secret, token: codeOfStep(step - 1), now, afterStep: null })).toBe(step - 1);
  });

  it("a stored step ahead of the whole window (every candidate used) is null, never a throw", () => {
    expect(verifyTotpStep({ secret, token: codeOfStep(step), now, afterStep: step + 5 })).toBeNull();
  });
});

describe("enrolment: secret, URI, QR", () => {
  it("a secret is 160 random bits in base32 (32 characters, no padding), different each time", () => {
    const a = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(decodeBase32(a)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(a);
  });

  it("the URI names the issuer and the username and carries the secret", () => {
    const secret = generateTotpSecret();
    const uri = new URL(totpUri({ secret, username: "tea.staff", issuer: "茶与点心: 后台" }));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/茶与点心 后台:tea.staff");
    expect(uri.searchParams.get("secret")).toBe(secret);
    expect(uri.searchParams.get("issuer")).toBe("茶与点心 后台");
  });

  it("the QR code is an SVG string", async () => {
    const svg = await totpQrSvg(totpUri({ secret: generateTotpSecret(), username: "boss", issuer: "Shop" }));
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("<path");
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  });
});

describe("recovery codes", () => {
  it("ten by default, readable groups (xxxx-xxxx-xxxx, no i/l/o/u), all different", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(new Set(codes).size).toBe(10);
    expect(generateRecoveryCodes(3)).toHaveLength(3);
  });

  it("stored as sha256 hex; the hash never contains the code", () => {
    const [code] = generateRecoveryCodes(1);
    const h = hashRecoveryCode(code!);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(code!.replaceAll("-", ""));
  });

  it("matches the right index, and typing variants (case, spaces, no dashes, look-alikes) match the same code", () => {
    const codes = ["7kq2-x9m4-p3ch", "1b0a-zzzz-2345", "abcd-efgh-jkmn"];
    const hashes = codes.map(hashRecoveryCode);
    expect(matchRecoveryCode(hashes, "abcd-efgh-jkmn")).toBe(2);
    expect(matchRecoveryCode(hashes, "7KQ2-X9M4-P3CH")).toBe(0);
    expect(matchRecoveryCode(hashes, "7kq2x9m4p3ch")).toBe(0);
    expect(matchRecoveryCode(hashes, " 7kq2 x9m4 p3ch ")).toBe(0);
    expect(matchRecoveryCode(hashes, "IBOA-ZZZZ-2345")).toBe(1); // I → 1, O → 0
    expect(matchRecoveryCode(hashes, "lb0a-zzzz-2345")).toBe(1); // l → 1
  });

  it("a wrong, malformed or empty code is -1; so is any code against no hashes or broken hashes", () => {
    const hashes = ["7kq2-x9m4-p3ch"].map(hashRecoveryCode);
    expect(matchRecoveryCode(hashes, "7kq2-x9m4-p3cj")).toBe(-1);
    expect(matchRecoveryCode(hashes, "7kq2-x9m4")).toBe(-1);
    expect(matchRecoveryCode(hashes, "")).toBe(-1);
    expect(matchRecoveryCode(hashes, "uuuu-uuuu-uuuu")).toBe(-1);
    expect(matchRecoveryCode(hashes, undefined as unknown as string)).toBe(-1);
    expect(matchRecoveryCode([], "7kq2-x9m4-p3ch")).toBe(-1);
    expect(matchRecoveryCode(["", "zz", hashes[0]!.toUpperCase()], "7kq2-x9m4-p3ch")).toBe(-1);
  });

  it("a freshly generated set matches each of its own codes at its index", () => {
    const codes = generateRecoveryCodes();
    const hashes = codes.map(hashRecoveryCode);
    codes.forEach((c, i) => expect(matchRecoveryCode(hashes, c)).toBe(i));
  });
});

/** RFC 4648 base32 decoding, written out here so the test does not trust the code under test. */
function decodeBase32(s: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of s.replace(/=+$/, "")) bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
