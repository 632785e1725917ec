// Personal-data retention on PostgreSQL: the same assertions as ../retention.test.ts.
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { retentionTests } from "../retention";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("personal data retention", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("retention");
    h = await startHarness({ label: "pg-retention", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  retentionTests(() => h);
});
