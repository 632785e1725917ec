// The SQLite file used when DATABASE_URL is unset. Its own module, without the server-only marker, because
// prisma.config.ts (loaded by the Prisma CLI, outside Next.js) needs it too; prisma/migrate.mjs repeats it
// (plain JS cannot import a .ts file).
export const DEFAULT_DATABASE_URL = "file:./.data/dev.db";
