import { adminRoute } from "@/lib/admin/guard";
import { startTotpEnrolment } from "@/lib/admin/two-factor";
import { json } from "@/lib/http/respond";

/** 开始设置两步验证 (the caller's own account) → 200 {secret, uri, qrSvg}; the secret is pending until confirmed. */
export const POST = adminRoute(async (_request: Request, _ctx, actor) => json(await startTotpEnrolment(actor)));
