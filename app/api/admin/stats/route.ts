import { adminRoute } from "@/lib/admin/guard";
import { json, parseWith } from "@/lib/http/respond";
import { StatsQuerySchema, salesStatsFor } from "@/lib/stats/overview";

/**
 * GET ?from=yyyy-mm-dd&to=yyyy-mm-dd&storeId= (Beijing dates, inclusive, ≤ 366 days) → the sales overview's
 * figures: every day of the range (zeros included), per store, totals, the in-app funnel, the backlog.
 */
export const GET = adminRoute(async (request: Request, _ctx, actor) => {
  const sp = new URL(request.url).searchParams;
  const q = parseWith(StatsQuerySchema, {
    from: sp.get("from") ?? undefined,
    to: sp.get("to") ?? undefined,
    storeId: sp.get("storeId") || undefined,
  });
  // a store's staff: their stores only, another store 404, no shop-wide funnel (lib/stats/overview.ts salesStatsFor)
  return json(await salesStatsFor(actor, q, q.storeId));
});
