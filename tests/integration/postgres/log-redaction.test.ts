// Logs of a whole e2e run hold no secret (tests/integration/log-redaction.ts), on PostgreSQL.
import { afterAll, beforeAll, vi } from "vitest";
import { startHarness, type Harness } from "../harness";
import { logRedactionTests } from "../log-redaction";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

vi.hoisted(() => {
  process.env.LOG_LEVEL = "trace";
});

describePg("log redaction over an e2e run", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("log-redaction");
    h = await startHarness({ label: "pg-log-redaction", databaseUrl: url, refundDelayMs: null });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });
  logRedactionTests(() => h);
});
