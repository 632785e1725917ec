import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { billImportTests } from "../bill-import";
import { startHarness, type Harness } from "../harness";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("trade bill import without a long transaction", () => {
  let h: Harness;
  let url: string;
  let other: pg.Client;
  beforeAll(async () => {
    url = await freshPgDatabase("bill-import");
    h = await startHarness({ label: "pg-bill-import", databaseUrl: url });
    other = new pg.Client({ connectionString: url });
    await other.connect();
  }, 60_000);
  afterAll(async () => {
    await other?.end();
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  billImportTests(
    () => h,
    () => ({
      countRows: async (importId) =>
        Number((await other.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "BillRow" WHERE "importId" = $1`, [importId])).rows[0]!.n),
    }),
  );
});
