// Reads an account into the AdminActor the guard hands to every back-office call. Kept apart from the
// account service (lib/admin/accounts.ts) so the gate loads no password code.
import { prisma } from "@/lib/db";
import { parseStoreIds, ROLES, type AdminActor, type Role } from "./scope";
import type { SessionAccount } from "./session";

type AccountRow = {
  id: string;
  username: string;
  displayName: string;
  role: string;
  storeIds: string;
  canRefund: boolean;
  refundLimitFen: number | null;
  totpEnabledAt: Date | null;
};

/** An account row → the actor (OWNER and OPERATOR see every store; STORE_STAFF only its own). */
export function actorOf(row: AccountRow, sessionTag: string): AdminActor {
  const role: Role = (ROLES as readonly string[]).includes(row.role) ? (row.role as Role) : "STORE_STAFF";
  return {
    kind: "account",
    accountId: row.id,
    username: row.username,
    displayName: row.displayName,
    role,
    storeIds: role === "STORE_STAFF" ? parseStoreIds(row.storeIds) : "all",
    canRefund: role !== "STORE_STAFF" || row.canRefund,
    ...(row.refundLimitFen !== null ? { refundLimitFen: row.refundLimitFen } : {}),
    totpEnabled: row.totpEnabledAt !== null,
    sessionTag,
  };
}

/** The actor of an account session, or null when the account is gone, disabled, or its sessions were revoked since. */
export async function loadAccountActor(s: SessionAccount, sessionTag: string): Promise<AdminActor | null> {
  const row = await prisma.adminAccount.findUnique({ where: { id: s.accountId } });
  if (!row || row.status !== "ACTIVE" || row.sessionVersion !== s.sessionVersion || row.passwordHash === null) return null;
  return actorOf(row, sessionTag);
}
