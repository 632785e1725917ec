// Migrations from one commit apply to an empty PostgreSQL and to an empty SQLite, and neither
// history drifts from the one source schema. The uniqueness rules the app relies on are database
// constraints that PostgreSQL enforces (and reports as Prisma's P2002, which checkout relies on).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PgPrismaClient, Prisma } from "@/lib/generated/prisma-pg/client";
import { createEmptyPgDatabase, describePg, dropPgDatabase, migrateAndSeed, pgAdmin } from "../../support/pg";

const root = path.resolve(import.meta.dirname, "../../..");
const migrate = (url: string, ...args: string[]) =>
  spawnSync(process.execPath, ["prisma/migrate.mjs", ...args], { cwd: root, env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
const migrationNames = (dir: string) =>
  fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();

describe("one source schema", () => {
  it("prisma/postgresql/schema.prisma is derived from prisma/schema.prisma (schema-pg --check)", () => {
    const r = spawnSync(process.execPath, ["prisma/schema-pg.mjs", "--check"], { cwd: root, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("SQLite: the migrations apply to an empty database and match the schema", () => {
    const file = path.join(root, `.data/test-migrations-${randomBytes(4).toString("hex")}.db`);
    try {
      const url = `file:${file}`;
      const deploy = migrate(url, "deploy");
      expect(deploy.status, deploy.stderr).toBe(0);
      expect(deploy.stdout).toContain(`Applied: ${migrationNames("prisma/migrations").join(", ")}`);
      expect(migrate(url, "status").status).toBe(0);
      const diff = migrate(url, "diff");
      expect(diff.status, diff.stdout + diff.stderr).toBe(0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});

describePg("migrations", () => {
  let url: string;
  let db: PgPrismaClient | undefined;
  afterAll(async () => {
    await db?.$disconnect();
    if (url) await dropPgDatabase(url);
  });

  it("apply to an empty PostgreSQL, then report nothing pending", async () => {
    url = await createEmptyPgDatabase("migrations");
    const before = migrate(url, "status");
    expect(before.status).toBe(1); // everything pending
    const deploy = migrate(url, "deploy");
    expect(deploy.status, deploy.stderr).toBe(0);
    expect(deploy.stdout).toContain(`Applied: ${migrationNames("prisma/postgresql/migrations").join(", ")}`);
    expect(migrate(url, "deploy").stdout).toContain("No pending migrations.");
    const status = migrate(url, "status");
    expect(status.status, status.stdout).toBe(0);
  });

  it("the Postgres migration history matches the schema (drift check: migrate.mjs diff exits 0)", async () => {
    const shadowsBefore = await shadowDatabases();
    const diff = migrate(url, "diff");
    expect(diff.stdout.trim(), diff.stderr).toBe("-- This is an empty migration.");
    expect(diff.status).toBe(0);
    // The adapter-pg shadow-database bug (docs/prisma-offline.md) would replay the migrations
    // into the main database or leak temporary databases: neither may happen.
    expect(await shadowDatabases()).toEqual(shadowsBefore);
    expect(migrate(url, "status").status).toBe(0);
  });

  it("the seed runs, and the unique rules are enforced by PostgreSQL as P2002", async () => {
    migrateAndSeed(url);
    db = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    expect(await db.product.count()).toBeGreaterThan(0);

    const indexes = (
      await pgAdmin((c) => c.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"), url)
    ).rows.map((r) => r.indexname);
    expect(indexes).toEqual(
      expect.arrayContaining([
        "Order_pkey",
        "Order_checkoutKey_key",
        "SubOrder_pkey",
        "SubOrder_transactionId_key",
        "Store_subMchid_key",
        "Store_mchid_key",
        "BillImport_currentKey_key",
      ]),
    );

    const order = (orderNo: string, checkoutKey: string | null) => ({
      orderNo,
      mode: "partner",
      combineMchid: "1900000109",
      combineAppid: "wxd930ea5d5a258f4f",
      totalFen: 1,
      payerIp: "127.0.0.1",
      expiresAt: new Date(Date.now() + 60_000),
      checkoutKey,
    });
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e) => (e instanceof Prisma.PrismaClientKnownRequestError ? e.code : String(e)),
      );

    await db.order.create({ data: order("CTESTPG000000000001", "key-pg-00000001") });
    expect(await code(db.order.create({ data: order("CTESTPG000000000001", null) }))).toBe("P2002");
    expect(await code(db.order.create({ data: order("CTESTPG000000000002", "key-pg-00000001") }))).toBe("P2002");
    // Many NULL checkout keys are fine (NULLs are distinct in a unique index, as in SQLite).
    expect(await code(db.order.create({ data: order("CTESTPG000000000003", null) }))).toBe("ok");
    expect(await code(db.order.create({ data: order("CTESTPG000000000004", null) }))).toBe("ok");

    // The same error class as the SQLite client's: checkout's `instanceof Prisma.PrismaClientKnownRequestError` holds.
    const sqliteNs = (await import("@/lib/generated/prisma/client")).Prisma;
    expect(sqliteNs.PrismaClientKnownRequestError).toBe(Prisma.PrismaClientKnownRequestError);
  });
  it("DateTime values are UTC whatever the server's TimeZone (e.g. Asia/Shanghai)", async () => {
    const name = new URL(url).pathname.slice(1);
    await pgAdmin((c) => c.query(`ALTER DATABASE "${name}" SET timezone = 'Asia/Shanghai'`));
    const shanghai = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    try {
      const [tz] = await shanghai.$queryRawUnsafe<{ TimeZone: string }[]>("SHOW timezone");
      expect(tz?.TimeZone).toBe("Asia/Shanghai");
      const before = Date.now();
      const expiresAt = new Date("2026-11-27T10:00:00.000Z");
      const o = await shanghai.order.create({
        data: {
          orderNo: "CTESTPGTZ0000000001",
          mode: "partner",
          combineMchid: "1900000109",
          combineAppid: "wxd930ea5d5a258f4f",
          totalFen: 1,
          payerIp: "127.0.0.1",
          expiresAt,
        },
      });
      const back = await shanghai.order.findUniqueOrThrow({ where: { orderNo: o.orderNo } });
      expect(back.expiresAt.toISOString()).toBe(expiresAt.toISOString());
      // @default(now()) is filled in by Prisma (UTC), not by the server's local CURRENT_TIMESTAMP.
      expect(Math.abs(back.createdAt.getTime() - before)).toBeLessThan(60_000);
      expect(await shanghai.order.count({ where: { orderNo: o.orderNo, expiresAt: { lte: expiresAt } } })).toBe(1);
    } finally {
      await shanghai.$disconnect();
    }
  });
});

async function shadowDatabases(): Promise<string[]> {
  const r = await pgAdmin((c) => c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'prisma_%' ORDER BY 1"));
  return r.rows.map((x) => x.datname);
}
