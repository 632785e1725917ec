import { adminRoute } from "@/lib/admin/guard";
import { confirmTotpEnrolment, TotpConfirmSchema } from "@/lib/admin/two-factor";
import { json, readJson } from "@/lib/http/respond";

/** 确认两步验证: {"code"} (from the authenticator) → 200 {recoveryCodes} — shown once, stored only hashed. */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  const { code } = await readJson(request, TotpConfirmSchema);
  return json(await confirmTotpEnrolment(actor, code));
});
