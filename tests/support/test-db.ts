import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** A private copy of this run's migrated, seeded template database; returns its DATABASE_URL. */
export function freshDatabaseUrl(label = "t"): string {
  const dir = process.env.TEST_DB_DIR;
  if (!dir) throw new Error("TEST_DB_DIR is not set: run tests through vitest (tests/support/global-setup.ts)");
  const file = path.join(dir, `${label}-${randomBytes(4).toString("hex")}.db`);
  fs.copyFileSync(path.join(dir, "template.db"), file);
  return `file:${file}`;
}
