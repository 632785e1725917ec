import Database from "better-sqlite3";
import { afterAll, beforeAll, describe } from "vitest";
import { billImportTests } from "./bill-import";
import { startHarness, type Harness } from "./harness";

describe("trade bill import without a long transaction", () => {
  let h: Harness;
  let other: Database.Database;
  beforeAll(async () => {
    h = await startHarness({ label: "bill-import" });
    // timeout 0: a write lock held by the import would make BEGIN IMMEDIATE fail at once.
    other = new Database(process.env.DATABASE_URL!.slice("file:".length), { timeout: 0 });
  });
  afterAll(async () => {
    other?.close();
    await h?.close();
  });

  billImportTests(
    () => h,
    () => ({
      countRows: async (importId) =>
        (other.prepare(`SELECT COUNT(*) AS n FROM "BillRow" WHERE "importId" = ?`).get(importId) as { n: number }).n,
      writeLockFree: () => {
        try {
          other.prepare("BEGIN IMMEDIATE").run();
          other.prepare("ROLLBACK").run();
          return true;
        } catch {
          return false;
        }
      },
    }),
  );
});
