// The benchmark's load generator decides every figure in the README's table, so its counting and
// its connection handling are tested like product code.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { load } from "../../bench/support";

interface Seen {
  connections: number;
  /** connections open when each measured (POST) request arrived */
  openAtPost: number[];
  bodies: string[];
  gets: number;
}

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(answer: (body: string) => { status: number; delayMs?: number }): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { connections: 0, openAtPost: [], bodies: [], gets: 0 };
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET") {
        seen.gets++;
        res.writeHead(405).end();
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      seen.openAtPost.push(seen.connections);
      seen.bodies.push(body);
      const { status, delayMs = 0 } = answer(body);
      setTimeout(() => res.writeHead(status).end(), delayMs);
    });
  });
  server.on("connection", () => seen.connections++);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("bench load generator", () => {
  it("opens every connection before the first measured request, then sends exactly `amount` requests", async () => {
    const { url, seen } = await serve(() => ({ status: 204, delayMs: 2 }));
    let i = 0;
    const r = await load({
      url,
      connections: 6,
      amount: 45,
      expectStatus: 204,
      warmPath: "/warm",
      next: () => ({ method: "POST", path: "/n", body: `#${i++}` }),
    });

    expect(seen.gets).toBe(6);
    expect(seen.connections).toBe(6);
    expect(Math.min(...seen.openAtPost)).toBe(6);
    // Each next() call is one request on the wire, in full: no duplicates, none lost.
    expect(i).toBe(45);
    expect(new Set(seen.bodies).size).toBe(45);
    expect(r).toMatchObject({ connections: 6, requests: 45, errors: 0, statuses: { "204": 45 } });
    expect(r.p50Ms).toBeGreaterThanOrEqual(2);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    expect(r.maxMs).toBeGreaterThanOrEqual(r.p99Ms);
    expect(r.rps).toBeGreaterThan(0);
  });

  it("counts every unexpected status as an error and reports each status", async () => {
    const { url } = await serve((body) => ({ status: Number(body) % 5 === 0 ? 500 : 204 }));
    let i = 1;
    const r = await load({
      url,
      connections: 3,
      amount: 20,
      expectStatus: 204,
      next: () => ({ method: "POST", path: "/n", body: String(i++) }),
    });
    expect(r.statuses).toEqual({ "204": 16, "500": 4 });
    expect(r.errors).toBe(4);
    expect(r.requests).toBe(20);
  });

  it("the p99 is a real percentile: two slow requests in a hundred set it", async () => {
    const { url } = await serve((body) => ({ status: 204, delayMs: body === "50" || body === "51" ? 120 : 0 }));
    let i = 0;
    const r = await load({
      url,
      connections: 1,
      amount: 100,
      expectStatus: 204,
      next: () => ({ method: "POST", path: "/n", body: String(i++) }),
    });
    expect(r.p99Ms).toBeGreaterThanOrEqual(120);
    expect(r.p50Ms).toBeLessThan(120);
  });

  it("refuses to load anything but loopback", async () => {
    await expect(
      load({ url: "http://example.com", connections: 1, amount: 1, expectStatus: 204, next: () => ({ method: "GET", path: "/" }) }),
    ).rejects.toThrow(/non-loopback/);
  });
});
