// Graceful shutdown with real processes (lib/ops/shutdown.ts): two `next start` instances of the built app on
// one PostgreSQL, under a steady load of page-free API requests and checkouts, one of them in the middle of the
// close-expired job (slowed by the fake: each close answers after 2 s, so a run stays in the middle of its
// closes for about 2 s — far longer than it takes to see the run and send the signal, on however busy a
// machine). That instance gets SIGTERM.
//
//   - every request it accepted (it logged the request line, tests/support: X-Request-Id per request) got its
//     answer, none a 5xx; requests it refused (connection closed) went to the other instance, as a load
//     balancer would send them;
//   - from the signal on it never answers /api/ready with 200;
//   - it stops the job after the current order, records the run STOPPED and releases the lease: the other
//     instance takes the job over at once (well before the 30 s lease would have expired), and every expired
//     order is closed exactly once;
//   - it closes the database and exits with Next's code 143 within SHUTDOWN_TIMEOUT_MS.
// Needs `npm run build` first and TEST_DATABASE_URL_PG, like multi-process.test.ts.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma-pg/client";
import { fakeControl } from "../fake-wechatpay/control-client";
import { startFakeWechatPay, type RunningFakeWechatPay } from "../fake-wechatpay/server";
import { checkoutBody } from "../support/checkout-body";
import { describePg, dropPgDatabase, freshPgDatabase } from "../support/pg";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";

const root = path.resolve(import.meta.dirname, "../..");
const PORTS = [offsetPort(3013), offsetPort(3014)];
const FAKE_PORT = offsetPort(3113);
const APP_BASE_URL = `http://127.0.0.1:${PORTS[0]}`;
const ORIGIN = new URL(APP_BASE_URL).origin;
const LEASE_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 10_000;
const EXPIRED_ORDERS = 40;
const MID_RUN_MAX_AGE_MS = 700;
const cart = checkoutBody([{ sku: "TEA-BC-100", quantity: 1 }]);

type App = { port: number; child: ChildProcess; out: string[]; exit: Promise<{ code: number | null; at: number }> };
type Outcome = { id: string; port: number; sentAt: number; doneAt: number; status?: number; error?: string };

