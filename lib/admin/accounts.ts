// Staff accounts (README "Staff accounts"): create with an invite, change role / stores / flags,
// disable, reset the password, sign out everywhere — each change audited in the same transaction.
// Store access itself is decided in lib/admin/scope.ts; this module only keeps the rows.
//
// Database-decided rules:
//  - username unique: the unique index (a duplicate is 409 ALREADY_EXISTS);
//  - at least one active OWNER: every change that could remove one first locks the active owners'
//    rows (a no-op UPDATE: row locks on PostgreSQL, the write lock on SQLite), then counts, so two
//    owners demoting each other at once cannot leave none (409 LAST_OWNER);
//  - an invite is used once: one conditional UPDATE on usedAt (lib/admin/invites.ts).
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { prisma, type Prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { Prisma as PrismaNs } from "@/lib/generated/prisma/client";
import { AppError, invalidField } from "@/lib/errors";
import { newSecretToken } from "@/lib/accounts/tokens";
import { actorLabel, assertCan, formatStoreIds, parseStoreIds, ROLES, type AdminActor, type Role } from "./scope";

type Tx = Prisma.TransactionClient;

/** Invite links last 72 hours. */
export const INVITE_TTL_HOURS = 72;
export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;
const STORE_ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** The most stores one staff account lists (a form, not a bulk import). */
export const MAX_STORES_PER_ACCOUNT = 50;

export const UsernameSchema = z.string().regex(USERNAME_PATTERN, "3–32 个字符，仅限小写字母、数字和 _ . -");
const DisplayName = z.string().trim().min(1, "不能为空").max(40, "最多 40 个字符");
const StoreIds = z.array(STORE_ID).max(MAX_STORES_PER_ACCOUNT);
const RefundLimit = z.number().int("必须是整数（分）").min(1).max(100_000_000);

export const AccountCreateSchema = z.strictObject({
  username: UsernameSchema,
  displayName: DisplayName,
  role: z.enum(ROLES),
  storeIds: StoreIds.optional(),
  canRefund: z.boolean().optional(),
  refundLimitFen: RefundLimit.nullable().optional(),
});
export type AccountCreate = z.infer<typeof AccountCreateSchema>;

export const AccountPatchSchema = z.strictObject({
  displayName: DisplayName.optional(),
  role: z.enum(ROLES).optional(),
  storeIds: StoreIds.optional(),
  canRefund: z.boolean().optional(),
  refundLimitFen: RefundLimit.nullable().optional(),
  disabled: z.boolean().optional(),
  /** a new invite link (the old password stops working, every session ends) */
  resetPassword: z.literal(true).optional(),
  /** every open session of the account ends at its next request */
  signOutEverywhere: z.literal(true).optional(),
  /** drops the second factor (the account enrols again) */
  resetTotp: z.literal(true).optional(),
});
export type AccountPatch = z.infer<typeof AccountPatchSchema>;

/** What the API and the accounts page show of an account: never the hash, the TOTP secret or codes. */
export type AccountView = {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  storeIds: string[];
  canRefund: boolean;
  refundLimitFen: number | null;
  status: "ACTIVE" | "DISABLED";
  /** false until the invite was accepted (no password yet) */
  passwordSet: boolean;
  totpEnabled: boolean;
  createdAt: Date;
};

const viewSelect = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  storeIds: true,
  canRefund: true,
  refundLimitFen: true,
  status: true,
  passwordHash: true,
  totpEnabledAt: true,
  createdAt: true,
} as const;
type ViewRow = Prisma.AdminAccountGetPayload<{ select: typeof viewSelect }>;

function toView(r: ViewRow): AccountView {
  return {
    id: r.id,
    username: r.username,
    displayName: r.displayName,
    role: r.role as Role,
    storeIds: parseStoreIds(r.storeIds),
    canRefund: r.role !== "STORE_STAFF" || r.canRefund,
    refundLimitFen: r.refundLimitFen,
    status: r.status === "DISABLED" ? "DISABLED" : "ACTIVE",
    passwordSet: r.passwordHash !== null,
    totpEnabled: r.totpEnabledAt !== null,
    createdAt: r.createdAt,
  };
}

const txOptions = { maxWait: 15_000, timeout: 15_000 };

/** Account ids are random and contain no dot (they travel inside the session value). */
const newAccountId = () => `acc_${randomBytes(9).toString("base64url").replace(/-/g, "x").replace(/_/g, "y")}`;

