// One SQLite connection per process: a write outside a transaction must never land inside another
// request's open transaction (and vanish with its rollback).
import { afterAll, beforeAll, expect, it } from "vitest";
import { freshDatabaseUrl } from "../support/test-db";

let prisma: typeof import("@/lib/db").prisma;
beforeAll(async () => {
  process.env.DATABASE_URL = freshDatabaseUrl("isolation");
  ({ prisma } = await import("@/lib/db"));
});
afterAll(() => prisma.$disconnect());

it("a write made while another transaction is open survives that transaction's rollback", async () => {
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const doomed = prisma
    .$transaction(async (db) => {
      await db.store.update({ where: { id: "chayu" }, data: { name: "will be rolled back" } });
      entered();
      await new Promise((r) => setTimeout(r, 200));
      throw new Error("roll back");
    })
    .catch((e: Error) => e.message);

  await inside;
  await prisma.paymentEvent.create({ data: { source: "QUERY", verified: true, outcome: "NO_CHANGE", reason: "outside" } });
  expect(await doomed).toBe("roll back");

  expect(await prisma.paymentEvent.count({ where: { reason: "outside" } })).toBe(1);
  expect((await prisma.store.findUniqueOrThrow({ where: { id: "chayu" } })).name).toBe("茶语轩茶叶铺");
});
