// Readiness (lib/ops/readiness.ts): 200 {"status":"ready","checks":{…}} or 503 naming the failing checks.
import { json, route } from "@/lib/http/respond";
import { processReadinessDeps, readiness, readinessAnswer } from "@/lib/ops/readiness";

export const dynamic = "force-dynamic";

export const GET = route(async (_request: Request) => {
  const { status, body } = readinessAnswer(await readiness(processReadinessDeps()));
  return json(body, status);
});
