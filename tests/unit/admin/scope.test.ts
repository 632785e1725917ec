// lib/admin/scope.ts: roles, store where-clauses, the refund rule, and the account session format.
import { describe, expect, it } from "vitest";
import {
  actorDisplay,
  actorLabel,
  assertCanRefund,
  breakGlassActor,
  can,
  orderWhere,
  storeWhere,
  type AdminActor,
} from "@/lib/admin/scope";
import { createSessionValue, verifySessionValue } from "@/lib/admin/session";

const staff = (o: Partial<AdminActor> = {}): AdminActor => ({
  kind: "account",
  accountId: "acc_1",
  username: "li.ming",
  displayName: "李明",
  role: "STORE_STAFF",
  storeIds: ["chayu"],
  canRefund: false,
  totpEnabled: false,
  sessionTag: "abcdefgh",
  ...o,
});

describe("roles", () => {
  it.each([
    ["OWNER", ["accounts", "store-settings", "bills", "jobs", "refunds", "catalogue"], []],
    ["OPERATOR", ["bills", "jobs", "refunds", "catalogue", "orders"], ["accounts", "store-settings"]],
    ["STORE_STAFF", ["orders", "fulfilment", "catalogue", "refunds"], ["accounts", "store-settings", "bills", "jobs"]],
  ] as const)("%s", (role, yes, no) => {
    const a = staff({ role, storeIds: role === "STORE_STAFF" ? ["chayu"] : "all" });
    for (const c of yes) expect(can(a, c), c).toBe(true);
    for (const c of no) expect(can(a, c), c).toBe(false);
  });

  it("store staff get where-clauses of their stores; everyone else none", () => {
    expect(storeWhere(staff())).toEqual({ id: { in: ["chayu"] } });
    expect(orderWhere(staff())).toEqual({ subOrders: { some: { storeId: { in: ["chayu"] } } } });
    expect(storeWhere(breakGlassActor("x"))).toEqual({});
    // no stores at all sees nothing (an empty IN), never everything
    expect(storeWhere(staff({ storeIds: [] }))).toEqual({ id: { in: [] } });
  });
});

describe("refunds", () => {
  const refused = (a: AdminActor, fen: number, require2fa = false) => {
    try {
      assertCanRefund(a, fen, { require2fa });
      return null;
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  it("store staff need the flag; a limit holds for every role; ADMIN_REQUIRE_2FA_FOR_REFUNDS needs a confirmed TOTP", () => {
    expect(refused(staff(), 1)).toBe("FORBIDDEN");
    expect(refused(staff({ canRefund: true }), 1)).toBeNull();
    expect(refused(staff({ canRefund: true, refundLimitFen: 500 }), 500)).toBeNull();
    expect(refused(staff({ canRefund: true, refundLimitFen: 500 }), 501)).toBe("FORBIDDEN");
    expect(refused(staff({ role: "OPERATOR", storeIds: "all", canRefund: true, refundLimitFen: 100 }), 101)).toBe("FORBIDDEN");
    expect(refused(staff({ canRefund: true }), 1, true)).toBe("FORBIDDEN");
    expect(refused(staff({ canRefund: true, totpEnabled: true }), 1, true)).toBeNull();
    // the break-glass key is the owner's: no second factor to ask for
    expect(refused(breakGlassActor("x"), 1, true)).toBeNull();
  });
});

describe("audit labels", () => {
  it("account:<id>:<username> and break-glass:<session>; pages show the username", () => {
    expect(actorLabel(staff())).toBe("account:acc_1:li.ming");
    expect(actorLabel(breakGlassActor("abcdefgh"))).toBe("break-glass:abcdefgh");
    expect(actorDisplay("account:acc_1:li.ming")).toBe("li.ming");
    expect(actorDisplay("job:auto-deliver")).toBe("job:auto-deliver");
  });
});

describe("account sessions", () => {
  const TOKEN = "unit-admin-token-0123456789abcdef";
  const NOW = Date.UTC(2026, 11, 1, 2, 0, 0);
  it("carry the account and its session version; a changed account or version breaks the signature", () => {
    const v = createSessionValue(TOKEN, NOW, undefined, { accountId: "acc_1", sessionVersion: 3 });
    expect(verifySessionValue(v, TOKEN, NOW)).toMatchObject({ ok: true, account: { accountId: "acc_1", sessionVersion: 3 } });
    const p = v.split(".");
    for (const [i, x] of [
      [4, "acc_2"],
      [5, "4"],
    ] as const) {
      const t = [...p];
      t[i] = x;
      expect(verifySessionValue(t.join("."), TOKEN, NOW)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    }
    // a break-glass value carries no account
    expect(verifySessionValue(createSessionValue(TOKEN, NOW), TOKEN, NOW)).not.toHaveProperty("account");
  });
});
