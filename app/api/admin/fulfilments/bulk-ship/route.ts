import { adminRoute } from "@/lib/admin/guard";
import { AppError } from "@/lib/errors";
import { BULK_SHIP_MAX_BYTES, bulkShip, decodeCsvBytes } from "@/lib/fulfilment/bulk";
import { readBodyCapped } from "@/lib/http/body";
import { json } from "@/lib/http/respond";

/**
 * 批量发货: a `text/csv` body of `outTradeNo,carrier,trackingNo` rows (UTF-8 or GB18030, header optional,
 * ≤ 1,000 rows, ≤ 128 KiB). Any bad row → 400 CSV_INVALID with line numbers and nothing shipped; else
 * 200 {shipped, unchanged, failed} (failed: rows that lost a race after the check, lib/fulfilment/bulk.ts).
 */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  const type = request.headers.get("content-type") ?? "";
  if (!/^text\/(csv|plain)\b/i.test(type)) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "请上传 CSV 文件（text/csv）");
  const text = decodeCsvBytes(await readBodyCapped(request, BULK_SHIP_MAX_BYTES));
  return json(await bulkShip(actor, text));
});
