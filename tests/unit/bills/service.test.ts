// The bill service end to end against the fake WeChat Pay (in-process, random port) and a private
// copy of the database: apply → download → SHA-1 → parse → store → reconcile, plus the admin route
// and the CLI. Uses the integration harness of tests/integration.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advancePastBillTime, paidOrdersOfToday } from "../../integration/bill-helpers";
import { startHarness, type Harness } from "../../integration/harness";

let h: Harness;
let svc: typeof import("@/lib/bills/service");
let billDate: string;
let orders: Awaited<ReturnType<typeof paidOrdersOfToday>>["orders"];

beforeAll(async () => {
  h = await startHarness({ label: "bills" });
  svc = await import("@/lib/bills/service");
  ({ orders, billDate } = await paidOrdersOfToday(h));
});
afterAll(() => h?.close());

const advancePastTenNextDay = () => advancePastBillTime(h, billDate);

describe("downloadAndReconcile", () => {
  it("STATEMENT_CREATING before 10:00 the next day: shown with when to retry, nothing stored", async () => {
    const r = await svc.downloadAndReconcile({ billDate });
    expect(r.status).toBe("STATEMENT_CREATING");
    if (r.status !== "STATEMENT_CREATING") return;
    expect(r.message).toContain("10:00");
    expect(Date.parse(r.retryAfter) - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(await h.prisma.billImport.count()).toBe(0);
  });

  it("downloads (GZIP), verifies, stores every row and matches every paid sub-order", async () => {
    await advancePastTenNextDay();
    const r = await svc.downloadAndReconcile({ billDate });
    expect(r.status).toBe("RECONCILED");
    if (r.status !== "RECONCILED") return;
    expect(r.report.ok).toBe(true);
    expect(r.report.counts.MATCHED).toBe(4);
    expect(r.report.totals.every((t) => t.ok)).toBe(true);
    const stored = await h.prisma.billImport.findMany({ include: { rows: true } });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ billDate, scope: "ALL", billType: "ALL", hashType: "SHA1", rowCount: 4, summaryTradeCount: 4 });
    const fen = orders.flatMap((o) => o.subs).reduce((a, s) => a + s.amountFen, 0);
    expect(stored[0]!.summaryOrderFen).toBe(fen);
    expect(stored[0]!.rows.map((x) => x.outTradeNo).sort()).toEqual(orders.flatMap((o) => o.subs.map((s) => s.outTradeNo)).sort());
    expect(stored[0]!.rows.every((x) => x.transactionId && !x.transactionId.includes("`"))).toBe(true);
  });

  it("a second import of the same date/scope replaces the first; the new report shows the differences", async () => {
    const before = await h.prisma.billImport.findFirstOrThrow();
    const [a, b] = [orders[0]!.subs[0]!, orders[1]!.subs[1]!];
    await h.control("/bills/overrides", { amountFen: { [a.outTradeNo]: a.amountFen + 1 }, remove: [b.outTradeNo] });
    const r = await svc.downloadAndReconcile({ billDate });
    await h.control("/bills/overrides", undefined, "DELETE");
    if (r.status !== "RECONCILED") throw new Error(r.status);
    expect(r.report.counts).toMatchObject({ MATCHED: 2, AMOUNT_DIFFERS: 1, MISSING_FROM_BILL: 1 });
    const all = await h.prisma.billImport.findMany();
    expect(all).toHaveLength(1);
    expect(all[0]!.id).not.toBe(before.id);
    expect(await h.prisma.billRow.count()).toBe(3);
  });

  it("a tampered download is rejected (BILL_HASH_MISMATCH) and the stored import is untouched", async () => {
    const before = await h.prisma.billImport.findFirstOrThrow({ include: { rows: true } });
    await h.control("/bills/overrides", { tamperNextDownload: true });
    await expect(svc.downloadAndReconcile({ billDate })).rejects.toMatchObject({
      code: "BILL_HASH_MISMATCH",
      message: expect.stringContaining("账单校验失败"),
    });
    const after = await h.prisma.billImport.findFirstOrThrow({ include: { rows: true } });
    expect(after).toEqual(before);
    // a store never imported stays absent
    await h.control("/bills/overrides", { tamperNextDownload: true });
    await expect(svc.downloadAndReconcile({ billDate, subMchid: "1900000201" })).rejects.toMatchObject({ code: "BILL_HASH_MISMATCH" });
    expect(await h.prisma.billImport.count({ where: { scope: "1900000201" } })).toBe(0);
  });

  it("one store's bill (partner mode) only expects that store's sub-orders", async () => {
    const r = await svc.downloadAndReconcile({ billDate, subMchid: "1900000201" });
    if (r.status !== "RECONCILED") throw new Error(r.status);
    expect(r.report.ok).toBe(true);
    expect(r.report.counts.MATCHED).toBe(2);
  });

  it("NO_STATEMENT_EXIST for a day without trades", async () => {
    const day = new Date(Date.parse(`${billDate}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const r = await svc.downloadAndReconcile({ billDate: day });
    expect(r.status).toBe("NO_STATEMENT_EXIST");
    if (r.status === "NO_STATEMENT_EXIST") expect(r.report).toMatchObject({ ok: true, lines: [] });
  });
});

describe("admin route and CLI", () => {
  it("POST /api/admin/bills/reconcile with a session; GET the CSV", async () => {
    const { createSessionValue } = await import("@/lib/admin/session");
    const { POST } = await import("@/app/api/admin/bills/reconcile/route");
    const { GET } = await import("@/app/api/admin/bills/report/route");
    const cookie = `admin_session=${createSessionValue(process.env.ADMIN_TOKEN!)}`;
    const res = await POST(
      new Request(`${h.appUrl}/api/admin/bills/reconcile`, {
        method: "POST",
        headers: { origin: h.appUrl, cookie, "content-type": "application/json" },
        body: JSON.stringify({ billDate }),
      }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "RECONCILED", report: { ok: true } });
    const bad = await POST(
      new Request(`${h.appUrl}/api/admin/bills/reconcile`, {
        method: "POST",
        headers: { origin: h.appUrl, cookie, "content-type": "application/json" },
        body: JSON.stringify({ billDate: "2026-02-30" }),
      }),
    );
    expect(bad.status).toBe(400);
    const csv = await GET(new Request(`${h.appUrl}/api/admin/bills/report?date=${billDate}&scope=ALL`, { headers: { cookie } }));
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toContain(`reconciliation-${billDate}-ALL.csv`);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // (Response.text() would strip it)
    const text = bytes.toString("utf8");
    expect(text).toContain(orders[0]!.subs[0]!.outTradeNo);
  });

  it("npm run bills:reconcile: exit 0 when everything matches, 1 on differences, 2 on bad usage", async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/reconcile.ts", ...args], {
        env: process.env,
      }).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const ok = await run(billDate);
    expect(ok.out).toContain("全部一致");
    expect(ok.code).toBe(0);
    await h.control("/bills/overrides", { extraRows: [{ bill_date: billDate, out_trade_no: "EXTRA0001", amount_fen: 100 }] });
    const diff = await run(billDate);
    await h.control("/bills/overrides", undefined, "DELETE");
    expect(diff.out).toContain("账单有、本地未支付");
    expect(diff.out).toContain("EXTRA0001");
    expect(diff.code).toBe(1);
    expect((await run("yesterday")).code).toBe(2);
  }, 60_000);
});
