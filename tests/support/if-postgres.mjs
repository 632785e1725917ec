#!/usr/bin/env node
// @ts-check
// Runs the given command only when a test PostgreSQL is configured (TEST_DATABASE_URL_PG).
// Otherwise it says the step was skipped and why, and exits 0 — or 1 when REQUIRE_POSTGRES_TESTS=1
// (set by .ci/run), so CI can never skip the Postgres tests silently.
//   usage: node tests/support/if-postgres.mjs <command> [args…]   (commands from node_modules/.bin work)
import { spawnSync } from "node:child_process";
import path from "node:path";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: node tests/support/if-postgres.mjs <command> [args…]");
  process.exit(2);
}
const what = [cmd, ...args].join(" ");
if (!process.env.TEST_DATABASE_URL_PG) {
  const why = "TEST_DATABASE_URL_PG is not set (export TEST_DATABASE_URL_PG=$(tests/support/postgres.sh start) to run them)";
  if (process.env.REQUIRE_POSTGRES_TESTS === "1") {
    console.error(`[postgres] FAIL: REQUIRE_POSTGRES_TESTS=1 but ${why}: ${what}`);
    process.exit(1);
  }
  console.warn(`[postgres] SKIPPED: ${what}\n[postgres] reason: ${why}`);
  process.exit(0);
}
const bin = path.resolve("node_modules/.bin");
const r = spawnSync(cmd, args, {
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}` },
});
process.exit(r.status ?? 1);
