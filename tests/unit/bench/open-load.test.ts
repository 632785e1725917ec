// The open-loop generator must send on its schedule, not when answers come back: a slow server
// then sees requests pile up (concurrency > 1 on its own), and every request is counted once.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { openLoad } from "../../bench/support";

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

describe("openLoad", () => {
  it("sends at the offered rate regardless of answers, and counts every request exactly once", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const bodies: string[] = [];
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method === "GET") return void res.writeHead(405).end();
        bodies.push(Buffer.concat(chunks).toString());
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // Each answer takes 300 ms; at 50/s a closed loop on one request at a time could never overlap.
        setTimeout(() => {
          inFlight--;
          res.writeHead(204).end();
        }, 300);
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let n = 0;
    const r = await openLoad({
      url,
      ratePerSecond: 50,
      amount: 20,
      expectStatus: 204,
      maxConnections: 32,
      next: () => ({ method: "POST", path: "/x", body: String(n++) }),
    });
    expect(r.requests).toBe(20);
    expect(r.errors).toBe(0);
    expect(r.statuses).toEqual({ 204: 20 });
    expect(r.offeredRps).toBe(50);
    expect(bodies.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(maxInFlight).toBeGreaterThan(1);
    // latency is measured from the scheduled send, so it includes the 300 ms service time
    expect(r.p50Ms).toBeGreaterThanOrEqual(290);
  });
});
