// @ts-check
// The SQLite file used when DATABASE_URL is unset, spelled once. Plain JS (type-checked) without the
// server-only marker, so every reader can import it: the app (lib/env.ts), the Prisma CLI
// (prisma.config.ts) and the offline migration script (prisma/migrate.mjs).
export const DEFAULT_DATABASE_URL = "file:./.data/dev.db";
