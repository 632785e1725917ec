import { z } from "zod";
import { adminRoute } from "@/lib/admin/guard";
import { assertCan } from "@/lib/admin/scope";
import { reportToCsv } from "@/lib/bills/report-csv";
import { ALL_SCOPE, storedReport } from "@/lib/bills/service";
import { BillDateSchema } from "@/lib/time/beijing";
import { AppError } from "@/lib/errors";
import { parseWith } from "@/lib/http/respond";

const Query = z.object({
  date: BillDateSchema,
  scope: z
    .string()
    .regex(/^(ALL|\d{1,12})$/)
    .default(ALL_SCOPE),
});

/** GET ?date=yyyy-mm-dd&scope=ALL|<sub_mchid> → the stored import's reconciliation report as CSV (UTF-8 BOM, for Excel). */
export const GET = adminRoute(async (request: Request, _ctx, actor) => {
  assertCan(actor, "bills");
  const sp = new URL(request.url).searchParams;
  const { date, scope } = parseWith(Query, { date: sp.get("date") ?? undefined, scope: sp.get("scope") ?? undefined });
  const stored = await storedReport(date, scope);
  if (!stored) throw new AppError("BILL_NOT_IMPORTED", "该日期尚未下载账单，请先在后台下载并对账");
  const csv = reportToCsv(stored.report, scope === ALL_SCOPE ? "全部店铺" : `特约商户 ${scope}`);
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="reconciliation-${date}-${scope}.csv"`,
      "cache-control": "no-store",
    },
  });
});
