// PostgreSQL for tests. TEST_DATABASE_URL_PG names a throw-away server (tests/support/postgres.sh
// start prints one; .ci/run starts it and exports the variable). Each suite gets its own freshly
// migrated and seeded database on that server, dropped afterwards.
//
// Without TEST_DATABASE_URL_PG the Postgres suites are skipped and say why. With
// REQUIRE_POSTGRES_TESTS=1 (set by .ci/run) a missing server is a failure instead, so CI cannot
// silently skip them.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { describe, it } from "vitest";

export const PG_URL = process.env.TEST_DATABASE_URL_PG || undefined;
export const PG_REQUIRED = process.env.REQUIRE_POSTGRES_TESTS === "1";
export const PG_SKIP_REASON =
  "TEST_DATABASE_URL_PG is not set (start a throw-away server: export TEST_DATABASE_URL_PG=$(tests/support/postgres.sh start))";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * describe() that runs only against a real PostgreSQL: skipped with the reason in its name when no
 * server is configured, failing when REQUIRE_POSTGRES_TESTS=1.
 */
export function describePg(name: string, fn: () => void): void {
  if (!PG_URL && PG_REQUIRED) {
    describe(`${name} [PostgreSQL]`, () => {
      it("needs a PostgreSQL server", () => {
        throw new Error(`REQUIRE_POSTGRES_TESTS=1 but ${PG_SKIP_REASON}`);
      });
    });
    return;
  }
  // Conditional on the machine: CI always has a server and sets REQUIRE_POSTGRES_TESTS=1 (.ci/run).
  if (!PG_URL) console.warn(`[postgres] skipping "${name}": ${PG_SKIP_REASON}`);
  describe.skipIf(!PG_URL)(PG_URL ? `${name} [PostgreSQL]` : `${name} [PostgreSQL — SKIPPED: ${PG_SKIP_REASON}]`, fn);
}

/** URL of another database on the TEST_DATABASE_URL_PG server. */
export function pgDatabaseUrl(database: string, base = PG_URL): string {
  if (!base) throw new Error(PG_SKIP_REASON);
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function pgAdmin<T>(fn: (c: pg.Client) => Promise<T>, base = PG_URL): Promise<T> {
  if (!base) throw new Error(PG_SKIP_REASON);
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database named wcp_<label>_<random>; returns its URL. */
export async function createEmptyPgDatabase(label: string): Promise<string> {
  const name = `wcp_${label.replace(/\W/g, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
  return pgDatabaseUrl(name);
}

/** Applies the Postgres migrations (prisma/postgresql/migrations) and seeds the demo catalogue. */
export function migrateAndSeed(databaseUrl: string, opts: { seed?: boolean } = {}): void {
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  execFileSync(process.execPath, ["prisma/migrate.mjs", "deploy"], { cwd: root, env, stdio: "pipe" });
  if (opts.seed !== false)
    execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], { cwd: root, env, stdio: "pipe" });
}

/** A fresh, migrated and seeded database for one suite. */
export async function freshPgDatabase(label: string): Promise<string> {
  const url = await createEmptyPgDatabase(label);
  migrateAndSeed(url);
  return url;
}

export async function dropPgDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
