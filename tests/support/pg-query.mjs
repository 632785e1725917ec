#!/usr/bin/env node
// @ts-check
// Tiny pg helpers for test scripts that cannot await (execFileSync) or run before the app starts.
//   DATABASE_URL=postgresql://… node tests/support/pg-query.mjs "<sql with $1…>" [params…]   rows as JSON
//   DATABASE_URL=postgresql://… node tests/support/pg-query.mjs --create-db    create DATABASE_URL's database if missing
//                                                                              (connects to the server's "postgres" db)
import pg from "pg";

const [sql, ...params] = process.argv.slice(2);
const url = process.env.DATABASE_URL;
if (!url || !/^postgres(ql)?:/.test(url)) {
  console.error("pg-query: DATABASE_URL must be a postgresql:// URL");
  process.exit(2);
}

if (sql === "--create-db") {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!exists.rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
} else {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(/** @type {string} */ (sql), params);
    process.stdout.write(JSON.stringify(r.rows));
  } finally {
    await client.end();
  }
}
