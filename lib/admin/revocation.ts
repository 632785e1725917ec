// Server-side sign-out: the session cookie is self-contained (HMAC-signed expiry), so signing out
// records its nonce here until the session would have expired; a copied cookie stops working.
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { verifySessionValue } from "./session";

/** The random nonce of a session value (4th field of `v1.<iat>.<exp>.<nonce>.<mac>`). */
export const sessionNonce = (value: string) => value.split(".")[3] ?? "";

export async function isSessionRevoked(value: string): Promise<boolean> {
  return (await prisma.revokedAdminSession.count({ where: { nonce: sessionNonce(value) } })) > 0;
}

/** Revokes a session — only a genuine, unexpired one, so unauthenticated callers cannot add rows. */
export async function revokeSession(value: string | undefined, adminToken: string): Promise<boolean> {
  const check = verifySessionValue(value, adminToken);
  if (!check.ok || !value) return false;
  try {
    await prisma.revokedAdminSession.create({ data: { nonce: sessionNonce(value), expiresAt: check.expiresAt } });
  } catch (e) {
    if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
  }
  return true;
}

/** For the housekeeping job: revocations of sessions that have expired anyway. */
export async function pruneRevokedSessions(before = new Date()): Promise<number> {
  return (await prisma.revokedAdminSession.deleteMany({ where: { expiresAt: { lt: before } } })).count;
}
