// "Slow large uploads": clients that send a 9.5 MB body to checkout quickly and stall
// before the end. A Next.js proxy in front of a route buffers the whole body (up to 10 MB) before the
// route sees it, so each such client costs ~10 MB of memory and holds its connection until it finishes
// or gives up; the route's own cap (API_MAX_BODY_BYTES, streamed) answers 413 after the first 16 KiB.
// Run by tests/bench/attacks.ts on the built app, or alone against any running app:
//   tsx tests/bench/slow-uploads.ts http://127.0.0.1:3031 <pid of the app>
import http from "node:http";
import fs from "node:fs";
import { percentile } from "./support";

const BODY_BYTES = Math.round(9.5 * 1024 * 1024);
const CHUNK = Buffer.alloc(64 * 1024, 0x20);
const TRICKLE_CHUNK = Buffer.alloc(1024, 0x20);

interface Upload {
  status: number | null;
  answeredMs: number | null;
  sentBytes: number;
  /** The server closed the connection before we read an answer (ECONNRESET / EPIPE). */
  reset: boolean;
  /** Neither an answer nor a close within holdMs. */
  timedOut: boolean;
}

/**
 * One client: a chunked POST (no Content-Length, so nothing can be refused from the headers alone),
 * written as fast as the socket drains (or one chunk per `paceMs`) up to `stallAtBytes`, then silent
 * until answered or `holdMs` passed. Resolves with what it saw.
 */
function upload(appUrl: string, path: string, stallAtBytes: number, holdMs: number, paceMs = 0, chunk = CHUNK): Promise<Upload> {
  const u = new URL(path, appUrl);
  const t0 = performance.now();
  return new Promise((resolve) => {
    const out: Upload = { status: null, answeredMs: null, sentBytes: 0, reset: false, timedOut: false };
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(out);
    };
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: "POST",
        headers: { "content-type": "application/json", origin: u.origin, "transfer-encoding": "chunked" },
        agent: false,
      },
      (res) => {
        out.status = res.statusCode ?? 0;
        out.answeredMs = Math.round(performance.now() - t0);
        res.resume();
        res.on("end", finish);
      },
    );
    req.on("error", () => {
      if (out.status === null) {
        out.reset = true;
        out.answeredMs = Math.round(performance.now() - t0);
      }
      finish();
    });
    const timer = setTimeout(() => {
      out.timedOut = out.status === null;
      finish();
    }, holdMs);
    const write = () => {
      while (!settled && out.status === null && out.sentBytes < stallAtBytes) {
        out.sentBytes += chunk.length;
        const more = req.write(chunk);
        if (paceMs > 0) return void setTimeout(write, paceMs);
        if (!more) return void req.once("drain", write);
      }
    };
    write();
  });
}

/** Resident memory of a process and its children (next start / next dev serve from a child), in MB. */
export function processTreeRssMb(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const p of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      /* gone */
    }
  }
  let kb = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* gone */
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}

export async function slowLargeUploads(appUrl: string, rssMb: () => number) {
  const clients = 40;
  const holdMs = 15_000;
  const rss0 = rssMb();
  let peak = rss0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 200);
  const t0 = performance.now();
  // 40 clients send all but the last chunk of 9.5 MB and stall.
  const stalled = await Promise.all(
    Array.from({ length: clients }, () => upload(appUrl, "/api/checkout", BODY_BYTES - CHUNK.length, holdMs)),
  );
  clearInterval(sampler);
  const wallMs = Math.round(performance.now() - t0);
  // One client trickling 1 KiB every 100 ms (10 KiB/s): 9.5 MB would take over a quarter of an hour.
  const trickle = await upload(appUrl, "/api/checkout", BODY_BYTES, 20_000, 100, TRICKLE_CHUNK);
  // 20 clients POST the same to a page: pages read no body, Next.js buffers 16 KiB of each
  // (PAGE_BODY_BUFFER_BYTES) and holds the connection until the body ends or the request times out.
  const pageRss0 = rssMb();
  let pagePeak = pageRss0;
  const pageSampler = setInterval(() => (pagePeak = Math.max(pagePeak, rssMb())), 200);
  const pages = await Promise.all(Array.from({ length: 20 }, () => upload(appUrl, "/", BODY_BYTES - CHUNK.length, 10_000)));
  clearInterval(pageSampler);
  const answered = stalled.filter((s) => s.answeredMs !== null);
  const ms = answered.map((s) => s.answeredMs!).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  const outcome = (s: Upload) =>
    s.status !== null ? String(s.status) : s.reset ? "closed by the server" : "no answer: still held when the client gave up";
  for (const s of stalled) statuses[outcome(s)] = (statuses[outcome(s)] ?? 0) + 1;
  return {
    clients,
    bodyBytes: BODY_BYTES,
    statuses,
    answeredP50Ms: ms.length ? Math.round(percentile(ms, 50)) : null,
    answeredMaxMs: ms.length ? ms[ms.length - 1]! : null,
    // what each client had handed to its socket (the kernel's buffers hold some of it, unread)
    maxMbWrittenByAClient: Math.round((Math.max(...stalled.map((s) => s.sentBytes)) / 1048576) * 10) / 10,
    rssBeforeMb: Math.round(rss0),
    rssPeakMb: Math.round(peak),
    rssGrowthMb: Math.round(peak - rss0),
    wallMs,
    pageBodies: {
      clients: pages.length,
      outcomes: [...new Set(pages.map(outcome))],
      rssGrowthMb: Math.round(pagePeak - pageRss0),
    },
    trickle: {
      outcome: outcome(trickle),
      answeredMs: trickle.answeredMs,
      kbWritten: Math.round(trickle.sentBytes / 1024),
      heldForAtMostMs: 20_000,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [appUrl, pid] = process.argv.slice(2);
  if (!appUrl || !pid) throw new Error("usage: tsx tests/bench/slow-uploads.ts <app url> <app pid>");
  console.log(JSON.stringify(await slowLargeUploads(appUrl, () => processTreeRssMb(Number(pid))), null, 2));
}
