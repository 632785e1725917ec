import { adminRoute } from "@/lib/admin/guard";
import { assertCan } from "@/lib/admin/scope";
import { downloadAndReconcile, ReconcileRequestSchema } from "@/lib/bills/service";
import { json, readJson } from "@/lib/http/respond";

/** Body `{ billDate: "yyyy-mm-dd", subMchid? }` → the outcome (RECONCILED with the report, STATEMENT_CREATING, NO_STATEMENT_EXIST). */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  // Bills cover every store: owners and operators only.
  assertCan(actor, "bills");
  const body = await readJson(request, ReconcileRequestSchema);
  return json(await downloadAndReconcile(body));
});
