import { adminRoute } from "@/lib/admin/guard";
import { AccountCreateSchema, createAccount, listAccounts } from "@/lib/admin/accounts";
import { json, readJson } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** 账号列表 (owners only). */
export const GET = adminRoute(async (_request: Request, _ctx, actor) => json({ accounts: await listAccounts(actor) }));

/**
 * 新建账号 (owners only): {"username","displayName","role","storeIds"?,"canRefund"?,"refundLimitFen"?} →
 * 201 {account, inviteUrl} (the one-time link is shown once, never stored); a taken username → 409 ALREADY_EXISTS.
 */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  const body = await readJson(request, AccountCreateSchema);
  return json(await createAccount(actor, body), 201);
});
