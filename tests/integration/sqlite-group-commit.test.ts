// The SQLite hot path's writes (lib/db.ts sqliteWrite): the writes queued in one turn of the event loop share one
// transaction and one durable commit, yet each is all-or-nothing on its own, isolated from the process's Prisma
// transactions, and waits out another process's lock like any write.
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "../support/test-db";

let db: typeof import("@/lib/db");
let file: string;
beforeAll(async () => {
  process.env.DATABASE_URL = freshDatabaseUrl("group-commit");
  file = process.env.DATABASE_URL.slice("file:".length);
  db = await import("@/lib/db");
  await db.prisma.order.count(); // connect before any lock is taken
});
afterAll(() => db.prisma.$disconnect());

const INSERT = `INSERT INTO "JunkNotificationCounter" ("reason", "minute", "count") VALUES (?, '1970-01-01T00:00:00.000+00:00', 1)`;
const insert = (reason: string) => (c: import("@/lib/db").SqliteDirect) => c.run(INSERT, [reason]).changes;
const rows = async (prefix: string) =>
  (await db.prisma.junkNotificationCounter.findMany({ where: { reason: { startsWith: prefix } }, orderBy: { reason: "asc" } })).map(
    (r) => r.reason,
  );

describe("sqliteWrite: group commit", () => {
  it("writes queued in one turn share one commit; a write that throws is rolled back alone and fails alone", async () => {
    const before = db.sqliteGroupCommitStats();
    const results = await Promise.allSettled([
      db.sqliteWrite(insert("share:a")),
      db.sqliteWrite((c) => {
        c.run(INSERT, ["share:b"]);
        throw new Error("b changed its mind");
      }),
      db.sqliteWrite(insert("share:c")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: "b changed its mind" });
    expect(await rows("share:")).toEqual(["share:a", "share:c"]);
    const after = db.sqliteGroupCommitStats();
    expect(after.writes - before.writes).toBe(3);
    expect(after.commits - before.commits).toBe(1);
  });

  it("each write sees the ones queued before it, as if it ran alone after them (a duplicate key fails only itself)", async () => {
    const results = await Promise.allSettled([
      db.sqliteWrite(insert("dup:x")),
      db.sqliteWrite(insert("dup:x")),
      db.sqliteWrite(insert("dup:y")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(await rows("dup:")).toEqual(["dup:x", "dup:y"]);
  });

  it("a batch that cannot commit fails every write in it, and none of them is written", async () => {
    const results = await Promise.allSettled([
      db.sqliteWrite(insert("lost:a")),
      // Ends the shared transaction under the batch's feet: nothing of the batch may survive, and every caller hears.
      db.sqliteWrite((c) => c.run("ROLLBACK")),
      db.sqliteWrite(insert("lost:c")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(await rows("lost:")).toEqual([]);
    // The connection is usable afterwards.
    await db.sqliteWrite(insert("lost:after"));
    expect(await rows("lost:")).toEqual(["lost:after"]);
  });

  it("never lands inside a Prisma transaction of this process: it survives that transaction's rollback", async () => {
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const doomed = db.prisma
      .$transaction(async (tx) => {
        await tx.junkNotificationCounter.create({ data: { reason: "iso:doomed", minute: new Date(0), count: 1 } });
        entered();
        await new Promise((r) => setTimeout(r, 200));
        throw new Error("roll back");
      })
      .catch((e: Error) => e.message);
    await inside;
    await db.sqliteWrite(insert("iso:kept"));
    expect(await doomed).toBe("roll back");
    expect(await rows("iso:")).toEqual(["iso:kept"]);
  });

  it("waits out another process's write lock, then commits", async () => {
    const other = new Database(file);
    other.prepare("BEGIN IMMEDIATE").run();
    other.prepare(INSERT).run("lock:other");
    setTimeout(() => {
      other.prepare("COMMIT").run();
      other.close();
    }, 300);
    await db.sqliteWrite(insert("lock:ours"));
    expect(await rows("lock:")).toEqual(["lock:other", "lock:ours"]);
  });

  it("sqliteRead reads while another process holds the write lock, and sees only what is committed", async () => {
    const other = new Database(file);
    other.prepare("BEGIN IMMEDIATE").run();
    other.prepare(INSERT).run("read:uncommitted");
    const n = await db.sqliteRead(
      (c) => c.all<{ n: bigint }>(`SELECT count(*) AS n FROM "JunkNotificationCounter" WHERE "reason" LIKE 'read:%'`)[0]!.n,
    );
    other.prepare("ROLLBACK").run();
    other.close();
    expect(Number(n)).toBe(0);
  });
});