describePg("graceful shutdown of one of two instances, under load and mid-job", () => {
  let url: string;
  let fake: RunningFakeWechatPay;
  let db: PrismaClient;
  const apps: App[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(root, ".next/BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
    url = await freshPgDatabase("shutdown");
    db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    fake = await startFakeWechatPay({ port: FAKE_PORT, host: "127.0.0.1", notifyTimeScale: 0.01, h5Domains: ["127.0.0.1", "localhost"] });
    const env = {
      ...process.env,
      ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl: APP_BASE_URL, databaseUrl: url }),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      LOG_LEVEL: "info",
      JOBS_TICK_MS: "100",
      JOBS_LEASE_MS: String(LEASE_MS),
      JOBS_PERIODS: "close-expired=500,daily-reconcile=off,refund-sync=off,housekeeping=off",
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    } as NodeJS.ProcessEnv;
    for (const port of PORTS) {
      const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port), "-H", "127.0.0.1"], {
        cwd: root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out: string[] = [];
      let partial = "";
      child.stdout.on("data", (d: Buffer) => {
        const lines = (partial + String(d)).split("\n");
        partial = lines.pop()!;
        out.push(...lines);
      });
      child.stderr.on("data", (d: Buffer) => out.push(...String(d).split("\n")));
      const exit = new Promise<{ code: number | null; at: number }>((r) => child.once("exit", (code) => r({ code, at: Date.now() })));
      apps.push({ port, child, out, exit });
    }
    await Promise.all(apps.map((a) => waitReady(a)));
  }, 120_000);

  afterAll(async () => {
    for (const a of apps) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill("SIGKILL");
    await fake?.close();
    await db?.$disconnect();
    if (url) await dropPgDatabase(url);
  });

  it("0 failed requests among those the stopped instance accepted; the other takes the job over at once", async () => {
    // Expired orders for the job, and WeChat slowed: each close answers after 2 s, each prepay after 400 ms
    // (so checkouts are in flight when the signal arrives). A run starts its closes (4 at a time) in its first
    // 500 ms period and then waits for them: it is RUNNING for about 2 s whenever the test sees it. With 250 ms
    // closes that window was a few hundred milliseconds, and on a loaded machine the run had sometimes ended
    // (OK) before the signal arrived, instead of being STOPPED by it.
    const orderNos: string[] = [];
    for (let i = 0; i < EXPIRED_ORDERS; i++) orderNos.push((await checkout(PORTS[i % 2]!)).orderNo!);
    await fakeControl(fake.url, "/faults", {
      target: "api",
      kind: "delay",
      delayMs: 2_000,
      count: 10_000,
      path: "/v3/combine-transactions/out-trade-no/",
    });
    await fakeControl(fake.url, "/faults", {
      target: "api",
      kind: "delay",
      delayMs: 400,
      count: 10_000,
      path: "/v3/combine-transactions/h5",
    });
    await db.order.updateMany({ where: { orderNo: { in: orderNos } }, data: { expiresAt: new Date(Date.now() - 60_000) } });

    // The load: 12 clients, each alternating instances; a refused request goes to the other one (a load balancer).
    const outcomes: Outcome[] = [];
    let running = true;
    let seq = 0;
    const clients = Array.from({ length: 12 }, async (_, c) => {
      while (running) {
        const first = PORTS[(c + seq) % 2]!;
        for (const port of [first, ...PORTS.filter((p) => p !== first)]) {
          const id = `load-${c}-${++seq}`;
          const o = await send(port, id, seq % 3 === 0);
          outcomes.push(o);
          if (o.status !== undefined) break;
        }
      }
    });

    // Wait until one instance is in the middle of the job, then stop that one. "In the middle" is decided by the
    // run's age, not only by its being RUNNING: a run starts all its closes in its first moments and ends the
    // moment they answer, so a RUNNING row read just before those answers land belongs to a run that is already
    // finishing (OK, not STOPPED). A run younger than MID_RUN_MAX_AGE_MS (measured after the reads, so never
    // under-estimated) still has at least 2 s − that age of closes ahead of it when the signal is sent.
    const mid = await eventually(async () => {
      const run = await db.jobRun.findFirst({ where: { job: "close-expired", outcome: "RUNNING" }, orderBy: { seq: "desc" } });
      const closed = await db.order.count({ where: { orderNo: { in: orderNos }, status: "CLOSED" } });
      return run && closed >= 5 && Date.now() - run.startedAt.getTime() < MID_RUN_MAX_AGE_MS ? run : undefined;
    }, 60_000);
    const victim = apps.find((a) => mid.owner.split(":")[1] === String(a.child.pid))!;
    const survivor = apps.find((a) => a !== victim)!;
    expect(victim).toBeTruthy();
    const signalledAt = Date.now();
    victim.child.kill("SIGTERM");

    // From the moment it has taken the signal (its first shutdown line) it never says it is ready: 503, or no
    // connection at all.
    const readyAnswers: number[] = [];
    await eventually(async () => victim.out.some((l) => l.includes("shutdown begun")), 5_000);
    const probing = (async () => {
      while (victim.child.exitCode === null && victim.child.signalCode === null) {
        const r = await fetch(`http://127.0.0.1:${victim.port}/api/ready`).catch(() => undefined);
        if (r) readyAnswers.push(r.status);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();

    // The other instance takes the job over at once.
    const takeover = await eventually(
      () =>
        db.jobRun.findFirst({
          where: { job: "close-expired", seq: { gt: mid.seq }, owner: { not: mid.owner } },
          orderBy: { seq: "asc" },
        }),
      LEASE_MS,
    );
    const takeoverMs = takeover.startedAt.getTime() - signalledAt;

    const exit = await victim.exit;
    await probing;
    await new Promise((r) => setTimeout(r, 1000)); // load keeps going to the survivor
    running = false;
    await Promise.all(clients);

    // The stopped instance: exit code and time, its job run, its lease, its log.
    expect(exit.code).toBe(143);
    expect(exit.at - signalledAt).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(readyAnswers.filter((s) => s === 200)).toEqual([]);
    expect((await db.jobRun.findUniqueOrThrow({ where: { job_seq: { job: "close-expired", seq: mid.seq } } })).outcome).toBe("STOPPED");
    expect(takeoverMs).toBeLessThan(5_000); // not after the 30 s lease
    expect(takeover.owner.split(":")[1]).toBe(String(survivor.child.pid));
    const victimOwner = mid.owner;
    expect(await db.jobLease.count({ where: { owner: victimOwner } })).toBe(0);
    const lines = victim.out.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const messages = lines.map((l) => String(l.msg));
    expect(messages).toContain("shutdown begun: not ready any more, finishing requests in flight");
    expect(messages).toContain("shutdown: job runner stopped, leases released");
    expect(messages.at(-1)).toBe("shutdown complete: database closed, exiting");

    // Every request the stopped instance accepted was answered, none with a 5xx.
    const accepted = new Set(lines.filter((l) => l.msg === "request").map((l) => String(l.reqId)));
    const toVictim = outcomes.filter((o) => o.port === victim.port);
    const acceptedOutcomes = toVictim.filter((o) => accepted.has(o.id));
    const failedAccepted = acceptedOutcomes.filter((o) => o.status === undefined || o.status >= 500);
    const refused = toVictim.filter((o) => !accepted.has(o.id));
    expect(failedAccepted, JSON.stringify(failedAccepted.slice(0, 5))).toEqual([]);
    expect(refused.every((o) => o.status === undefined)).toBe(true); // never answered, so retried on the survivor
    expect(outcomes.filter((o) => o.status !== undefined && o.status >= 500)).toEqual([]);
    // The drain was exercised: requests were in flight at the signal and were answered.
    const inFlight = acceptedOutcomes.filter((o) => o.sentAt < signalledAt && o.doneAt > signalledAt);
    expect(inFlight.length).toBeGreaterThan(0);

    // The job's work: every expired order closed, exactly once, by one close call each.
    await eventually(
      async () => (await db.order.count({ where: { orderNo: { in: orderNos }, status: "CLOSED" } })) === EXPIRED_ORDERS,
      60_000,
    );
    const requests = await fakeControl<{ method: string; path: string; status: number }[]>(fake.url, "/requests");
    for (const orderNo of orderNos) {
      const closes = requests.filter((r) => r.method === "POST" && r.path === `/v3/combine-transactions/out-trade-no/${orderNo}/close`);
      expect(closes.map((r) => r.status)).toEqual([204]);
      const events = await db.paymentEvent.findMany({ where: { orderNo, source: "CLOSE" } });
      expect(events.map((e) => e.outcome)).toEqual(["APPLIED"]);
    }
    console.log(
      `[shutdown] ${toVictim.length} requests to the stopped instance: ${acceptedOutcomes.length} accepted (0 failed, ${inFlight.length} in flight at the signal), ` +
        `${refused.length} refused and sent to the other; exit ${exit.code} after ${exit.at - signalledAt} ms; ` +
        `job taken over ${takeoverMs} ms after the signal (lease ${LEASE_MS} ms)`,
    );
  }, 180_000);

  async function checkout(port: number, id?: string): Promise<{ status: number; orderNo?: string }> {
    const res = await fetch(`http://127.0.0.1:${port}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: ORIGIN, ...(id ? { "x-request-id": id } : {}) },
      body: JSON.stringify(cart),
    });
    const body = (await res.json().catch(() => ({}))) as { orderNo?: string };
    return { status: res.status, orderNo: body.orderNo };
  }

  async function send(port: number, id: string, write: boolean): Promise<Outcome> {
    const sentAt = Date.now();
    try {
      if (write) return { id, port, sentAt, status: (await checkout(port, id)).status, doneAt: Date.now() };
      const res = await fetch(`http://127.0.0.1:${port}/api/products`, { headers: { "x-request-id": id } });
      await res.arrayBuffer();
      return { id, port, sentAt, doneAt: Date.now(), status: res.status };
    } catch (e) {
      return { id, port, sentAt, doneAt: Date.now(), error: String((e as Error).cause ?? e) };
    }
  }
});

async function waitReady(a: App): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (a.child.exitCode !== null) throw new Error(`app on ${a.port} exited:\n${a.out.join("\n")}`);
    const res = await fetch(`http://127.0.0.1:${a.port}/api/ready`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`app on ${a.port} not ready:\n${a.out.join("\n")}`);
}

async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
