import { env } from "@/lib/env";
import { bearerToken, checkAdminToken } from "@/lib/admin/token-attempts";
import { AppError } from "@/lib/errors";
import { json, route } from "@/lib/http/respond";
import { closeExpiredOrders } from "@/lib/orders/close";

/** For a scheduler: `Authorization: Bearer $ADMIN_TOKEN`. Same logic as `npm run orders:close-expired`. */
export const POST = route(async (request: Request) => {
  const token = env().adminToken;
  if (!token) throw new AppError("UNAUTHORIZED", "unauthorized");
  // Every wrong token counts against this client's limits in the scheduler's own bucket (429 past them).
  if (!(await checkAdminToken(request, bearerToken(request), token, "cron"))) throw new AppError("UNAUTHORIZED", "unauthorized");
  // A scheduler's HTTP request should not hang for long: what is left after 50 s is the next call's.
  return json(await closeExpiredOrders(new Date(), { deadline: Date.now() + 50_000 }));
});
