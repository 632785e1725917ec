// The open-loop load generator, in its OWN process (tests/bench/run.ts starts it): it reads requests that
// were prepared — signed and encrypted — before it started, opens its connections, and only then starts
// the clock. Request i is sent at start + i / rate whatever the server is doing, and timed from that
// scheduled moment (no coordinated omission: a request waiting for a free connection, or behind a slow
// server, is late by exactly that much). Prints one JSON result line on stdout.
//
//   tsx tests/bench/openloop-worker.ts <spec.json>
// spec: { url, ratePerSecond, connections, lazyConnections?, warmPath, expectStatus, requestsFile }
// requestsFile: one JSON request per line: { method, path, headers, body }
import fs from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Pool } from "undici";
import { percentile, type LoadRequest } from "./support";

export interface OpenLoopSpec {
  url: string;
  ratePerSecond: number;
  /** connections opened (and warmed) before the clock starts; never more during the run */
  connections: number;
  /**
   * The earlier in-bench generator's pool, kept to reproduce its figures: up to `connections`, only 64
   * opened beforehand, the rest opened DURING the run whenever more requests are in flight.
   */
  lazyConnections?: boolean;
  warmPath: string;
  expectStatus: number;
  requestsFile: string;
}

export interface OpenLoopResult {
  requests: number;
  offeredRps: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** p99 of the requests scheduled in the first and in the last quarter of the run */
  firstQuarterP99Ms: number;
  lastQuarterP99Ms: number;
  /** how late the generator itself sent (send − scheduled), p99: it must stay small for the figures to mean anything */
  sendLagP99Ms: number;
  /** p99 of each 5-second slice of the schedule, in order */
  p99BySliceMs: number[];
  /**
   * The generator's own event-loop delay during the run (p99 and max, ms): a stall here delays the reading of
   * answers and would show as server latency, so it must stay small for the latencies to be the server's.
   */
  generatorLoopDelayP99Ms: number;
  generatorLoopDelayMaxMs: number;
  errors: number;
  statuses: Record<string, number>;
  durationS: number;
  connections: number;
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2]!, "utf8")) as OpenLoopSpec;
  const u = new URL(spec.url);
  if (!["127.0.0.1", "localhost", "[::1]"].includes(u.hostname)) throw new Error(`refusing to load a non-loopback host: ${u.hostname}`);
  const requests = fs
    .readFileSync(spec.requestsFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LoadRequest);
  const pool = new Pool(u.origin, {
    connections: spec.connections,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const warm = spec.lazyConnections ? Math.min(64, spec.connections) : spec.connections;
  await Promise.all(Array.from({ length: warm }, async () => (await pool.request({ method: "GET", path: spec.warmPath })).body.dump()));

  const n = requests.length;
  const latency = new Float64Array(n).fill(NaN);
  const lag = new Float64Array(n);
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  let failures = 0;
  // Nothing grows during the run: each request is dropped once sent and no promise is kept per request, so the
  // generator's heap (and its garbage collections) shrinks as the run goes on instead of growing with it.
  let outstanding = 0;
  let allSent = false;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const settle = () => {
    outstanding--;
    if (allSent && outstanding === 0) finish();
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const started = performance.now();
  let lastResponseAt = started;
  for (let i = 0; i < n; i++) {
    const due = started + (i * 1000) / spec.ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const r = requests[i]!;
    requests[i] = undefined as unknown as LoadRequest;
    lag[i] = Math.max(0, performance.now() - due);
    outstanding++;
    pool
      .request({ method: r.method, path: r.path, headers: r.headers ?? {}, body: r.body })
      .then(async (res) => {
        await res.body.dump();
        lastResponseAt = performance.now();
        latency[i] = lastResponseAt - due;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode !== spec.expectStatus) unexpected++;
      })
      .catch((e: unknown) => {
        failures++;
        const key = e instanceof Error && "code" in e ? String((e as { code: unknown }).code) : "error";
        statuses[key] = (statuses[key] ?? 0) + 1;
      })
      .finally(settle);
  }
  allSent = true;
  if (outstanding > 0) await finished;
  loopDelay.disable();
  await pool.close();

  const sorted = (a: ArrayLike<number>) =>
    Array.from(a)
      .filter((x) => !Number.isNaN(x))
      .sort((x, y) => x - y);
  const all = sorted(latency);
  const q = Math.floor(n / 4);
  const slice = Math.max(1, spec.ratePerSecond * 5); // requests scheduled in 5 seconds
  const result: OpenLoopResult = {
    requests: all.length,
    offeredRps: spec.ratePerSecond,
    rps: all.length / ((lastResponseAt - started) / 1000),
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: all[all.length - 1] ?? NaN,
    firstQuarterP99Ms: percentile(sorted(latency.subarray(0, q)), 99),
    lastQuarterP99Ms: percentile(sorted(latency.subarray(n - q)), 99),
    sendLagP99Ms: percentile(sorted(lag), 99),
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    generatorLoopDelayMaxMs: loopDelay.max / 1e6,
    // Where in the run the slow requests were: a growing queue rises slice after slice, a stall is one slice.
    p99BySliceMs: Array.from({ length: Math.ceil(n / slice) }, (_, k) =>
      percentile(sorted(latency.subarray(k * slice, (k + 1) * slice)), 99),
    ),
    errors: unexpected + failures,
    statuses,
    durationS: (lastResponseAt - started) / 1000,
    connections: spec.connections,
  };
  // BENCH_DUMP=1: every request's latency (ms, in schedule order; null = failed), for a closer look at the run.
  if (process.env.BENCH_DUMP)
    fs.writeFileSync(`${spec.requestsFile}.latency.json`, JSON.stringify(Array.from(latency, (x) => (Number.isNaN(x) ? null : x))));
  process.stdout.write(JSON.stringify(result) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
