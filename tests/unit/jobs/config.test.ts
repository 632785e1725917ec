import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv } from "@/lib/env";
import { configureJobs } from "@/lib/jobs/registry";
import { describeError } from "@/lib/jobs/runner";
import { countingJob, type JobDefinition } from "@/lib/jobs/types";

const jobs: JobDefinition[] = ["close-expired", "daily-reconcile", "housekeeping"].map((name) => ({
  name,
  label: name,
  description: name,
  periodMs: 60_000,
  run: async () => ({ counts: {}, summary: "" }),
}));

describe("job configuration", () => {
  it("the runner is on by default, off in NODE_ENV=test unless asked, off with JOBS_ENABLED=false", () => {
    expect(parseEnv({ NODE_ENV: "development" }).jobs).toEqual({ enabled: true, tickMs: 5000, leaseMs: 60_000, periods: {} });
    expect(parseEnv({ NODE_ENV: "test" }).jobs.enabled).toBe(false);
    expect(parseEnv({ NODE_ENV: "test", JOBS_ENABLED: "true" }).jobs.enabled).toBe(true);
    expect(parseEnv({ NODE_ENV: "development", JOBS_ENABLED: "false" }).jobs.enabled).toBe(false);
    expect(parseEnv({ NODE_ENV: "development", JOBS_ENABLED: "0" }).jobs.enabled).toBe(false);
  });

  it("JOBS_PERIODS overrides periods per job and can turn one off; bad values name the variable", () => {
    const e = parseEnv({ NODE_ENV: "development", JOBS_PERIODS: "close-expired=2000,daily-reconcile=off", JOBS_TICK_MS: "200" });
    expect(e.jobs.periods).toEqual({ "close-expired": 2000, "daily-reconcile": "off" });
    expect(e.jobs.tickMs).toBe(200);
    const configured = configureJobs(e.jobs.periods, jobs);
    expect(configured.map((c) => [c.job.name, c.enabled, c.job.periodMs])).toEqual([
      ["close-expired", true, 2000],
      ["daily-reconcile", false, 60_000],
      ["housekeeping", true, 60_000],
    ]);
    for (const [name, value] of [
      ["JOBS_PERIODS", "close-expired:2000"],
      ["JOBS_PERIODS", "close-expired=5"],
      ["JOBS_ENABLED", "yes"],
      ["JOBS_TICK_MS", "0"],
      ["JOBS_LEASE_MS", "10"],
    ] as const) {
      expect(() => parseEnv({ NODE_ENV: "development", [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
    }
    expect(() => configureJobs({ "close-expird": 1000 }, jobs)).toThrow(ConfigError);
    expect(() => configureJobs({ "close-expird": 1000 }, jobs)).toThrow(/JOBS_PERIODS names an unknown job "close-expird"/);
  });

  it("countingJob turns a sync function's numeric answer into counts and a summary (one-line registration)", async () => {
    const job = countingJob("refund-sync", "同步退款", 60_000, async () => ({ queried: 4, succeeded: 1, note: "x" }));
    const r = await job.run({ now: () => new Date(), signal: new AbortController().signal, state: undefined, periodMs: 60_000 });
    expect(r).toEqual({ counts: { queried: 4, succeeded: 1 }, summary: "queried 4 · succeeded 1" });
  });

  it("describeError keeps the cause chain and codes, bounded", () => {
    const e = Object.assign(new Error("下载失败", { cause: new TypeError("fetch failed", { cause: "ECONNRESET" }) }), {
      code: "WECHATPAY_UNAVAILABLE",
    });
    expect(describeError(e)).toBe("Error WECHATPAY_UNAVAILABLE: 下载失败 ← caused by TypeError: fetch failed ← caused by ECONNRESET");
    expect(describeError(new Error("x".repeat(5000))).length).toBe(1000);
  });
});

describe("overdue badge", () => {
  it("marks only pending orders at or past their deadline", async () => {
    const { isOverdue } = await import("@/lib/admin/format");
    const now = new Date("2026-12-01T02:00:00Z");
    expect(isOverdue({ status: "PENDING", expiresAt: new Date("2026-12-01T01:59:59Z") }, now)).toBe(true);
    expect(isOverdue({ status: "PENDING", expiresAt: "2026-12-01T02:00:00.000Z" }, now)).toBe(true);
    expect(isOverdue({ status: "PENDING", expiresAt: new Date("2026-12-01T02:00:01Z") }, now)).toBe(false);
    expect(isOverdue({ status: "CLOSED", expiresAt: new Date("2026-11-30T00:00:00Z") }, now)).toBe(false);
    expect(isOverdue({ status: "PAID", expiresAt: new Date("2026-11-30T00:00:00Z") }, now)).toBe(false);
  });
});
