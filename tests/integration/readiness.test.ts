// /api/health and /api/ready on SQLite (tests/integration/readiness.ts), and a database that never answers.
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";
import { readinessTests } from "./readiness";

describe("health and readiness [SQLite]", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: "readiness" });
  });
  afterAll(() => h?.close());
  readinessTests(() => h, {
    rowCounts: async () => {
      const tables = await h.prisma.$queryRawUnsafe<{ name: string }[]>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      );
      const counts: Record<string, number> = {};
      for (const { name } of tables)
        counts[name] = Number((await h.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM "${name}"`))[0]!.n);
      return counts;
    },
  });
});

describe("a database that accepts connections and never answers", () => {
  let blackhole: net.Server;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    blackhole = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => blackhole.close(() => r()));
  });

  it("ready answers 503 naming the database within its 1 s budget, and at once while the first ask hangs", async () => {
    const { DatabaseChecker, readiness } = await import("@/lib/ops/readiness");
    const { Lifecycle } = await import("@/lib/ops/lifecycle");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { PrismaClient } = await import("@/lib/generated/prisma-pg/client");
    const port = (blackhole.address() as AddressInfo).port;
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: `postgresql://u@127.0.0.1:${port}/x` }) });
    const database = new DatabaseChecker({
      ping: async () => void (await db.$queryRawUnsafe("SELECT 1")),
      appliedMigrations: async () => [],
      expectedMigrations: () => [],
    });
    const deps = { lifecycle: new Lifecycle(), database, wechatpay: () => "ok" as const, jobs: () => "off" as const };
    const started = Date.now();
    expect(await readiness(deps)).toMatchObject({ status: "not-ready", failing: expect.arrayContaining(["database"]) });
    expect(Date.now() - started).toBeLessThan(1500);
    const again = Date.now();
    expect((await readiness(deps)).failing).toContain("database");
    expect(Date.now() - again).toBeLessThan(100);
    for (const s of sockets) s.destroy(); // the hanging connection attempt fails; then the client can close
    await db.$disconnect().catch(() => undefined);
  });
});
