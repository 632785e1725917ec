import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * Secrets handed out once and kept only as a hash (invite links): the database never holds a usable token,
 * so a leaked backup or a read-only bug cannot accept an invite. sha256 without salt or stretching is
 * enough because the token is 256 random bits, not something a person chose.
 */

/** A fresh token (32 random bytes, base64url, 43 characters) and the hash to store. */
export function newSecretToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, tokenHash: hashSecretToken(token) };
}

/** The stored form of a token: sha256, lower-case hex. Look the row up by this (a unique index), never by the token. */
export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The shape newSecretToken() hands out: lets a route answer a mangled link without a database read. */
export const SecretTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "链接无效");
