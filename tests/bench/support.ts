// Shared plumbing for the benchmark: child processes that die with us, readiness polling, and a thin
// closed-loop load generator (undici, Node's own HTTP client) that records every response's status
// and exact latency.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { Client } from "undici";
import { testAppEnv } from "../support/test-identity";
import v8 from "node:v8";
import vm from "node:vm";

// The bench's process builds large heaps (every notification of a run signed beforehand, every latency kept). Left
// to itself, V8 collects them whenever it sees fit — for instance once this process goes idle, in the middle of an
// open-loop run, with parallel marking on both cores, which shows as a stall of the measured server. So a full
// collection runs just before every clock starts (load() here, the open loop in run.ts).
v8.setFlagsFromString("--expose-gc");
export const collectGarbage = vm.runInNewContext("gc") as () => void;

export const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

const children = new Set<ChildProcess>();

/** Kills a child's whole process group (it was started detached, so the group id is its pid). */
/**
 * The environment of a benched app: the built app in production mode against the fake, with the
 * in-app job runner off (a job run in the middle of a measurement would be noise in the figures, and
 * the bill job has no fake to talk to in most scenarios).
 */
export function benchAppEnv(urls: { fakeUrl: string; appUrl: string; databaseUrl: string }) {
  return {
    ...process.env,
    ...testAppEnv({ wechatpayBaseUrl: urls.fakeUrl, appBaseUrl: urls.appUrl, databaseUrl: urls.databaseUrl }),
    NODE_ENV: "production" as const,
    NEXT_TELEMETRY_DISABLED: "1",
    JOBS_ENABLED: "false",
  };
}

/**
 * Runs `run` once on a throw-away SQLite file and, when TEST_DATABASE_URL_PG is set, once on a throw-away PostgreSQL
 * database (`name`), removing both afterwards. Answers whether any run threw (the bench then exits 1).
 */
/**
 * The throw-away PostgreSQL server of tests/support/postgres.sh on PG_TEST_PORT (default 55432), started if it is
 * not running, with `database` created: its URL and port. The benches that need PostgreSQL reset the database
 * themselves.
 */
export function startBenchPostgres(database: string): { url: string; port: string } {
  const port = process.env.PG_TEST_PORT ?? "55432";
  const url = execFileSync(path.join(ROOT, "tests/support/postgres.sh"), ["start", database], {
    cwd: ROOT,
    env: { ...process.env, PG_TEST_PORT: port },
    encoding: "utf8",
  }).trim();
  return { url, port };
}

export async function onEveryDatabase(name: string, run: (label: "SQLite" | "PostgreSQL", databaseUrl: string) => void): Promise<boolean> {
  const file = path.join(ROOT, `.data/${name}-${randomBytes(4).toString("hex")}.db`);
  let failed = false;
  try {
    run("SQLite", `file:${file}`);
  } catch {
    failed = true;
  } finally {
    for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
  }
  if (process.env.TEST_DATABASE_URL_PG) {
    const { createEmptyPgDatabase, dropPgDatabase } = await import("../support/pg");
    const pgUrl = await createEmptyPgDatabase(name.replaceAll("-", "_"));
    try {
      run("PostgreSQL", pgUrl);
    } catch {
      failed = true;
    } finally {
      await dropPgDatabase(pgUrl);
    }
  }
  return failed;
}

