import { timingSafeEqual, createHash } from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { json, route } from "@/lib/http/respond";
import { closeExpiredOrders } from "@/lib/orders/close";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** For a scheduler: `Authorization: Bearer $ADMIN_TOKEN`. Same logic as `npm run orders:close-expired`. */
export const POST = route(async (request: Request) => {
  const token = env().adminToken;
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
  if (!token || !given || !timingSafeEqual(digest(given), digest(token))) throw new AppError("UNAUTHORIZED", "unauthorized");
  return json(await closeExpiredOrders());
});
