// PUBLIC by design (the invite token is the credential; only a live invite costs more than one indexed read):
// listed in tests/unit/admin/auth-walk.test.ts.
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { InviteAcceptSchema, acceptInvite } from "@/lib/admin/invites";
import { json, readJson, route } from "@/lib/http/respond";

type Ctx = { params: Promise<{ token: string }> };

/** 接受邀请: {"password"} → 200 {username}; used, expired or unknown → 410 INVITE_GONE; a weak password → 400 naming it. */
export const POST = route(async (request: Request, { params }: Ctx) => {
  if (request.headers.get("origin") !== env().appOrigin) throw new AppError("ORIGIN_NOT_ALLOWED", "请求来源不被允许");
  const { token } = await params;
  const body = await readJson(request, InviteAcceptSchema);
  return json(await acceptInvite(token, body.password));
});
