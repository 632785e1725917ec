// Accepting an invite: the invitee sets a password at /admin/invite/{token}. Single use, decided by one
// conditional UPDATE (usedAt IS NULL and not expired), so two tabs accepting the same link at once
// make one password; the loser answers 410 INVITE_GONE like a used or expired link.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { AppError, invalidField } from "@/lib/errors";
import { checkPasswordPolicy, hashPassword, PasswordSchema } from "@/lib/accounts/password";
import { hashSecretToken, SecretTokenSchema } from "@/lib/accounts/tokens";
import { writeAccountAudit } from "./accounts";

export const InviteAcceptSchema = z.strictObject({ password: PasswordSchema });

const gone = () => new AppError("INVITE_GONE", "邀请链接已使用或已过期，请联系店主重新邀请");

/** The live invite behind a token (for the page): the account's username and display name, or null. */
export async function findLiveInvite(token: string, now = new Date()) {
  if (!SecretTokenSchema.safeParse(token).success) return null;
  const invite = await prisma.adminInvite.findUnique({
    where: { tokenHash: hashSecretToken(token) },
    select: { expiresAt: true, usedAt: true, account: { select: { username: true, displayName: true, status: true } } },
  });
  if (!invite || invite.usedAt || invite.expiresAt <= now || invite.account.status !== "ACTIVE") return null;
  return invite;
}

/**
 * Sets the account's password from an invite. Unauthenticated by nature (the token is the credential):
 * a token that is malformed or matches no live invite costs one indexed read and no hashing.
 */
export async function acceptInvite(token: string, password: string, now = new Date()): Promise<{ username: string }> {
  const invite = await findLiveInvite(token, now);
  if (!invite) throw gone();
  const policy = checkPasswordPolicy({ password, username: invite.account.username });
  if (!policy.ok) throw invalidField("password", policy.message);
  const passwordHash = await hashPassword(password);
  const tokenHash = hashSecretToken(token);
  return prisma.$transaction(
    async (db) => {
      const taken = await db.adminInvite.updateMany({
        where: { tokenHash, usedAt: null, expiresAt: { gt: now } },
        data: { usedAt: now },
      });
      if (taken.count !== 1) throw gone();
      const { accountId } = await db.adminInvite.findUniqueOrThrow({ where: { tokenHash }, select: { accountId: true } });
      const account = await db.adminAccount.update({
        where: { id: accountId },
        data: { passwordHash, sessionVersion: { increment: 1 } },
        select: { id: true, username: true },
      });
      await writeAccountAudit(db, { actor: `account:${account.id}:${account.username}`, accountId, action: "PASSWORD_SET" });
      return { username: account.username };
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}

/** For the housekeeping job: invites past their 72 hours, used or not (a used one is spent, an unused one dead). */
export async function pruneInvites(now = new Date()): Promise<number> {
  return (await prisma.adminInvite.deleteMany({ where: { expiresAt: { lt: now } } })).count;
}
