// Vitest global setup: one migrated + seeded template database; each test file copies it
// (tests/support/test-db.ts), so files run isolated and fast.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export const TEMPLATE_DB = path.resolve(".data/test-template.db");

export default function setup() {
  fs.mkdirSync(path.dirname(TEMPLATE_DB), { recursive: true });
  for (const f of fs.readdirSync(".data")) if (/^test-.*\.db(-journal)?$/.test(f)) fs.rmSync(path.join(".data", f), { force: true });
  const env = { ...process.env, DATABASE_URL: `file:${TEMPLATE_DB}` };
  execFileSync(process.execPath, ["prisma/migrate.mjs", "reset"], { env, stdio: "pipe" });
  execFileSync(process.execPath, ["--import", "tsx", "prisma/seed.ts"], { env, stdio: "pipe" });
}
