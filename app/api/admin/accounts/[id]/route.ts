import { adminRoute } from "@/lib/admin/guard";
import { AccountPatchSchema, updateAccount } from "@/lib/admin/accounts";
import { AppError } from "@/lib/errors";
import { json, readJson } from "@/lib/http/respond";

type Ctx = { params: Promise<{ id: string }> };

/**
 * 修改账号 (owners only): any of {"displayName","role","storeIds","canRefund","refundLimitFen","disabled",
 * "resetPassword","signOutEverywhere","resetTotp"} → 200 {account, inviteUrl?}. The last active owner cannot be
 * disabled or demoted (409 LAST_OWNER). Role, stores, disabling and resets end the account's open sessions.
 */
export const PATCH = adminRoute(async (request: Request, { params }: Ctx, actor) => {
  const { id } = await params;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new AppError("ACCOUNT_NOT_FOUND", "账号不存在");
  const body = await readJson(request, AccountPatchSchema);
  return json(await updateAccount(actor, id, body));
});
