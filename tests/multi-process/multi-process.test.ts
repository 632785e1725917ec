// Acceptance for several app instances behind a load balancer: two `next start` processes of the
// built app (production mode) on different ports share one PostgreSQL and one fake WeChat Pay.
// Duplicate notifications and "check payment" queries hit both processes at the same moment; the
// order must change exactly once, every delivery must be acknowledged and every attempt audited.
// Needs `npm run build` first (npm test runs it before test:pg) and TEST_DATABASE_URL_PG.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma-pg/client";
import { startFakeWechatPay, type RunningFakeWechatPay } from "../fake-wechatpay/server";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { describePg, dropPgDatabase, freshPgDatabase } from "../support/pg";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";

const root = path.resolve(import.meta.dirname, "../..");
const PORTS = [offsetPort(3011), offsetPort(3012)];
const FAKE_PORT = offsetPort(3111);
// Both instances are one site: the same public base URL (the load balancer's), so the same Origin
// and notify_url. Requests go to each instance's own port.
const APP_BASE_URL = `http://127.0.0.1:${PORTS[0]}`;
const ORIGIN = new URL(APP_BASE_URL).origin;
const cart = { items: [{ sku: "TEA-BC-100", quantity: 1 }, { sku: "BAK-CK-02", quantity: 2 }, { sku: "STA-NB-A5", quantity: 1 }] };

describePg("two app processes, one database", () => {
  let url: string;
  let fake: RunningFakeWechatPay;
  let db: PrismaClient;
  const apps: { port: number; child: ChildProcess; log: string[] }[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
    url = await freshPgDatabase("multi");
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    fake = await startFakeWechatPay({ port: FAKE_PORT, host: "127.0.0.1", notifyTimeScale: 0.01, h5Domains: ["127.0.0.1", "localhost"] });
    const env = {
      ...process.env,
      ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl: APP_BASE_URL, databaseUrl: url }),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
    } as NodeJS.ProcessEnv;
    for (const port of PORTS) {
      const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const log: string[] = [];
      child.stdout.on("data", (d: Buffer) => log.push(String(d)));
      child.stderr.on("data", (d: Buffer) => log.push(String(d)));
      apps.push({ port, child, log });
    }
    await Promise.all(apps.map((a) => waitReady(a.port, a.child, a.log)));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => stop(a.child)));
    await fake?.close();
    await db?.$disconnect();
    if (url) await dropPgDatabase(url);
  });

  async function newOrder() {
    const res = await fetch(`http://127.0.0.1:${PORTS[1]}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN },
      body: JSON.stringify(cart),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { orderNo } = (await res.json()) as { orderNo: string };
    const subs = await db.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
    return { orderNo, subs };
  }

  const deliver = (port: number, body: string, headers: Record<string, string>) =>
    fetch(`http://127.0.0.1:${port}/api/wechatpay/notify`, { method: "POST", headers, body });
  const checkPayment = (port: number, orderNo: string) =>
    fetch(`http://127.0.0.1:${port}/api/orders/${orderNo}/query`, { method: "POST", headers: { origin: ORIGIN } });

  it("both processes serve the same PostgreSQL-backed catalogue", async () => {
    for (const port of PORTS) {
      const res = await fetch(`http://127.0.0.1:${port}/api/products`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { products: unknown[] }).products.length).toBe(await db.product.count({ where: { active: true } }));
    }
  });

  it("100 deliveries of the same notification across both processes: one transition, all 204, all audited", async () => {
    const { orderNo, subs } = await newOrder();
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);
    const started = Date.now();
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => deliver(PORTS[i % 2]!, body, headers)));
    const ms = Date.now() - started;
    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(204));

    const events = await db.paymentEvent.findMany({ where: { orderNo } });
    expect(events).toHaveLength(100);
    expect(events.every((e) => e.source === "NOTIFY" && e.verified)).toBe(true);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(99);
    const o = await db.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: true } });
    expect(o.status).toBe("PAID");
    expect(o.paidAt).not.toBeNull();
    expect(o.subOrders.every((s) => s.tradeState === "SUCCESS" && s.transactionId && s.successTime)).toBe(true);
    console.log(`[multi-process] 100 notifications over ${PORTS.length} processes in ${ms} ms`);
  });

  it("50 'check payment' queries and 50 notifications racing across both processes: one transition, at most one WeChat query", async () => {
    const { orderNo, subs } = await newOrder();
    // Paid at WeChat; its own notification is dropped, so only our racing requests can tell.
    await control("/faults", { target: "notify", kind: "drop", count: 1000, orderNo });
    await control(`/orders/${orderNo}/pay`, {});
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? checkPayment(PORTS[(i / 2) % 2]!, orderNo) : deliver(PORTS[((i - 1) / 2) % 2]!, body, headers),
      ),
    );
    const ms = Date.now() - started;
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((_, i) => i % 2 === 0)).toEqual(Array(50).fill(200));
    expect(statuses.filter((_, i) => i % 2 === 1)).toEqual(Array(50).fill(204));
    // A query that lost the per-order lease answers what our database held at that moment.
    for (const r of replies.filter((_, i) => i % 2 === 0)) expect(["PENDING", "PAID"]).toContain(((await r.json()) as { status: string }).status);

    // The lease is a conditional UPDATE in the shared database: across both processes at most one
    // of the 50 queries reached WeChat.
    const log = (await (await fetch(`${fake.url}/__fake/requests`)).json()) as { method: string; path: string }[];
    const queried = log.filter((r) => r.method === "GET" && r.path.includes(`/out-trade-no/${orderNo}`)).length;
    expect(queried).toBeLessThanOrEqual(1);
    const events = await db.paymentEvent.findMany({ where: { orderNo } });
    expect(events).toHaveLength(50 + queried);
    expect(events.filter((e) => e.source === "QUERY")).toHaveLength(queried);
    expect(events.filter((e) => e.source === "NOTIFY")).toHaveLength(50);
    expect(events.filter((e) => e.outcome === "APPLIED")).toHaveLength(1);
    expect(events.filter((e) => e.outcome === "DUPLICATE")).toHaveLength(49 + queried);
    expect((await db.order.findUniqueOrThrow({ where: { orderNo } })).status).toBe("PAID");
    await control("/faults", undefined, "DELETE");
    console.log(`[multi-process] 50 queries + 50 notifications over ${PORTS.length} processes in ${ms} ms`);
  });

  async function control(pathname: string, body?: unknown, method?: string) {
    const res = await fetch(`${fake.url}/__fake${pathname}`, {
      method: method ?? (body === undefined ? "GET" : "POST"),
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`fake control ${pathname} → ${res.status} ${await res.text()}`);
  }
});

async function waitReady(port: number, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start on ${port} exited (${child.exitCode}):\n${log.join("")}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/products`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start on ${port} not ready:\n${log.join("")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}