export function inviteUrl(token: string): string {
  return `${env().appBaseUrl.replace(/\/$/, "")}/admin/invite/${token}`;
}

export async function writeAccountAudit(db: Tx, a: { actor: string; accountId: string; action: string; detail?: unknown }): Promise<void> {
  await db.accountAudit.create({
    data: {
      actor: a.actor.slice(0, 128),
      accountId: a.accountId,
      action: a.action,
      detail: a.detail === undefined ? null : JSON.stringify(a.detail),
    },
  });
}

/** A new single-use invite (only its hash is stored); returns the link. */
export async function issueInvite(db: Tx, accountId: string, createdBy: string, now = new Date()): Promise<string> {
  // An account has one live invite: issuing a new one ends the older ones.
  await db.adminInvite.updateMany({ where: { accountId, usedAt: null }, data: { usedAt: now } });
  const { token, tokenHash } = newSecretToken();
  await db.adminInvite.create({
    data: { tokenHash, accountId, createdBy, createdAt: now, expiresAt: new Date(now.getTime() + INVITE_TTL_HOURS * 3600_000) },
  });
  await writeAccountAudit(db, { actor: createdBy, accountId, action: "INVITE" });
  return inviteUrl(token);
}

/** STORE_STAFF needs at least one existing store; other roles see every store and keep none. */
async function checkedStoreIds(db: Tx, role: Role, storeIds: string[] | undefined): Promise<string> {
  if (role !== "STORE_STAFF") return "";
  if (!storeIds || storeIds.length === 0) throw invalidField("storeIds", "店员账号至少要分配一个店铺");
  const found = await db.store.count({ where: { id: { in: storeIds } } });
  if (found !== new Set(storeIds).size) throw invalidField("storeIds", "店铺不存在");
  return formatStoreIds(storeIds);
}

function duplicateUsername(e: unknown): never {
  if (e instanceof PrismaNs.PrismaClientKnownRequestError && e.code === "P2002") {
    throw new AppError("ALREADY_EXISTS", "用户名已被使用", { field: "username" });
  }
  throw e;
}

/**
 * Creates an account without a password and its invite link. `by` is the actor label of whoever
 * creates it (an owner's `account:…`, `break-glass:…`, or `cli:admin-create`).
 */
export async function createAccountAs(by: string, input: AccountCreate): Promise<{ account: AccountView; inviteUrl: string }> {
  try {
    return await prisma.$transaction(async (db) => {
      const storeIds = await checkedStoreIds(db, input.role, input.storeIds);
      const row = await db.adminAccount.create({
        data: {
          id: newAccountId(),
          username: input.username,
          displayName: input.displayName,
          role: input.role,
          storeIds,
          canRefund: input.role === "STORE_STAFF" ? (input.canRefund ?? false) : true,
          refundLimitFen: input.refundLimitFen ?? null,
        },
        select: viewSelect,
      });
      const account = toView(row);
      await writeAccountAudit(db, { actor: by, accountId: row.id, action: "CREATE", detail: { after: auditFields(account) } });
      return { account, inviteUrl: await issueInvite(db, row.id, by) };
    }, txOptions);
  } catch (e) {
    duplicateUsername(e);
  }
}

export async function createAccount(actor: AdminActor, input: AccountCreate) {
  assertCan(actor, "accounts");
  return createAccountAs(actorLabel(actor), input);
}

export async function listAccounts(actor: AdminActor): Promise<AccountView[]> {
  assertCan(actor, "accounts");
  const rows = await prisma.adminAccount.findMany({ select: viewSelect, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: 500 });
  return rows.map(toView);
}

export async function listAccountAudit(actor: AdminActor, take = 50) {
  assertCan(actor, "accounts");
  return prisma.accountAudit.findMany({ orderBy: { id: "desc" }, take });
}

const auditFields = (a: AccountView) => ({
  username: a.username,
  displayName: a.displayName,
  role: a.role,
  storeIds: a.storeIds,
  canRefund: a.canRefund,
  refundLimitFen: a.refundLimitFen,
  status: a.status,
});

