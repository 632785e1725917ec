// Liveness (lib/ops/readiness.ts): 200 while the process can serve, 503 once shutdown has begun. No database.
import { json, route } from "@/lib/http/respond";
import { healthAnswer } from "@/lib/ops/readiness";
import { processLifecycle } from "@/lib/ops/lifecycle";

export const dynamic = "force-dynamic";

export const GET = route(async (_request: Request) => {
  const { status, body } = healthAnswer(processLifecycle());
  return json(body, status);
});