export function killTree(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function killAll(): void {
  for (const c of children) killTree(c, "SIGKILL");
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

export interface Started {
  child: ChildProcess;
  /** Last lines of output, for failure messages. */
  tail(): string;
  /** SIGTERM, wait up to `graceMs`, then SIGKILL. Resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a long-running child in its own process group; it is killed when this process exits. */
export function startChild(
  label: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions & {
    quiet?: boolean;
    /**
     * The child's output goes straight to this file instead of through a pipe to this process. A server under load
     * writes a log line per request; read through a pipe, that is work (and garbage, and sooner or later a full
     * garbage collection of this process's large heap, using both cores) in the load generator's process while it
     * measures. The tail is read back from the file for failure messages.
     */
    logFile?: string;
  } = {},
): Started {
  const fd = opts.logFile ? fs.openSync(opts.logFile, "w") : undefined;
  const child = spawn(cmd, args, {
    cwd: ROOT,
    ...opts,
    detached: true,
    stdio: fd === undefined ? ["ignore", "pipe", "pipe"] : ["ignore", fd, fd],
  });
  if (fd !== undefined) fs.closeSync(fd);
  children.add(child);
  const lines: string[] = [];
  const onData = (buf: Buffer) => {
    for (const line of buf.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 60) lines.shift();
      if (!opts.quiet) process.stderr.write(`  [${label}] ${line}\n`);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const tail = () => {
    if (!opts.logFile) return lines.join("\n");
    try {
      const text = fs.readFileSync(opts.logFile, "utf8");
      return text.split("\n").slice(-61).join("\n");
    } catch {
      return "";
    }
  };
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", () => children.delete(child));
  return {
    child,
    tail,
    async stop(graceMs = 5000) {
      killTree(child, "SIGTERM");
      const t = setTimeout(() => killTree(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Runs a command to completion (inherits stdio unless quiet); throws with its output on failure. */
export async function run(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { quiet?: boolean; /** exit codes that are not a failure; default [0] */ okCodes?: number[] } = {},
): Promise<string> {
  const child = spawn(cmd, args, { cwd: ROOT, ...opts, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let out = "";
  const collect = (b: Buffer) => {
    out += b.toString("utf8");
    if (!opts.quiet) process.stderr.write(b);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  children.delete(child);
  if (code === null || !(opts.okCodes ?? [0]).includes(code))
    throw new Error(`${cmd} ${args.join(" ")} exited with ${code}\n${out.slice(-4000)}`);
  return out;
}

/** Polls `url` until it answers (any status < 500) or the child dies or time runs out. */
export async function waitForUrl(url: string, started: Started | undefined, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (started && (started.child.exitCode !== null || started.child.signalCode !== null)) {
      throw new Error(`process for ${url} exited early (${started.child.exitCode ?? started.child.signalCode}):\n${started.tail()}`);
    }
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms\n${started?.tail() ?? ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface LoadResult {
  connections: number;
  requests: number;
  /** responses per second over the run */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** responses whose status was not the expected one, plus socket errors and timeouts */
  errors: number;
  statuses: Record<string, number>;
  durationS: number;
}

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Closed-loop load on loopback: `connections` keep-alive connections (one undici Client each), exactly
 * `amount` requests in total (each produced by `next()`, so bodies may differ per request), at most
 * `maxSeconds`.
 *
 * Every connection is opened — one unmeasured GET of `warmPath`, answered with whatever status —
 * before the first measured request. A saturated Node.js server accepts new connections far more
 * slowly than it serves open ones (README.md, "Benchmarks"), so with connections
 * opened during the run the slowest percentiles measure accept() under load rather than the handler.
 */
export async function load(opts: {
  url: string;
  connections: number;
  amount: number;
  next: () => LoadRequest;
  expectStatus: number;
  maxSeconds?: number;
  warmPath?: string;
}): Promise<LoadResult> {
  const u = new URL(opts.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new Error(`refusing to load a non-loopback host: ${u.hostname}`);
  const timeoutMs = 10_000;
  const clients = Array.from(
    { length: opts.connections },
    () =>
      new Client(u.origin, {
        pipelining: 1,
        keepAliveTimeout: 120_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        connectTimeout: timeoutMs,
      }),
  );
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  let failures = 0;
  try {
    await Promise.all(
      clients.map(async (c) => {
        const r = await c.request({ method: "GET", path: opts.warmPath ?? "/" });
        await r.body.dump();
      }),
    );
    collectGarbage();
    let issued = 0;
    const deadline = performance.now() + (opts.maxSeconds ?? 60) * 1000;
    const started = performance.now();
    let lastResponseAt = started;
    await Promise.all(
      clients.map(async (client) => {
        while (issued < opts.amount && performance.now() < deadline) {
          issued++;
          const r = opts.next();
          const t = performance.now();
          try {
            const res = await client.request({ method: r.method, path: r.path, headers: r.headers ?? {}, body: r.body });
            await res.body.dump();
            lastResponseAt = performance.now();
            latencies.push(lastResponseAt - t);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode !== opts.expectStatus) unexpected++;
          } catch (e) {
            // A timeout or a reset: counted as an error, not as a latency sample.
            failures++;
            const key = e instanceof Error && "code" in e ? String((e as { code: unknown }).code) : "error";
            statuses[key] = (statuses[key] ?? 0) + 1;
          }
        }
      }),
    );
    // From the first measured request to the last response.
    const durationS = (lastResponseAt - started) / 1000;
    if (process.env.BENCH_DUMP) {
      // Raw latencies in completion order, for looking at a distribution by hand.
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${ROOT}/.data/bench-latencies-${opts.connections}-${Date.now()}.json`, JSON.stringify(latencies));
    }
    latencies.sort((a, b) => a - b);
    return {
      connections: opts.connections,
      requests: latencies.length,
      rps: latencies.length / durationS,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      errors: unexpected + failures,
      statuses,
      durationS,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Open-loop load: request i is SENT at start + i / ratePerSecond whatever the server is doing (a
 * closed loop only sends when an answer came back, so its latency is connections ÷ throughput by
 * construction). Latency is measured from the scheduled send time, so time spent queued behind a
 * slow server counts (no coordinated omission). Requests go over up to `maxConnections` keep-alive
 * connections, opened before the first measured request.
 */
export async function openLoad(opts: {
  url: string;
  ratePerSecond: number;
  amount: number;
  next: () => LoadRequest;
  expectStatus: number;
  maxConnections?: number;
  warmPath?: string;
}): Promise<LoadResult & { offeredRps: number }> {
  const u = new URL(opts.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new Error(`refusing to load a non-loopback host: ${u.hostname}`);
  const connections = opts.maxConnections ?? 256;
  const { Pool } = await import("undici");
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 120_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  let failures = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(connections, 64) }, async () =>
        (await pool.request({ method: "GET", path: opts.warmPath ?? "/" })).body.dump(),
      ),
    );
    const started = performance.now();
    let lastResponseAt = started;
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < opts.amount; i++) {
      const due = started + (i * 1000) / opts.ratePerSecond;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const r = opts.next();
      inflight.push(
        (async () => {
          try {
            const res = await pool.request({ method: r.method, path: r.path, headers: r.headers ?? {}, body: r.body });
            await res.body.dump();
            lastResponseAt = performance.now();
            latencies.push(lastResponseAt - due);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            if (res.statusCode !== opts.expectStatus) unexpected++;
          } catch (e) {
            failures++;
            const key = e instanceof Error && "code" in e ? String((e as { code: unknown }).code) : "error";
            statuses[key] = (statuses[key] ?? 0) + 1;
          }
        })(),
      );
    }
    await Promise.all(inflight);
    const durationS = (lastResponseAt - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      connections,
      requests: latencies.length,
      rps: latencies.length / durationS,
      offeredRps: opts.ratePerSecond,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? NaN,
      errors: unexpected + failures,
      statuses,
      durationS,
    };
  } finally {
    await pool.close().catch(() => undefined);
  }
}
