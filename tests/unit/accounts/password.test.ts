import { describe, expect, it } from "vitest";
import {
  PASSWORD_COST,
  PasswordSchema,
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyNoAccount,
  verifyPassword,
  type PasswordCost,
} from "@/lib/accounts/password";

// The production cost is exercised once (its encoded parameters); the rest use a cheap cost so the file stays fast.
const CHEAP: PasswordCost = { memoryKiB: 256, timeCost: 1, parallelism: 1 };
const PASSWORD = "correct horse battery staple";

describe("hashPassword / verifyPassword (argon2id)", () => {
  it("production cost: argon2id m=19456 KiB, t=2, p=1 in a self-describing PHC string; round-trips", async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword(stored, PASSWORD)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
    expect(PASSWORD_COST).toEqual({ memoryKiB: 19_456, timeCost: 2, parallelism: 1 });
  });

  it("verifies the reference implementation's known answer (phc-winner-argon2: password / somesalt, m=64 MiB, t=2, p=1)", async () => {
    const reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    expect(await verifyPassword(reference, "password")).toBe(true);
    expect(await verifyPassword(reference, "passwore")).toBe(false);
  });

  it("a random salt per hash: the same password hashes differently, and each verifies", async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD, CHEAP), hashPassword(PASSWORD, CHEAP)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, PASSWORD)).toBe(true);
    expect(await verifyPassword(b, PASSWORD)).toBe(true);
  });

  it("a wrong password is false (one character off, another case, empty)", async () => {
    const stored = await hashPassword(PASSWORD, CHEAP);
    for (const wrong of ["correct horse battery stapl", "Correct horse battery staple", ""]) {
      expect(await verifyPassword(stored, wrong)).toBe(false);
    }
  });

  it("the same password typed composed or decomposed (NFKC) verifies", async () => {
    const composed = "pässwörd-年年有余-\u00e9\u00e9";
    const decomposed = composed.normalize("NFD");
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(await hashPassword(composed, CHEAP), decomposed)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["not PHC", "plaintext-password"],
    ["argon2i instead of argon2id", "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG"],
    ["another version", "$argon2id$v=16$m=256,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["truncated hash", "$argon2id$v=19$m=256,t=1,p=1$c29tZXNhbHQ$"],
    ["bad base64", "$argon2id$v=19$m=256,t=1,p=1$c29t*XNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["zero memory", "$argon2id$v=19$m=0,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["a planted 4 GiB cost (refused, not run)", "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
    ["scrypt-looking", "$scrypt$ln=15,r=8,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"],
  ])("a malformed stored string (%s) is false, never a throw", async (_, stored) => {
    await expect(verifyPassword(stored, "password")).resolves.toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  it("non-string input is false, never a throw", async () => {
    const stored = await hashPassword(PASSWORD, CHEAP);
    await expect(verifyPassword(stored, undefined as unknown as string)).resolves.toBe(false);
    await expect(verifyPassword(null as unknown as string, PASSWORD)).resolves.toBe(false);
    await expect(verifyPassword(stored, "x".repeat(100_000))).resolves.toBe(false);
  });

  it("needsRehash: true for a hash made with another cost", async () => {
    expect(needsRehash(await hashPassword(PASSWORD, CHEAP))).toBe(true);
    expect(needsRehash(await hashPassword(PASSWORD, CHEAP), CHEAP)).toBe(false);
  });

  it("verifyNoAccount answers false (the unknown-username path)", async () => {
    await expect(verifyNoAccount(PASSWORD)).resolves.toBe(false);
  });
});

describe("checkPasswordPolicy", () => {
  const username = "tea.shop-01";
  it.each([
    ["11 characters", "abcdefghijk", "PASSWORD_TOO_SHORT"],
    ["empty", "", "PASSWORD_TOO_SHORT"],
    ["11 汉字 (code points, not UTF-16 units or bytes)", "一二三四五六七八九十百", "PASSWORD_TOO_SHORT"],
    ["6 emoji (12 UTF-16 units, 6 characters)", "🍵🍰🍵🍰🍵🍰", "PASSWORD_TOO_SHORT"],
    ["the username", "boss.account", "PASSWORD_IS_USERNAME", "boss.account"],
    ["the username in another case", "Boss.Account", "PASSWORD_IS_USERNAME", "boss.account"],
    ["a common password", "qwerty123456", "PASSWORD_TOO_COMMON"],
    ["a common password in another case", "QWERTY123456", "PASSWORD_TOO_COMMON"],
    ["a common password", "1qaz2wsx3edc", "PASSWORD_TOO_COMMON"],
    ["257 characters", "a".repeat(257), "PASSWORD_TOO_LONG"],
  ])("%s → %s", (_, password, code, user = username) => {
    const r = checkPasswordPolicy({ password, username: user });
    expect(r).toMatchObject({ ok: false, code });
    expect(r.ok || r.message).toMatch(/密码/);
  });

  it.each([
    ["12 characters", "abcdefghijkm"],
    ["256 characters", "a".repeat(255) + "b"],
    ["12 汉字", "一二三四五六七八九十百千"],
    ["a passphrase", "green tea at four o'clock"],
    ["the username inside a longer password", `${username}-and-more`],
  ])("%s → ok", (_, password) => {
    expect(checkPasswordPolicy({ password, username })).toEqual({ ok: true });
  });

  it("the messages are Chinese, for the back office", () => {
    expect(checkPasswordPolicy({ password: "short", username })).toEqual({
      ok: false,
      code: "PASSWORD_TOO_SHORT",
      message: "密码至少 12 个字符",
    });
  });
});

describe("PasswordSchema (the length rules)", () => {
  it.each([
    ["abcdefghijk", false],
    ["abcdefghijkm", true],
    ["一二三四五六七八九十百千", true],
    ["a".repeat(256), true],
    ["a".repeat(257), false],
  ])("%s → %s", (password, ok) => {
    expect(PasswordSchema.safeParse(password).success).toBe(ok);
  });

  it("names the rule in Chinese", () => {
    const r = PasswordSchema.safeParse("short");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("密码至少 12 个字符");
  });
});
