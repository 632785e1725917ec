import { describe, expect, it } from "vitest";
import { SecretTokenSchema, hashSecretToken, newSecretToken } from "@/lib/accounts/tokens";

describe("secret tokens (invite links)", () => {
  it("hashSecretToken is sha256 hex (known answer: FIPS 180-2 'abc')", () => {
    expect(hashSecretToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("newSecretToken: 32 random bytes as base64url, with the hash of exactly that token", () => {
    const { token, tokenHash } = newSecretToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(tokenHash).toBe(hashSecretToken(token));
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash).not.toContain(token);
  });

  it("two tokens differ", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newSecretToken().token));
    expect(tokens.size).toBe(100);
  });

  it("SecretTokenSchema accepts what newSecretToken hands out and nothing else", () => {
    expect(SecretTokenSchema.safeParse(newSecretToken().token).success).toBe(true);
    for (const bad of ["", "short", `${newSecretToken().token}x`, "a".repeat(42) + "=", "a".repeat(42) + "/"]) {
      expect(SecretTokenSchema.safeParse(bad).success).toBe(false);
    }
  });
});
