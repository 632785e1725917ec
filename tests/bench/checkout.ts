// The checkout part of `npm run bench` (tests/bench/run.ts): POST /api/checkout — two stores, our
// Origin, a fresh Idempotency-Key per request as the cart sends — at 1 and 16 connections, against
// the fake WeChat Pay on the same cores, then the empty route handler at 16 connections for the
// ratio. One of the two products is stock-limited for the run, so the conditional stock update is
// on the measured path, and the run ends with its correctness check: one order per 201, one prepay
// per order at the fake, and the stock down by exactly the units sold.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import type { Db } from "@/lib/db";
import { checkoutBody } from "../support/checkout-body";
import { load, type LoadResult } from "./support";

export const CHECKOUT_SKUS = { limited: "TEA-LJ-50", unlimited: "BAK-TS-01" } as const;
const LIMITED_STOCK = 1_000_000;

/**
 * CPU time (user + system) of a process and all its descendants so far, from /proc (Linux), in ms; NaN
 * elsewhere. On a shared machine throughput moves with the neighbours' load; CPU per request much less.
 */
export function treeCpuMs(pid: number | undefined): number {
  if (pid === undefined || !fs.existsSync("/proc/self/stat")) return NaN;
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // pid (comm) state ppid … utime(14) stime(15): split after the command name, which may hold spaces
      const text = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* gone meanwhile */
    }
  }
  let ticks = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    ticks += stats.get(p)?.ticks ?? 0;
    for (const [child, s] of stats) if (s.ppid === p) todo.push(child);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

export interface CheckoutRow {
  scenario: string;
  target: "app" | "empty-next";
  result: LoadResult;
  note?: string;
}

export interface CheckoutCheck {
  created: number;
  responses201: number;
  /** orders whose prepay did not end with a stored pay link */
  withoutPayLink: number;
  /** prepay calls the fake received for these orders (1 per order expected) */
  prepayCalls: number;
  stockTaken: number;
  unitsSold: number;
}

export function checkoutLoad(appUrl: string, connections: number, amount: number): Promise<LoadResult> {
  const body = JSON.stringify(
    checkoutBody([
      { sku: CHECKOUT_SKUS.limited, quantity: 1 },
      { sku: CHECKOUT_SKUS.unlimited, quantity: 2 },
    ]),
  );
  return load({
    url: appUrl,
    connections,
    amount,
    expectStatus: 201,
    warmPath: "/api/checkout",
    next: () => ({
      method: "POST",
      path: "/api/checkout",
      headers: { "content-type": "application/json", origin: appUrl, "idempotency-key": randomBytes(16).toString("base64url") },
      body,
    }),
  });
}

/** The checkout rows and their correctness check; `emptyUrl` adds the empty route handler at 16 connections. */
export async function checkoutBench(opts: {
  prisma: Db;
  appUrl: string;
  fakeUrl: string;
  emptyUrl?: string;
  levels: [connections: number, amount: number][];
  warmup: number;
  log: (s: string) => void;
  /** process ids of the app and the fake, for the CPU each spends per checkout */
  pids?: { app?: number; fake?: number };
}): Promise<{ rows: CheckoutRow[]; check: CheckoutCheck }> {
  const { prisma, appUrl, log } = opts;
  await prisma.product.update({ where: { sku: CHECKOUT_SKUS.limited }, data: { stock: LIMITED_STOCK } });
  await checkoutLoad(appUrl, 4, opts.warmup);
  const since = new Date();
  const stockBefore = (await prisma.product.findUniqueOrThrow({ where: { sku: CHECKOUT_SKUS.limited } })).stock!;
  const prepaysBefore = await prepayCalls(opts.fakeUrl);
  const rows: CheckoutRow[] = [];
  let responses201 = 0;
  for (const [c, amount] of opts.levels) {
    log(`checkout ${c} connections × ${amount} …`);
    const cpu0 = [treeCpuMs(opts.pids?.app), treeCpuMs(opts.pids?.fake)];
    const result = await checkoutLoad(appUrl, c, amount);
    const cpu = [treeCpuMs(opts.pids?.app) - cpu0[0]!, treeCpuMs(opts.pids?.fake) - cpu0[1]!].map((ms) => ms / result.requests);
    responses201 += result.statuses["201"] ?? 0;
    rows.push({
      scenario: "checkout",
      target: "app",
      result,
      note: Number.isFinite(cpu[0]) ? `CPU per checkout: app ${cpu[0]!.toFixed(1)} ms, fake ${cpu[1]!.toFixed(1)} ms` : undefined,
    });
  }
  if (opts.emptyUrl) {
    log("empty route handler over 16 connections (the checkout's ceiling) …");
    const result = await load({
      url: opts.emptyUrl,
      connections: 16,
      amount: 6000,
      expectStatus: 204,
      warmPath: "/api/noop",
      next: () => ({ method: "POST", path: "/api/noop", headers: { "content-type": "application/json" }, body: "{}" }),
    });
    rows.push({ scenario: "empty route handler (checkout ceiling)", target: "empty-next", result });
  }
  const orders = await prisma.order.findMany({
    where: { createdAt: { gte: since } },
    select: { h5Url: true, subOrders: { select: { lines: { select: { sku: true, quantity: true } } } } },
  });
  const stockAfter = (await prisma.product.findUniqueOrThrow({ where: { sku: CHECKOUT_SKUS.limited } })).stock!;
  const unitsSold = orders
    .flatMap((o) => o.subOrders.flatMap((s) => s.lines))
    .filter((l) => l.sku === CHECKOUT_SKUS.limited)
    .reduce((n, l) => n + l.quantity, 0);
  await prisma.product.update({ where: { sku: CHECKOUT_SKUS.limited }, data: { stock: null } });
  return {
    rows,
    check: {
      created: orders.length,
      responses201,
      withoutPayLink: orders.filter((o) => !o.h5Url).length,
      prepayCalls: (await prepayCalls(opts.fakeUrl)) - prepaysBefore,
      stockTaken: stockBefore - stockAfter,
      unitsSold,
    },
  };
}

export const checkoutCheckOk = (c: CheckoutCheck) =>
  c.created === c.responses201 && c.withoutPayLink === 0 && c.prepayCalls === c.created && c.stockTaken === c.unitsSold;

export const describeCheckoutCheck = (c: CheckoutCheck) =>
  `${c.created} orders for ${c.responses201} × 201, ${c.prepayCalls} prepays at the fake, ${c.withoutPayLink} without a pay link; stock −${c.stockTaken} for ${c.unitsSold} units sold`;

/** The fake's request log (tests/fake-wechatpay/store.ts RequestLogEntry), the parts the benches count. */
export async function fakeRequests(fakeUrl: string): Promise<{ method: string; path: string; status: number; code?: string }[]> {
  const r = await fetch(`${fakeUrl}/__fake/requests`);
  return (await r.json()) as { method: string; path: string; status: number; code?: string }[];
}

export const isPrepay = (e: { method: string; path: string }) => e.method === "POST" && e.path === "/v3/combine-transactions/h5";

/** Combine prepay calls the fake has logged so far. */
async function prepayCalls(fakeUrl: string): Promise<number> {
  return (await fakeRequests(fakeUrl)).filter(isPrepay).length;
}
