import { adminRoute } from "@/lib/admin/guard";
import { meOf } from "@/lib/admin/accounts";
import { json } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** The caller: account, role and scope (a break-glass session answers kind "break-glass"). */
export const GET = adminRoute(async (_request: Request, _ctx, actor) => json({ me: meOf(actor) }));
