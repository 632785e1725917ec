// Two processes on one SQLite file (a CLI job next to the server, or two instances on one machine): each groups its
// payment writes into shared commits (lib/db.ts sqliteWrite), and the order still moves exactly once, because every
// write is the conditional update of its own savepoint inside a transaction begun IMMEDIATE.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";
import { insertOrder } from "./order-fixtures";
import { combineTransaction } from "../support/notification-signer";
import { testAppEnv } from "../support/test-identity";

const root = path.resolve(import.meta.dirname, "../..");
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "sqlite-two-processes" });
});
afterAll(() => h?.close());

it("two processes apply the same payment 25 times each at the same moment: one APPLIED, 49 DUPLICATE, paid once", async () => {
  const order = await insertOrder(h.prisma, { subs: [{ store: "chayu" }, { store: "xiangxiang", quantity: 2 }] });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wcp-two-")), "tx.json");
  fs.writeFileSync(file, JSON.stringify(combineTransaction(order.orderNo, order.subs)));
  const env = {
    ...process.env,
    ...testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "http://127.0.0.1:3000", databaseUrl: process.env.DATABASE_URL! }),
  };
  // Both start at the same wall-clock moment, after tsx has loaded (a few seconds on a busy machine).
  const startAt = String(Date.now() + 6_000);
  const child = () =>
    promisify(execFile)(
      path.join(root, "node_modules/.bin/tsx"),
      ["--conditions=react-server", "tests/support/apply-payment-child.ts", file, "25", startAt],
      { cwd: root, env, timeout: 60_000 },
    );
  const outputs = await Promise.all([child(), child()]);
  const outcomes = outputs.flatMap((o) => JSON.parse(o.stdout.trim().split("\n").at(-1)!) as string[]);
  expect(outcomes).toHaveLength(50);
  expect(outcomes.filter((o) => o === "APPLIED")).toHaveLength(1);
  expect(outcomes.filter((o) => o === "DUPLICATE")).toHaveLength(49);

  const stored = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: order.orderNo }, include: { subOrders: true, events: true } });
  expect(stored.status).toBe("PAID");
  expect(stored.subOrders.map((s) => s.tradeState)).toEqual(["SUCCESS", "SUCCESS"]);
  expect(stored.events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
  expect(stored.events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(49);
}, 90_000);
