import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { hardeningTests } from "../hardening";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("open endpoints under abuse", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("hardening");
    h = await startHarness({ label: "pg-hardening", databaseUrl: url });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  hardeningTests(() => h);
});
