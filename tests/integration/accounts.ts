// Staff accounts over the real route handlers, shared by the SQLite and PostgreSQL suites: bootstrap
// (admin:create), invites (single use under 10 concurrent accepts, expiry, password rules), sign-in
// (JSON and form, TOTP), revocation at once, per-account lockout, the last-owner rule, refund flag and
// limit, and the account on every kind of audit row.
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./harness";
import { paidOrder } from "./refund-helpers";
import { freshStore, insertOrder } from "./order-fixtures";
import { SESSION_COOKIE, createSessionValue } from "@/lib/admin/session";

const pw = () => `Long-pass-${randomBytes(6).toString("hex")}`;
const uname = (p: string) => `${p}.${randomBytes(3).toString("hex")}`;

function cookieOf(res: Response): string {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${SESSION_COOKIE}=`));
  if (!line) throw new Error(`no session cookie (HTTP ${res.status})`);
  return line.split(";")[0]!;
}

export function accountTests(harness: () => Harness) {
  let h: Harness;
  let owner: { id: string; username: string; cookie: string };
  const breakGlass = () => `${SESSION_COOKIE}=${createSessionValue(process.env.ADMIN_TOKEN!)}`;

  const as = (cookie: string, method: string, path: string, json?: unknown, headers: Record<string, string> = {}) =>
    h.call(method, path, { ...(json !== undefined ? { json } : {}), headers: { cookie, ...headers } });
  const signIn = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    h.call("POST", "/api/admin/session", { json: body, headers: { cookie: "", ...headers } });
  const accept = (token: string, password: string) =>
    h.call("POST", `/api/admin/invites/${token}`, { json: { password }, headers: { cookie: "" } });
  const tokenOf = (inviteUrl: string) => inviteUrl.split("/admin/invite/")[1]!;

  /** An account created by `by` (an owner's cookie), its invite accepted, signed in. */
  async function person(by: string, body: Record<string, unknown>) {
    const username = (body.username as string | undefined) ?? uname("p");
    const res = await as(by, "POST", "/api/admin/accounts", { displayName: username, ...body, username });
    expect(res.status, await res.clone().text()).toBe(201);
    const { account, inviteUrl } = (await res.json()) as { account: { id: string }; inviteUrl: string };
    const password = pw();
    expect((await accept(tokenOf(inviteUrl), password)).status).toBe(200);
    const signed = await signIn({ username, password });
    expect(signed.status).toBe(200);
    return { id: account.id, username, password, cookie: cookieOf(signed) };
  }

  beforeAll(async () => {
    h = harness();
    // Bootstrap as from the shell: npm run admin:create -- --username … --role OWNER
    const { adminCreate } = await import("@/lib/admin/admin-create");
    const username = uname("boss");
    const { inviteUrl } = await adminCreate(["--username", username, "--role", "OWNER", "--display-name", "老板"]);
    expect(inviteUrl).toMatch(/\/admin\/invite\/[A-Za-z0-9_-]{43}$/);
    const password = pw();
    expect((await accept(tokenOf(inviteUrl), password)).status).toBe(200);
    const res = await signIn({ username, password });
    const { me } = (await res.json()) as { me: { accountId: string } };
    owner = { id: me.accountId, username, cookie: cookieOf(res) };
  });

  describe("accounts API and sign-in", () => {
    it("GET /api/admin/me: the caller's account, role and scope", async () => {
      const res = await as(owner.cookie, "GET", "/api/admin/me");
      expect(await res.json()).toEqual({
        me: expect.objectContaining({ kind: "account", username: owner.username, role: "OWNER", storeIds: "all", canRefund: true }),
      });
      const bg = await as(breakGlass(), "GET", "/api/admin/me");
      expect(await bg.json()).toMatchObject({ me: { kind: "break-glass", role: "OWNER", accountId: null } });
    });

    it("a duplicate username is 409 ALREADY_EXISTS; a bad one is 400 naming the field; STORE_STAFF needs a store", async () => {
      const dup = await as(owner.cookie, "POST", "/api/admin/accounts", { username: owner.username, displayName: "x", role: "OPERATOR" });
      expect(dup.status).toBe(409);
      expect(await dup.json()).toMatchObject({ code: "ALREADY_EXISTS", field: "username" });
      for (const [body, field] of [
        [{ username: "Ab", displayName: "x", role: "OPERATOR" }, "username"],
        [{ username: "has space", displayName: "x", role: "OPERATOR" }, "username"],
        [{ username: uname("s"), displayName: "x", role: "STORE_STAFF" }, "storeIds"],
        [{ username: uname("s"), displayName: "x", role: "STORE_STAFF", storeIds: ["no-such-store"] }, "storeIds"],
        [{ username: uname("s"), displayName: "x", role: "KING" }, "role"],
      ] as const) {
        const res = await as(owner.cookie, "POST", "/api/admin/accounts", body);
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", field });
      }
    });

    it("password rules at the invite: ≥ 12 characters, not the username, not a common password (400 naming password)", async () => {
      const username = uname("rules"); // 12 characters: long enough to be refused as the username itself
      const res = await as(owner.cookie, "POST", "/api/admin/accounts", { username, displayName: "x", role: "OPERATOR" });
      const token = tokenOf(((await res.json()) as { inviteUrl: string }).inviteUrl);
      for (const bad of ["short-pw-11", username, "qwerty123456"]) {
        const r = await accept(token, bad);
        expect(r.status, bad).toBe(400);
        expect(await r.json()).toMatchObject({ code: "INVALID_REQUEST", field: "password" });
      }
      // refused tries do not use the invite up
      expect((await accept(token, pw())).status).toBe(200);
    });

    it("an invite is single use: 10 concurrent accepts → one account password, nine 410 INVITE_GONE", async () => {
      const username = uname("race");
      const res = await as(owner.cookie, "POST", "/api/admin/accounts", { username, displayName: "x", role: "OPERATOR" });
      const { account, inviteUrl } = (await res.json()) as { account: { id: string }; inviteUrl: string };
      const passwords = Array.from({ length: 10 }, pw);
      const answers = await Promise.all(passwords.map((p) => accept(tokenOf(inviteUrl), p)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([200, ...Array(9).fill(410)]);
      const gone = answers.find((a) => a.status === 410)!;
      expect(await gone.json()).toMatchObject({ code: "INVITE_GONE" });
      expect(await h.prisma.accountAudit.count({ where: { accountId: account.id, action: "PASSWORD_SET" } })).toBe(1);
      // exactly one of the ten passwords works
      const works = await Promise.all(passwords.map(async (password) => (await signIn({ username, password })).status === 200));
      expect(works.filter(Boolean)).toHaveLength(1);
      // and the link is gone for good; an unknown or mangled one too
      expect((await accept(tokenOf(inviteUrl), pw())).status).toBe(410);
      expect((await accept("x".repeat(43), pw())).status).toBe(410);
      expect((await accept("short", pw())).status).toBe(410);
    });

    it("an invite expires after 72 hours (410)", async () => {
      const res = await as(owner.cookie, "POST", "/api/admin/accounts", { username: uname("late"), displayName: "x", role: "OPERATOR" });
      const { account, inviteUrl } = (await res.json()) as { account: { id: string }; inviteUrl: string };
      const invite = await h.prisma.adminInvite.findFirstOrThrow({ where: { accountId: account.id } });
      expect(invite.expiresAt.getTime() - invite.createdAt.getTime()).toBe(72 * 3600_000);
      expect(invite.tokenHash).not.toContain(tokenOf(inviteUrl));
      await h.prisma.adminInvite.update({ where: { tokenHash: invite.tokenHash }, data: { expiresAt: new Date(Date.now() - 1000) } });
      expect((await accept(tokenOf(inviteUrl), pw())).status).toBe(410);
      // housekeeping removes it (and nothing live)
      const { pruneInvites } = await import("@/lib/admin/invites");
      expect(await pruneInvites()).toBeGreaterThanOrEqual(1);
      expect(await h.prisma.adminInvite.count({ where: { tokenHash: invite.tokenHash } })).toBe(0);
      expect(await h.prisma.adminInvite.count({ where: { expiresAt: { lt: new Date() } } })).toBe(0);
    });

    it("sign-in: JSON and form; a wrong password or an unknown user is refused alike", async () => {
      const p = await person(owner.cookie, { role: "OPERATOR" });
      const wrong = await signIn({ username: p.username, password: "not-the-password-at-all" });
      expect(wrong.status).toBe(401);
      expect(wrong.headers.get("set-cookie")).toBeNull();
      const unknown = await signIn({ username: "nobody.here", password: "not-the-password-at-all" });
      expect(await unknown.json()).toEqual(await wrong.json());
      const form = await h.call("POST", "/api/admin/session", {
        body: new URLSearchParams({ username: p.username, password: p.password, next: "/admin/refunds" }),
        headers: { cookie: "", "content-type": "application/x-www-form-urlencoded" },
      });
      expect(form.status).toBe(303);
      expect(form.headers.get("location")).toBe("/admin/refunds");
      expect(cookieOf(form)).toMatch(/^admin_session=v2\./);
    });

    it("revocation at once: disabling, a role change, a password reset and sign-out-everywhere refuse the next request", async () => {
      for (const patch of [
        { disabled: true },
        { role: "STORE_STAFF", storeIds: ["chayu"] },
        { resetPassword: true },
        { signOutEverywhere: true },
      ]) {
        const p = await person(owner.cookie, { role: "OPERATOR" });
        expect((await as(p.cookie, "GET", "/api/admin/me")).status).toBe(200);
        const res = await as(owner.cookie, "PATCH", `/api/admin/accounts/${p.id}`, patch);
        expect(res.status, JSON.stringify(patch)).toBe(200);
        const next = await as(p.cookie, "GET", "/api/admin/me");
        expect(next.status, JSON.stringify(patch)).toBe(401);
        expect(await next.json()).toMatchObject({ code: "UNAUTHORIZED" });
      }
    });

    it("a disabled account cannot sign in; enabling it again lets it", async () => {
      const p = await person(owner.cookie, { role: "OPERATOR" });
      await as(owner.cookie, "PATCH", `/api/admin/accounts/${p.id}`, { disabled: true });
      expect((await signIn({ username: p.username, password: p.password })).status).toBe(401);
      await as(owner.cookie, "PATCH", `/api/admin/accounts/${p.id}`, { disabled: false });
      expect((await signIn({ username: p.username, password: p.password })).status).toBe(200);
    });

    it("per-account lockout: 10 failures from anywhere in 15 minutes → 429 with Retry-After, even for the right password", async () => {
      const p = await person(owner.cookie, { role: "OPERATOR" });
      const other = await person(owner.cookie, { role: "OPERATOR" });
      // ten addresses, one failure each (the per-client limit is not what stops this)
      const fails = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          signIn({ username: p.username, password: `wrong-password-${i}` }, { "x-forwarded-for": `198.51.100.${i + 1}` }),
        ),
      );
      expect(fails.map((f) => f.status)).toEqual(Array(10).fill(401));
      const right = await signIn({ username: p.username, password: p.password }, { "x-forwarded-for": "203.0.113.77" });
      expect(right.status).toBe(429);
      expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await right.json()).toMatchObject({ code: "TOO_MANY_ATTEMPTS" });
      // another account is not locked out by it
      expect((await signIn({ username: other.username, password: other.password })).status).toBe(200);
    });

    it("the last active owner cannot be disabled or demoted (409 LAST_OWNER); with a second owner it can", async () => {
      for (const patch of [{ disabled: true }, { role: "OPERATOR" }]) {
        const res = await as(owner.cookie, "PATCH", `/api/admin/accounts/${owner.id}`, patch);
        expect(res.status).toBe(409);
        expect(await res.json()).toMatchObject({ code: "LAST_OWNER" });
      }
      const second = await person(owner.cookie, { role: "OWNER" });
      const demoted = await as(owner.cookie, "PATCH", `/api/admin/accounts/${second.id}`, { role: "OPERATOR" });
      expect(demoted.status).toBe(200);
      // the account changes are audited, by the owner who made them
      const rows = await h.prisma.accountAudit.findMany({ where: { accountId: second.id }, orderBy: { id: "asc" } });
      expect(rows.map((r) => r.action)).toEqual(["CREATE", "INVITE", "PASSWORD_SET", "UPDATE"]);
      expect(rows[3]!.actor).toBe(`account:${owner.id}:${owner.username}`);
      expect(JSON.parse(rows[3]!.detail!)).toEqual({ before: { role: "OWNER" }, after: { role: "OPERATOR" } });
      // only owners manage accounts
      const op = await person(owner.cookie, { role: "OPERATOR" });
      expect((await as(op.cookie, "GET", "/api/admin/accounts")).status).toBe(403);
    });

    it("two owners demoting each other at once: one wins, the other gets 409 LAST_OWNER (decided by the database)", async () => {
      const o1 = await person(owner.cookie, { role: "OWNER" });
      const o2 = await person(owner.cookie, { role: "OWNER" });
      // leave exactly these two active owners (the suite's owner and earlier ones step aside for the race)
      const others = await h.prisma.adminAccount.findMany({ where: { role: "OWNER", status: "ACTIVE", id: { notIn: [o1.id, o2.id] } } });
      await h.prisma.adminAccount.updateMany({ where: { id: { in: others.map((o) => o.id) } }, data: { status: "DISABLED" } });
      try {
        const [a, b] = await Promise.all([
          // two break-glass sessions, so neither request can be refused for its own session being revoked by the other
          as(breakGlass(), "PATCH", `/api/admin/accounts/${o2.id}`, { role: "OPERATOR" }),
          as(breakGlass(), "PATCH", `/api/admin/accounts/${o1.id}`, { role: "OPERATOR" }),
        ]);
        expect([a.status, b.status].sort()).toEqual([200, 409]);
        expect(await h.prisma.adminAccount.count({ where: { role: "OWNER", status: "ACTIVE" } })).toBe(1);
      } finally {
        await h.prisma.adminAccount.updateMany({ where: { id: { in: others.map((o) => o.id) } }, data: { status: "ACTIVE" } });
      }
    });

    it("TOTP: enrol (QR + recovery codes), then sign-in needs the code; a used code and a used recovery code are refused", async () => {
      const { totpToken } = await import("@/lib/accounts/totp");
      const p = await person(owner.cookie, { role: "OPERATOR" });
      const start = await as(p.cookie, "POST", "/api/admin/me/totp");
      const { secret, qrSvg, uri } = (await start.json()) as { secret: string; qrSvg: string; uri: string };
      expect(qrSvg).toMatch(/^<svg/);
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      expect((await as(p.cookie, "POST", "/api/admin/me/totp/confirm", { code: "000000" })).status).toBe(400);
      // The very code enrolment used, kept: computing it again later could cross into the next 30-s step and give a
      // new, valid code (the test then depended on the clock).
      const enrolmentCode = totpToken({ secret });
      const confirmed = await as(p.cookie, "POST", "/api/admin/me/totp/confirm", { code: enrolmentCode });
      const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
      expect(recoveryCodes).toHaveLength(10);
      const row = await h.prisma.adminAccount.findUniqueOrThrow({ where: { id: p.id } });
      expect(row.recoveryCodes).not.toContain(recoveryCodes[0]!);
      // without a code, or with the code just used at enrolment: refused
      const noCode = await signIn({ username: p.username, password: p.password });
      expect(noCode.status).toBe(401);
      expect(await noCode.json()).toMatchObject({ totpRequired: true });
      expect((await signIn({ username: p.username, password: p.password, totp: enrolmentCode })).status).toBe(401);
      // a recovery code works once
      expect((await signIn({ username: p.username, password: p.password, totp: recoveryCodes[0] })).status).toBe(200);
      expect((await signIn({ username: p.username, password: p.password, totp: recoveryCodes[0] })).status).toBe(401);
      expect(await h.prisma.accountAudit.count({ where: { accountId: p.id, action: { in: ["TOTP_ENABLE", "RECOVERY_CODE_USED"] } } })).toBe(
        2,
      );
    });
  });

  it("TOTP with an injected clock: enrolment needs the code of its moment; each step's code is accepted once, a later step's works", async () => {
    const { totpToken } = await import("@/lib/accounts/totp");
    const { checkSecondFactor, confirmTotpEnrolment, startTotpEnrolment } = await import("@/lib/admin/two-factor");
    const { loadAccountActor } = await import("@/lib/admin/account-store");
    const p = await person(owner.cookie, { role: "OPERATOR" });
    const actor = (await loadAccountActor({ accountId: p.id, sessionVersion: 1 }, "test"))!;
    const { secret } = await startTotpEnrolment(actor);
    const t0 = new Date(Date.UTC(2026, 11, 1, 8, 0, 0));
    // a code from ten minutes before is refused
    await expect(confirmTotpEnrolment(actor, totpToken({ secret, now: new Date(t0.getTime() - 600_000) }), t0)).rejects.toMatchObject({
      code: "INVALID_REQUEST",
      extra: { field: "code" },
    });
    await confirmTotpEnrolment(actor, totpToken({ secret, now: t0 }), t0);
    const row = async () => h.prisma.adminAccount.findUniqueOrThrow({ where: { id: p.id } });
    // the enrolment code's step is used; the next step's code is accepted once
    expect(await checkSecondFactor(await row(), totpToken({ secret, now: t0 }), t0)).toBe(false);
    const t1 = new Date(t0.getTime() + 30_000);
    expect(await checkSecondFactor(await row(), totpToken({ secret, now: t1 }), t1)).toBe(true);
    expect(await checkSecondFactor(await row(), totpToken({ secret, now: t1 }), t1)).toBe(false);
    // a code far outside the window is refused
    const later = new Date(t0.getTime() + 3600_000);
    expect(await checkSecondFactor(await row(), totpToken({ secret, now: t0 }), later)).toBe(false);
  });

  describe("refund rights and the audit actor", () => {
    it("a store's staff without the flag → 403; the owner grants it with a limit; over it → 403; within → 201 in the staff's name", async () => {
      const { orderNo, subs } = await paidOrder(h);
      const sub = subs.find((s) => s.storeId === "chayu")!;
      const staff = await person(owner.cookie, { role: "STORE_STAFF", storeIds: ["chayu"] });
      const refund = (amountFen: number) =>
        as(
          staff.cookie,
          "POST",
          `/api/admin/orders/${orderNo}/refunds`,
          { outTradeNo: sub.outTradeNo, amountFen },
          {
            "idempotency-key": `acct-${randomBytes(6).toString("hex")}`,
          },
        );
      const noFlag = await refund(100);
      expect(noFlag.status).toBe(403);
      expect(await noFlag.json()).toMatchObject({ code: "FORBIDDEN", message: expect.any(String) });
      const granted = await as(owner.cookie, "PATCH", `/api/admin/accounts/${staff.id}`, { canRefund: true, refundLimitFen: 150 });
      expect(granted.status).toBe(200);
      // a flag change alone does not end the session: the next request sees the new right
      const over = await refund(151);
      expect(over.status).toBe(403);
      expect(await over.json()).toMatchObject({ code: "FORBIDDEN", refundLimitFen: 150 });
      expect(await h.prisma.refund.count({ where: { outTradeNo: sub.outTradeNo } })).toBe(0);
      const ok = await refund(150);
      expect(ok.status, await ok.clone().text()).toBe(201);
      const { refund: view } = (await ok.json()) as { refund: { refundNo: string; requestedBy: string; requestedByName: string } };
      const label = `account:${staff.id}:${staff.username}`;
      expect(view).toMatchObject({ requestedBy: label, requestedByName: staff.username });
      // the payment event of the refund request carries the account too
      const event = await h.prisma.paymentEvent.findFirstOrThrow({ where: { refundNo: view.refundNo, source: "REFUND_CREATE" } });
      expect(event.actor).toBe(label);
    });

    it("every kind of audit row written by a person names the account: catalogue, fulfilment, close, account changes", async () => {
      const store = await freshStore(h.prisma);
      const staff = await person(owner.cookie, { role: "STORE_STAFF", storeIds: [store.id] });
      const label = `account:${staff.id}:${staff.username}`;
      // catalogue
      expect((await as(staff.cookie, "PATCH", `/api/admin/products/${store.sku}`, { stock: 5 })).status).toBe(200);
      expect((await h.prisma.catalogAudit.findFirstOrThrow({ where: { entityId: store.sku }, orderBy: { id: "desc" } })).actor).toBe(label);
      // fulfilment
      const paid = await insertOrder(h.prisma, { status: "PAID", subs: [{ store, method: "SHIPPING" }] });
      const shipped = await as(staff.cookie, "POST", `/api/admin/orders/${paid.orderNo}/fulfilments`, {
        outTradeNo: paid.subs[0]!.outTradeNo,
        action: "SHIP",
        carrier: "顺丰",
        trackingNo: "SF1234567890",
      });
      expect(shipped.status, await shipped.clone().text()).toBe(200);
      expect((await h.prisma.fulfilmentEvent.findFirstOrThrow({ where: { outTradeNo: paid.subs[0]!.outTradeNo } })).actor).toBe(label);
      // a payment event from an admin action: closing an unpaid order of their store
      const pending = await insertOrder(h.prisma, { status: "PENDING", subs: [{ store, method: "SHIPPING" }] });
      await as(staff.cookie, "POST", `/api/admin/orders/${pending.orderNo}/close`);
      const closeEvent = await h.prisma.paymentEvent.findFirst({ where: { orderNo: pending.orderNo, source: "CLOSE" } });
      expect(closeEvent?.actor).toBe(label);
      // account changes: by the owner, and the owner's name
      const changed = await h.prisma.accountAudit.findFirstOrThrow({ where: { accountId: staff.id, action: "CREATE" } });
      expect(changed.actor).toBe(`account:${owner.id}:${owner.username}`);
      // a break-glass session is marked as such
      const bg = await as(breakGlass(), "PATCH", `/api/admin/products/${store.sku}`, { stock: 6 });
      expect(bg.status).toBe(200);
      expect((await h.prisma.catalogAudit.findFirstOrThrow({ where: { entityId: store.sku }, orderBy: { id: "desc" } })).actor).toMatch(
        /^break-glass:[\w-]{8}$/,
      );
    });
  });
}
