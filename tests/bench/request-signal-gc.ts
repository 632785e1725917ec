// What a web Request built with an AbortSignal costs the garbage collector, against the same Request
// without one (README "Benchmarks" › open loop: why the app's tail is not the bare baseline's).
//
// Next.js builds the Request a route handler receives with a signal tied to the response. Node's
// Request (undici) then registers a FinalizationRegistry entry and a WeakRef for it; V8's young-generation
// collector (the scavenger) does not clear weak references, so every such request's abort machinery
// survives every scavenge until the next full collection: it is copied, promoted, and marked again.
// The bare baseline server builds no Request at all.
//
//   tsx tests/bench/request-signal-gc.ts [requests=200000]
//
// Each variant runs in a fresh process of its own; prints the young (minor) and full (major) collections'
// counts and pause totals, and the wall time of the loop.
import { spawnSync } from "node:child_process";
import { constants, PerformanceObserver } from "node:perf_hooks";

type Variant = "with-signal" | "without-signal";

async function child(variant: Variant, requests: number) {
  let minor = 0;
  let major = 0;
  let minorMs = 0;
  let majorMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        minor++;
        minorMs += e.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        major++;
        majorMs += e.duration;
      }
    }
  }).observe({ entryTypes: ["gc"] });
  const body = "x".repeat(1000); // about a notification's size
  const t = performance.now();
  for (let i = 0; i < requests; i++) {
    const controller = new AbortController();
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      body,
      duplex: "half",
      headers: { "content-type": "application/json" },
    };
    if (variant === "with-signal") init.signal = controller.signal;
    new Request("http://127.0.0.1/api/wechatpay/notify", init);
    // Yield now and then, as a server does between requests (finalization callbacks and GC tasks may run).
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  const wallMs = performance.now() - t;
  process.stdout.write(JSON.stringify({ variant, requests, wallMs, minor, minorMs, major, majorMs }) + "\n");
}

function main() {
  const [mode, variantArg, nArg] = process.argv.slice(2);
  if (mode === "--child") return child(variantArg as Variant, Number(nArg));
  const requests = Number(mode ?? 200_000);
  console.log(
    `${requests.toLocaleString("en")} web Requests built in a loop, each variant in a fresh process (Node ${process.version}):\n`,
  );
  console.log(
    "| Request | wall ms | µs per request | young collections | young pauses ms | µs of young GC per request | full collections | full pauses ms |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const variant of ["without-signal", "with-signal"] as const) {
    const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, "--child", variant, String(requests)], {
      encoding: "utf8",
    });
    if (out.status !== 0) throw new Error(out.stderr);
    const r = JSON.parse(out.stdout.trim()) as { wallMs: number; minor: number; minorMs: number; major: number; majorMs: number };
    console.log(
      `| ${variant} | ${r.wallMs.toFixed(0)} | ${((r.wallMs * 1000) / requests).toFixed(1)} | ${r.minor} | ${r.minorMs.toFixed(0)} | ${((r.minorMs * 1000) / requests).toFixed(1)} | ${r.major} | ${r.majorMs.toFixed(0)} |`,
    );
  }
}

void main();
