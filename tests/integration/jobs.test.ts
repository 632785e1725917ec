// The job runner against SQLite with an injected clock: lease exclusivity (job-lease.ts), expiry
// closes exactly the orders past their deadline (one close call each at the fake), and the daily
// reconciliation waits for 10:00 Beijing time and retries STATEMENT_CREATING.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { JobRunner } from "@/lib/jobs/runner";
import type { JobDefinition } from "@/lib/jobs/types";
import { freshDatabaseUrl } from "../support/test-db";
import { eventually, startHarness, type Harness } from "./harness";
import { leaseTests } from "./job-lease";
import { newOrder } from "./payment-races";

const quiet = { info() {}, warn() {}, error() {} };

describe("job leases [SQLite]", () => {
  let a: PrismaClient;
  let b: PrismaClient;
  beforeAll(() => {
    const url = freshDatabaseUrl("jobs-lease");
    // Two clients on one file, as two processes would have (SQLite serialises their writes).
    a = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url, timeout: 5000 }) });
    b = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url, timeout: 5000 }) });
  });
  afterAll(async () => {
    await a.$disconnect();
    await b.$disconnect();
  });
  leaseTests(() => ({ a, b }));
});

describe("scheduled jobs (partner mode, SQLite)", () => {
  let h: Harness;
  // Imported after the harness has set DATABASE_URL (lib/db binds its client on first import).
  let closeExpiredJob: JobDefinition;
  let dailyReconcileJob: JobDefinition;
  beforeAll(async () => {
    h = await startHarness({ label: "jobs" });
    ({ closeExpiredJob } = await import("@/lib/jobs/close-expired"));
    ({ dailyReconcileJob } = await import("@/lib/jobs/daily-reconcile"));
  });
  afterAll(() => h.close());

  const clock = { t: new Date() };
  const runner = (job: JobDefinition, owner: string) =>
    new JobRunner({ db: h.prisma, jobs: [job], owner, clock: () => clock.t, tickMs: 1000, leaseMs: 60_000, log: quiet });
  const requests = () => h.control<{ method: string; path: string; status: number; code?: string }[]>("/requests");

  it("close-expired closes exactly the orders past their deadline, once each at WeChat; USER_PAYING and a payment meanwhile are respected", async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => newOrder(h)));
    const [early, atDeadline, later, userPaying, paidMeanwhile, notYet] = orders.map((o) => o.orderNo) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const t0 = new Date(Date.now() + 3600_000);
    const at = async (orderNo: string, ms: number) =>
      h.prisma.order.update({ where: { orderNo }, data: { expiresAt: new Date(t0.getTime() + ms) } });
    await at(early, -60_000);
    await at(atDeadline, 0);
    await at(later, 61_000); // expires during the next period
    await at(userPaying, -1000);
    await at(paidMeanwhile, -2000);
    await at(notYet, 3600_000);
    // The shopper is on the cashier page for one; another was paid but its notification is lost.
    await h.control("/faults", { target: "api", kind: "user_paying", orderNo: userPaying, path: "/v3/combine-transactions/out-trade-no" });
    await h.control("/faults", { target: "notify", kind: "drop", count: 100, orderNo: paidMeanwhile });
    await h.control(`/orders/${paidMeanwhile}/pay`, {});
    const closeCalls = async (orderNo: string) =>
      (await requests()).filter((r) => r.method === "POST" && r.path === `/v3/combine-transactions/out-trade-no/${orderNo}/close`).length;

    clock.t = t0;
    const r = runner(closeExpiredJob, "close-1");
    const [run] = await r.runDue();
    expect(run).toMatchObject({ outcome: "OK", counts: { examined: 4, closed: 2, paid: 1, userPaying: 1, failed: 0 } });
    expect(run!.summary).toBe("关闭 2 笔订单，1 笔已支付（未关闭），1 笔用户支付中，下次再试");
    const status = async (orderNo: string) => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status;
    expect(await Promise.all(orders.map((o) => status(o.orderNo)))).toEqual(["CLOSED", "CLOSED", "PENDING", "PENDING", "PAID", "PENDING"]);
    const closed = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: early }, include: { subOrders: true } });
    expect(closed.closeReason).toBe("EXPIRED");
    expect(closed.subOrders.every((s) => s.tradeState === "CLOSED")).toBe(true);

    // Next period: the order that expired meanwhile and the one the shopper was paying (the fault is used up).
    clock.t = new Date(t0.getTime() + 62_000);
    const [run2] = await r.runDue();
    expect(run2).toMatchObject({ outcome: "OK", counts: { examined: 2, closed: 2, paid: 0, userPaying: 0 } });
    expect(await Promise.all(orders.map((o) => status(o.orderNo)))).toEqual(["CLOSED", "CLOSED", "CLOSED", "CLOSED", "PAID", "PENDING"]);
    // A third period finds nothing; every closed order was closed at WeChat exactly once.
    clock.t = new Date(t0.getTime() + 124_000);
    expect((await r.runDue())[0]).toMatchObject({ counts: { examined: 0, closed: 0 }, summary: "关闭 0 笔订单" });
    expect(await Promise.all([early, atDeadline, later, notYet].map(closeCalls))).toEqual([1, 1, 1, 0]);
    expect(await closeCalls(userPaying)).toBe(2); // 202 USER_PAYING first, closed the next period
    const runs = await h.prisma.jobRun.findMany({ where: { job: "close-expired" }, orderBy: { seq: "asc" } });
    expect(runs.map((x) => [x.seq, x.outcome, JSON.parse(x.counts!).closed])).toEqual([
      [1, "OK", 2],
      [2, "OK", 2],
      [3, "OK", 0],
    ]);
    await h.control("/faults", undefined, "DELETE");
  });

  it(
    "one close-expired run closes every expired order, more than a batch (200) of them, not a fixed number a period",
    { timeout: 120_000 },
    async () => {
      const source = await h.prisma.order.findUniqueOrThrow({
        where: { orderNo: (await newOrder(h)).orderNo },
        include: { subOrders: true },
      });
      const at = new Date(Date.now() + 30 * 86_400_000); // far ahead: no other schedule of this file is due then
      const count = 205; // more than one batch of CLOSE_EXPIRED_BATCH (200)
      const mine: string[] = [];
      for (let i = 0; i < count; i++) {
        const orderNo = `${source.orderNo.slice(0, 20)}X${String(i).padStart(4, "0")}`;
        mine.push(orderNo);
        const { subOrders, ...order } = source;
        await h.prisma.order.create({
          data: {
            ...order,
            orderNo,
            checkoutKey: null,
            expiresAt: new Date(at.getTime() - 60_000 - i),
            subOrders: {
              create: subOrders.map(({ orderNo: _o, ...s }) => ({ ...s, outTradeNo: `${orderNo}-${s.position}` })),
            },
          },
        });
      }
      clock.t = at;
      const [run] = await runner(closeExpiredJob, "close-many").runDue();
      expect(run).toMatchObject({ outcome: "OK", counts: { failed: 0 } });
      expect(run!.counts.closed).toBeGreaterThanOrEqual(count);
      const left = await h.prisma.order.count({ where: { orderNo: { in: mine }, status: { not: "CLOSED" } } });
      expect(left).toBe(0);
    },
  );

  it("housekeeping prunes old job runs (never a running one), and a failing pruner does not stop the others", async () => {
    const { housekeepingJob, JOB_RUN_RETENTION_DAYS, PRUNERS } = await import("@/lib/jobs/housekeeping");
    const t0 = new Date(); // the other tests' runs here are recent: only the probe's old rows are due
    const old = new Date(t0.getTime() - (JOB_RUN_RETENTION_DAYS + 1) * 86_400_000);
    const recent = new Date(t0.getTime() - (JOB_RUN_RETENTION_DAYS - 1) * 86_400_000);
    const row = (seq: number, startedAt: Date, outcome: string) => ({
      job: "prune-probe",
      seq,
      owner: "x",
      scheduledFor: startedAt,
      startedAt,
      outcome,
    });
    await h.prisma.jobRun.createMany({ data: [row(1, old, "OK"), row(2, old, "FAILED"), row(3, old, "RUNNING"), row(4, recent, "OK")] });
    const failing = { name: "broken", prune: async () => Promise.reject(new Error("table missing")) };
    clock.t = t0;
    const [run] = await runner(housekeepingJob([failing, ...PRUNERS]), "hk-1").runDue();
    expect(run).toMatchObject({ outcome: "FAILED", error: "broken: table missing", counts: { jobRuns: 2 } });
    // Other pruners may find their own expired rows here (e.g. the earlier tests' 1-second prepay-budget windows,
    // once they have expired): the summary counts everything pruned, the probe's two job runs among it.
    const pruned = Object.values((run!.counts ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(run!.summary).toBe(`清理 ${pruned} 条记录`);
    expect((await h.prisma.jobRun.findMany({ where: { job: "prune-probe" }, orderBy: { seq: "asc" } })).map((r) => r.seq)).toEqual([3, 4]);
  });

  it("daily-reconcile waits for 10:00 Beijing time, retries while WeChat answers STATEMENT_CREATING, then stores and flags differences once", async () => {
    // One order paid today (the fake's business day D); one local amount differs from WeChat's.
    const { orderNo, subs } = await newOrder(h);
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status === "PAID");
    await h.prisma.subOrder.update({ where: { outTradeNo: subs[0]!.outTradeNo }, data: { amountFen: subs[0]!.amountFen + 1 } });
    const { now: fakeNow } = await h.control<{ now: string }>("/clock");
    const billDate = new Date(Date.parse(fakeNow) + 8 * 3600_000).toISOString().slice(0, 10); // D in Beijing time
    const beijing = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+08:00`);
    const nextDay = new Date(Date.parse(`${billDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const billCalls = async () => (await requests()).filter((r) => r.path.startsWith("/v3/bill/tradebill")).length;
    const before = await billCalls();

    const r = runner(dailyReconcileJob, "reconcile-1");
    clock.t = beijing(nextDay, "09:30");
    const [waiting] = await r.runDue();
    expect(waiting).toMatchObject({ outcome: "SKIPPED", summary: `等待北京时间 10:00 下载 ${billDate} 的账单` });
    expect(await billCalls()).toBe(before); // WeChat not asked before 10:00
    clock.t = beijing(nextDay, "09:59");
    expect(await r.runDue()).toEqual([]);

    // 10:00 for us, but WeChat (the fake's clock, still on day D) has not generated the bill.
    clock.t = beijing(nextDay, "10:00");
    const [creating] = await r.runDue();
    expect(creating).toMatchObject({ outcome: "RETRY", summary: `${billDate} 的账单生成中（STATEMENT_CREATING），30 分钟后重试` });
    expect(await h.prisma.billImport.count({ where: { billDate } })).toBe(0);
    clock.t = beijing(nextDay, "10:29");
    expect(await r.runDue()).toEqual([]);

    // WeChat's clock reaches 10:05 of D+1: the retry 30 minutes later gets the bill.
    const advanceSeconds = Math.ceil((beijing(nextDay, "10:05").getTime() - Date.parse(fakeNow)) / 1000);
    await h.control("/clock", { advanceSeconds });
    try {
      clock.t = beijing(nextDay, "10:30");
      const [done] = await r.runDue();
      // Stored like a manual import: the back office's report of that date shows the difference.
      const { storedReport } = await import("@/lib/bills/service");
      const stored = (await storedReport(billDate, "ALL"))!;
      const rows = stored.import.rowCount;
      const diffs = stored.report.lines.filter((l) => l.kind !== "MATCHED");
      expect(diffs.map((l) => [l.kind, l.outTradeNo])).toEqual([["AMOUNT_DIFFERS", subs[0]!.outTradeNo]]);
      expect(stored.report.totals.filter((t) => !t.ok)).toHaveLength(1); // and our paid total no longer adds up
      expect(stored.report.lines.filter((l) => subs.some((s) => s.outTradeNo === l.outTradeNo))).toHaveLength(3);
      expect(done).toMatchObject({ outcome: "OK", counts: { rows, differences: 2 } });
      expect(done!.summary).toBe(`${billDate} 对账：${rows} 条明细，发现 2 处差异`);

      // Once per bill date: nothing more until 10:00 the day after.
      const calls = await billCalls();
      clock.t = beijing(nextDay, "23:00");
      expect(await r.runDue()).toEqual([]);
      expect(await billCalls()).toBe(calls);
      const lease = await h.prisma.jobLease.findUniqueOrThrow({ where: { name: "daily-reconcile" } });
      expect(lease.nextRunAt.toISOString()).toBe(
        beijing(new Date(Date.parse(`${nextDay}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10), "10:00").toISOString(),
      );
      expect(JSON.parse(lease.state!)).toEqual({ lastBillDate: billDate });
    } finally {
      await h.control("/clock", { advanceSeconds: -advanceSeconds });
    }
  });
});
