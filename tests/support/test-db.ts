import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";

/** A private copy of the migrated, seeded template database; returns its DATABASE_URL. */
export function freshDatabaseUrl(label = "t"): string {
  const file = path.resolve(`.data/test-${label}-${randomBytes(4).toString("hex")}.db`);
  fs.copyFileSync(path.resolve(".data/test-template.db"), file);
  return `file:${file}`;
}
