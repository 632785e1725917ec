// ADMIN_REQUIRE_2FA_FOR_REFUNDS=true: an account that can refund must have confirmed TOTP before its refund
// goes out (403 FORBIDDEN, nothing reserved); once it has, the same refund works. The break-glass owner key
// is exempt (it has no account to enrol). A configuration rule, not a database race: SQLite only.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";
import { paidOrder } from "./refund-helpers";
import { createSessionValue, SESSION_COOKIE } from "@/lib/admin/session";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "refund-2fa", env: { ADMIN_REQUIRE_2FA_FOR_REFUNDS: "true" } });
});
afterAll(async () => {
  delete process.env.ADMIN_REQUIRE_2FA_FOR_REFUNDS;
  await h.close();
});

describe("ADMIN_REQUIRE_2FA_FOR_REFUNDS", () => {
  it("refuses a refund from an account without confirmed TOTP, allows it once confirmed", async () => {
    const { orderNo, subs } = await paidOrder(h);
    const id = `acc_op${randomBytes(4).toString("hex")}`;
    await h.prisma.adminAccount.create({
      data: { id, username: `op.${randomBytes(3).toString("hex")}`, displayName: "运营", role: "OPERATOR", passwordHash: "unused" },
    });
    const cookie = `${SESSION_COOKIE}=${createSessionValue(process.env.ADMIN_TOKEN!, Date.now(), undefined, { accountId: id, sessionVersion: 0 })}`;
    const refund = () =>
      h.call("POST", `/api/admin/orders/${orderNo}/refunds`, {
        json: { outTradeNo: subs[0]!.outTradeNo, amountFen: 100 },
        headers: { cookie, "idempotency-key": `2fa-${randomBytes(6).toString("hex")}` },
      });
    const refused = await refund();
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("两步验证") });
    expect(await h.prisma.refund.count({ where: { orderNo } })).toBe(0);
    await h.prisma.adminAccount.update({ where: { id }, data: { totpSecret: "JBSWY3DPEHPK3PXP", totpEnabledAt: new Date() } });
    const ok = await refund();
    expect(ok.status, await ok.clone().text()).toBe(201);
  });
});
