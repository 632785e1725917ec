// Vitest global setup: one migrated + seeded template database per run; each test file copies it
// (tests/support/test-db.ts), so files run isolated and fast. Each run has its own folder, so two
// runs at once (a developer and an editor plugin, say) cannot delete each other's databases.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export default function setup() {
  const dir = path.resolve(`.data/vitest-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  process.env.TEST_DB_DIR = dir;
  const env = { ...process.env, DATABASE_URL: `file:${path.join(dir, "template.db")}` };
  execFileSync(process.execPath, ["prisma/migrate.mjs", "reset"], { env, stdio: "pipe" });
  execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], { env, stdio: "pipe" });
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
