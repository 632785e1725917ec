// THE one place that decides what a back-office caller may see and do. The guard (lib/admin/guard.ts)
// turns a session into an AdminActor; every back-office query and mutation takes that actor and asks
// this module for its where-clause or its permission. Pure: no database, no Next.js.
//
// Two kinds of "no":
//  - another store's object is NOT FOUND (404, the same answer as a number that does not exist), so a
//    store's staff cannot even learn which order numbers, SKUs or stores exist elsewhere;
//  - a role or flag that does not allow the action is FORBIDDEN (403 {code: "FORBIDDEN"}).
import { AppError, type ErrorCode } from "@/lib/errors";

export const ROLES = ["OWNER", "OPERATOR", "STORE_STAFF"] as const;
export type Role = (typeof ROLES)[number];

export interface AdminActor {
  /** "account" for a person signed in with a password; "break-glass" for a session opened with ADMIN_TOKEN. */
  kind: "account" | "break-glass";
  /** AdminAccount.id (account sessions only). */
  accountId?: string;
  /** The username at the time (break-glass: "ADMIN_TOKEN"). */
  username: string;
  displayName: string;
  role: Role;
  /** Every store, or the stores of a STORE_STAFF account. */
  storeIds: "all" | readonly string[];
  canRefund: boolean;
  /** The most one refund may be; undefined = no limit of the account's own. */
  refundLimitFen?: number;
  /** Whether the account has a confirmed TOTP second factor. */
  totpEnabled: boolean;
  /** The session nonce prefix (break-glass sessions are told apart by it in the audit). */
  sessionTag: string;
}

/** What audit rows record as the actor: `account:<id>:<username at the time>` or `break-glass:<session>`. */
export function actorLabel(a: AdminActor): string {
  return a.kind === "account" ? `account:${a.accountId}:${a.username}` : `break-glass:${a.sessionTag}`;
}

/** The person behind an audit actor string, for pages ("who did what"). */
export function actorDisplay(actor: string | null | undefined): string {
  if (!actor) return "—";
  const m = /^account:[^:]+:(.+)$/.exec(actor);
  if (m) return m[1]!;
  if (actor.startsWith("break-glass:")) return `ADMIN_TOKEN（应急）${actor.slice("break-glass:".length)}`;
  return actor;
}

// ---------------------------------------------------------------- capabilities (role-level)

/**
 * What a role may do at all. Store-level access is the where-clauses below; these are the areas a role
 * never enters (bills and reconciliation for store staff, accounts for everybody but owners, …).
 */
export type Capability =
  | "accounts" // list, create, change accounts
  | "store-settings" // create stores, change a store's settings
  | "orders" // see orders (scoped) and act on them
  | "fulfilment"
  | "refunds" // see refunds; issuing one also needs canRefund / the limit (assertCanRefund)
  | "catalogue" // products and stock (scoped)
  | "bills" // bills and reconciliation
  | "jobs" // the scheduler's status page
  | "store-messages"; // a store's webhook test message (scoped)

const ROLE_CAPABILITIES: Record<Role, ReadonlySet<Capability>> = {
  OWNER: new Set<Capability>([
    "accounts",
    "store-settings",
    "orders",
    "fulfilment",
    "refunds",
    "catalogue",
    "bills",
    "jobs",
    "store-messages",
  ]),
  OPERATOR: new Set<Capability>(["orders", "fulfilment", "refunds", "catalogue", "bills", "jobs", "store-messages"]),
  STORE_STAFF: new Set<Capability>(["orders", "fulfilment", "refunds", "catalogue", "store-messages"]),
};

export function can(a: AdminActor, c: Capability): boolean {
  return ROLE_CAPABILITIES[a.role].has(c);
}

export function assertCan(a: AdminActor, c: Capability): void {
  if (!can(a, c)) throw new AppError("FORBIDDEN", "当前账号没有此操作的权限");
}

// ---------------------------------------------------------------- store scope (where-clauses)

