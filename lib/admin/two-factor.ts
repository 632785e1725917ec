// The optional second factor of an account (TOTP, RFC 6238; lib/accounts/totp.ts does the maths).
// Enrolment: a secret is stored pending, shown as a QR code, and switched on only by a correct code;
// the recovery codes are then shown once and stored hashed. At sign-in a code is accepted once: the
// step it matched is recorded by a conditional update (totpLastStep < step), and a recovery code is
// spent by a conditional update on the list it was taken from — two sign-ins racing with one code
// cannot both win.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { AppError, invalidField } from "@/lib/errors";
import {
  generateRecoveryCodes,
  generateTotpSecret,
  hashRecoveryCode,
  matchRecoveryCode,
  totpQrSvg,
  totpUri,
  verifyTotpStep,
} from "@/lib/accounts/totp";
import { writeAccountAudit } from "./accounts";
import { actorLabel, type AdminActor } from "./scope";

const ISSUER = "商户后台";

type SecondFactorRow = {
  id: string;
  username: string;
  totpSecret: string | null;
  totpLastStep: number | null;
  recoveryCodes: string | null;
};

const parseHashes = (s: string | null): string[] => {
  try {
    const v: unknown = JSON.parse(s ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
};

/** true when `code` is a current TOTP code not used before, or an unused recovery code (which it then spends). */
export async function checkSecondFactor(account: SecondFactorRow, code: string | undefined, now = new Date()): Promise<boolean> {
  if (!code || !account.totpSecret) return false;
  const compact = code.replace(/\s+/g, "");
  if (/^\d{6}$/.test(compact)) {
    const step = verifyTotpStep({ secret: account.totpSecret, token: compact, now, afterStep: account.totpLastStep });
    if (step === null) return false;
    const { count } = await prisma.adminAccount.updateMany({
      where: { id: account.id, OR: [{ totpLastStep: null }, { totpLastStep: { lt: step } }] },
      data: { totpLastStep: step },
    });
    return count === 1;
  }
  const hashes = parseHashes(account.recoveryCodes);
  const i = matchRecoveryCode(hashes, code);
  if (i < 0) return false;
  const rest = hashes.filter((_, j) => j !== i);
  return prisma.$transaction(async (db) => {
    const { count } = await db.adminAccount.updateMany({
      where: { id: account.id, recoveryCodes: account.recoveryCodes },
      data: { recoveryCodes: JSON.stringify(rest) },
    });
    if (count !== 1) return false;
    await writeAccountAudit(db, {
      actor: `account:${account.id}:${account.username}`,
      accountId: account.id,
      action: "RECOVERY_CODE_USED",
      detail: { left: rest.length },
    });
    return true;
  });
}

function ownAccount(actor: AdminActor): string {
  if (actor.kind !== "account" || !actor.accountId) throw new AppError("FORBIDDEN", "应急令牌登录没有账号，不能设置两步验证");
  return actor.accountId;
}

/** Starts (or restarts) enrolment: a new pending secret, its otpauth:// URI and the QR code as SVG. */
export async function startTotpEnrolment(actor: AdminActor): Promise<{ secret: string; uri: string; qrSvg: string }> {
  const id = ownAccount(actor);
  const secret = generateTotpSecret();
  const { count } = await prisma.adminAccount.updateMany({ where: { id, totpEnabledAt: null }, data: { totpSecret: secret } });
  if (count !== 1) throw new AppError("ALREADY_EXISTS", "两步验证已启用；如需更换请让店主重置", { field: "totp" });
  const uri = totpUri({ secret, username: actor.username, issuer: ISSUER });
  return { secret, uri, qrSvg: await totpQrSvg(uri) };
}

export const TotpConfirmSchema = z.strictObject({ code: z.string().trim().max(16) });

/** Switches the second factor on with a correct code; answers the recovery codes (shown once, stored hashed). */
export async function confirmTotpEnrolment(actor: AdminActor, code: string, now = new Date()): Promise<{ recoveryCodes: string[] }> {
  const id = ownAccount(actor);
  const row = await prisma.adminAccount.findUnique({ where: { id }, select: { totpSecret: true, totpEnabledAt: true } });
  if (!row?.totpSecret || row.totpEnabledAt) throw invalidField("code", "请先开始设置两步验证");
  const step = verifyTotpStep({ secret: row.totpSecret, token: code, now });
  if (step === null) throw invalidField("code", "验证码不正确，请核对手机时间后重试");
  const recoveryCodes = generateRecoveryCodes();
  await prisma.$transaction(async (db) => {
    const { count } = await db.adminAccount.updateMany({
      where: { id, totpEnabledAt: null, totpSecret: row.totpSecret },
      data: { totpEnabledAt: now, totpLastStep: step, recoveryCodes: JSON.stringify(recoveryCodes.map(hashRecoveryCode)) },
    });
    if (count !== 1) throw invalidField("code", "请先开始设置两步验证");
    await writeAccountAudit(db, { actor: actorLabel(actor), accountId: id, action: "TOTP_ENABLE" });
  });
  return { recoveryCodes };
}
