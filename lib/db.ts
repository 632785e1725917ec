import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { databaseUrl } from "@/lib/env";

export type Db = PrismaClient;
export type { Prisma } from "@/lib/generated/prisma/client";

function createClient(url: string): PrismaClient {
  // The generated client is provider-specific: `npm run db:generate` runs with the same DATABASE_URL kind.
  if (/^postgres(ql)?:/.test(url)) return new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  // Resolve relative file: URLs against the working directory (the repo root), like prisma/migrate.mjs.
  const file = path.resolve(url.slice("file:".length));
  return new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 5000 }) });
}

// One client per process and database; survives Next.js dev hot reloads (and test files that reuse
// a worker process with another database).
const globalForPrisma = globalThis as unknown as { prisma?: { url: string; client: PrismaClient } };
const url = databaseUrl();
if (globalForPrisma.prisma?.url !== url) globalForPrisma.prisma = { url, client: createClient(url) };
export const prisma: PrismaClient = globalForPrisma.prisma.client;
