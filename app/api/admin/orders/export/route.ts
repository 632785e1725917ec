import { adminRoute } from "@/lib/admin/guard";
import { assertExportAllowed, ExportQuerySchema, exportCsvStream, exportFileName } from "@/lib/fulfilment/export";
import { parseWith } from "@/lib/http/respond";

/**
 * GET ?from=yyyy-mm-dd&to=yyyy-mm-dd&storeId= (Beijing dates of payment, inclusive, ≤ 366 days) → CSV, one
 * row per paid sub-order (UTF-8 BOM, CRLF, yuan strings, formulas neutralised), streamed page by page.
 */
export const GET = adminRoute(async (request: Request, _ctx, actor) => {
  const sp = new URL(request.url).searchParams;
  const q = parseWith(ExportQuerySchema, {
    from: sp.get("from") ?? undefined,
    to: sp.get("to") ?? undefined,
    storeId: sp.get("storeId") || undefined,
  });
  assertExportAllowed(actor, q);
  return new Response(exportCsvStream(actor, q), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${exportFileName(q)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
