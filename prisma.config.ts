import { defineConfig } from "prisma/config";
import { DEFAULT_DATABASE_URL } from "./lib/database-url.mjs";

// One source schema: SQLite by default, PostgreSQL when DATABASE_URL says so (derived schema).
// Only `prisma generate` uses this file; migrations run through prisma/migrate.mjs (offline wasm engine).
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const dir = /^postgres(ql)?:/.test(url) ? "prisma/postgresql" : "prisma";

export default defineConfig({
  schema: `${dir}/schema.prisma`,
  migrations: { path: `${dir}/migrations` },
  datasource: { url },
});
