// Lease exclusivity of the job runner on PostgreSQL: two runners, each with its own connection pool
// (as two processes), on one database. Same assertions as the SQLite suite (../job-lease.ts).
import { afterAll, beforeAll } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgPrismaClient } from "@/lib/generated/prisma-pg/client";
import type { Db } from "@/lib/db";
import { leaseTests } from "../job-lease";
import { createEmptyPgDatabase, describePg, dropPgDatabase, migrateAndSeed } from "../../support/pg";

describePg("job leases", () => {
  let url: string;
  let a: Db;
  let b: Db;
  beforeAll(async () => {
    url = await createEmptyPgDatabase("jobs");
    migrateAndSeed(url, { seed: false });
    a = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
    b = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }, 60_000);
  afterAll(async () => {
    await a?.$disconnect();
    await b?.$disconnect();
    if (url) await dropPgDatabase(url);
  });
  leaseTests(() => ({ a, b }));
});