const ids = (a: AdminActor): string[] | null => (a.storeIds === "all" ? null : [...a.storeIds]);

/** Whether the actor sees every store (no filter at all). */
export const seesAllStores = (a: AdminActor): boolean => a.storeIds === "all";

export function canSeeStore(a: AdminActor, storeId: string): boolean {
  return a.storeIds === "all" || a.storeIds.includes(storeId);
}

/** Store rows the actor sees. */
export function storeWhere(a: AdminActor): { id?: { in: string[] } } {
  const s = ids(a);
  return s ? { id: { in: s } } : {};
}

/** Rows with a storeId column: SubOrder, Product, StoreMessage. */
export function storeIdWhere(a: AdminActor): { storeId?: { in: string[] } } {
  const s = ids(a);
  return s ? { storeId: { in: s } } : {};
}

export const subOrderWhere = storeIdWhere;
export const productWhere = storeIdWhere;

/** Orders with at least one sub-order of the actor's stores (the other sub-orders are hidden by subOrderWhere). */
export function orderWhere(a: AdminActor): { subOrders?: { some: { storeId: { in: string[] } } } } {
  const s = ids(a);
  return s ? { subOrders: { some: { storeId: { in: s } } } } : {};
}

/** Refunds of the actor's stores' sub-orders. */
export function refundWhere(a: AdminActor): { subOrder?: { storeId: { in: string[] } } } {
  const s = ids(a);
  return s ? { subOrder: { storeId: { in: s } } } : {};
}

/**
 * Throws the given NOT_FOUND code unless the actor sees the store: the same answer as for an object
 * that does not exist (no enumeration).
 */
export function assertSeesStore(a: AdminActor, storeId: string | null | undefined, code: ErrorCode, message: string): void {
  if (!storeId || !canSeeStore(a, storeId)) throw new AppError(code, message);
}

// ---------------------------------------------------------------- refunds

/**
 * Whether this actor may issue a refund of `amountFen`: the role must reach refunds, a STORE_STAFF
 * account needs canRefund, and every account with a refundLimitFen is held to it. Owners and
 * operators have canRefund implied by their role. With ADMIN_REQUIRE_2FA_FOR_REFUNDS, an account
 * without a confirmed second factor may not refund (break-glass is the owner's key: exempt).
 */
export function assertCanRefund(a: AdminActor, amountFen: number, opts: { require2fa: boolean }): void {
  assertCan(a, "refunds");
  if (a.role === "STORE_STAFF" && !a.canRefund) throw new AppError("FORBIDDEN", "当前账号没有退款权限");
  if (a.refundLimitFen !== undefined && amountFen > a.refundLimitFen) {
    throw new AppError("FORBIDDEN", `超过当前账号的单笔退款上限（${(a.refundLimitFen / 100).toFixed(2)} 元）`, {
      refundLimitFen: a.refundLimitFen,
    });
  }
  if (opts.require2fa && a.kind === "account" && !a.totpEnabled) {
    throw new AppError("FORBIDDEN", "退款需要先为账号启用两步验证（ADMIN_REQUIRE_2FA_FOR_REFUNDS）");
  }
}

/** Whether a role, as configured, can refund at all (for the 2FA rule and the accounts page). */
export function roleCanRefund(role: Role, canRefund: boolean): boolean {
  return role !== "STORE_STAFF" || canRefund;
}

/** The break-glass owner: every store, every capability. */
export function breakGlassActor(sessionTag: string): AdminActor {
  return {
    kind: "break-glass",
    username: "ADMIN_TOKEN",
    displayName: "应急管理员（ADMIN_TOKEN）",
    role: "OWNER",
    storeIds: "all",
    canRefund: true,
    totpEnabled: false,
    sessionTag,
  };
}

/** The comma-separated AdminAccount.storeIds column ↔ the list. */
export const parseStoreIds = (s: string): string[] => s.split(",").filter(Boolean);
export const formatStoreIds = (ids: readonly string[]): string => [...new Set(ids)].sort().join(",");