/** Fails with 409 LAST_OWNER unless another active owner (with a password) remains besides `accountId`. */
async function assertAnotherOwner(db: Tx, accountId: string): Promise<void> {
  // Lock every active owner first (see the top of this file), then count the others.
  await db.adminAccount.updateMany({ where: { role: "OWNER", status: "ACTIVE" }, data: { role: "OWNER" } });
  const others = await db.adminAccount.count({
    where: { role: "OWNER", status: "ACTIVE", passwordHash: { not: null }, id: { not: accountId } },
  });
  if (others === 0) throw new AppError("LAST_OWNER", "不能停用或降级最后一个启用中的店主账号");
}

/**
 * Changes an account. Disabling, a new role or new stores, a password reset and "sign out everywhere"
 * raise sessionVersion: every open session of the account is refused at its next request.
 */
export async function updateAccount(
  actor: AdminActor,
  id: string,
  patch: AccountPatch,
  now = new Date(),
): Promise<{ account: AccountView; inviteUrl?: string }> {
  assertCan(actor, "accounts");
  const by = actorLabel(actor);
  return prisma.$transaction(async (db) => {
    const before = await db.adminAccount.findUnique({ where: { id }, select: { ...viewSelect, sessionVersion: true } });
    if (!before) throw new AppError("ACCOUNT_NOT_FOUND", "账号不存在");
    const role = patch.role ?? (before.role as Role);
    const status = patch.disabled === undefined ? before.status : patch.disabled ? "DISABLED" : "ACTIVE";
    const wasActiveOwner = before.role === "OWNER" && before.status === "ACTIVE";
    if (wasActiveOwner && (role !== "OWNER" || status !== "ACTIVE")) await assertAnotherOwner(db, id);
    const storeIds =
      patch.storeIds !== undefined || patch.role !== undefined
        ? await checkedStoreIds(db, role, patch.storeIds ?? parseStoreIds(before.storeIds))
        : before.storeIds;
    const revoke =
      role !== before.role ||
      storeIds !== before.storeIds ||
      status !== before.status ||
      patch.resetPassword === true ||
      patch.signOutEverywhere === true ||
      patch.resetTotp === true;
    const row = await db.adminAccount.update({
      where: { id },
      data: {
        ...(patch.displayName !== undefined ? { displayName: patch.displayName } : {}),
        role,
        storeIds,
        status,
        canRefund: role === "STORE_STAFF" ? (patch.canRefund ?? before.canRefund) : true,
        ...(patch.refundLimitFen !== undefined ? { refundLimitFen: patch.refundLimitFen } : {}),
        ...(patch.resetPassword ? { passwordHash: null } : {}),
        ...(patch.resetTotp ? { totpSecret: null, totpEnabledAt: null, totpLastStep: null, recoveryCodes: null } : {}),
        ...(revoke ? { sessionVersion: { increment: 1 } } : {}),
      },
      select: viewSelect,
    });
    const account = toView(row);
    const b = auditFields(toView(before)),
      a = auditFields(account);
    const changed = (Object.keys(a) as (keyof typeof a)[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    if (changed.length) {
      const action = changed.includes("status") && status === "DISABLED" ? "DISABLE" : changed.includes("status") ? "ENABLE" : "UPDATE";
      await writeAccountAudit(db, {
        actor: by,
        accountId: id,
        action,
        detail: { before: Object.fromEntries(changed.map((k) => [k, b[k]])), after: Object.fromEntries(changed.map((k) => [k, a[k]])) },
      });
    }
    if (patch.signOutEverywhere) await writeAccountAudit(db, { actor: by, accountId: id, action: "SIGN_OUT_EVERYWHERE" });
    if (patch.resetTotp) await writeAccountAudit(db, { actor: by, accountId: id, action: "TOTP_DISABLE" });
    if (patch.resetPassword) {
      await writeAccountAudit(db, { actor: by, accountId: id, action: "PASSWORD_RESET" });
      return { account, inviteUrl: await issueInvite(db, id, by, now) };
    }
    return { account };
  }, txOptions);
}

/** The caller as GET /api/admin/me shows it: account, role and scope. */
export function meOf(actor: AdminActor) {
  return {
    kind: actor.kind,
    accountId: actor.accountId ?? null,
    username: actor.username,
    displayName: actor.displayName,
    role: actor.role,
    storeIds: actor.storeIds,
    canRefund: actor.canRefund,
    refundLimitFen: actor.refundLimitFen ?? null,
    totpEnabled: actor.totpEnabled,
  };
}
