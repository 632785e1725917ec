// Sales for the overview's benchmark (tests/bench/stats.ts) and its Playwright spec (tests/e2e/overview.spec.ts): orders spread over the Beijing days before `endDate`,
// bulk-inserted (multi-row INSERTs, 500 rows a statement, bound parameters through the app's Prisma client, so
// instants are stored exactly as the app stores them on either database). Deterministic: the i-th order is
// always the same. Mix: 85 % paid (1–3 sub-orders over four stores), 15 % closed unpaid;
// one paid sub-order in 20 has a successful refund; paid sub-orders older than three days are mostly shipped.
import { prisma, isPostgresUrl } from "../../lib/db";
import { databaseUrl } from "../../lib/env";
import { beijingDateOf, beijingDayRange } from "../../lib/time/beijing";

export const SEED_STORES = [
  { id: "chayu", name: "茶语轩茶叶铺", subMchid: "1900000111" },
  { id: "xiangxiang", name: "香香烘焙坊", subMchid: "1900000112" },
  { id: "mumu", name: "木木文具馆", subMchid: "1900000113" },
  { id: "chengnan", name: "城南咖啡馆", subMchid: "1900000114" },
] as const;

const DAY_MS = 86_400_000;

async function insertRows(table: string, rows: Record<string, unknown>[]) {
  if (rows.length === 0) return;
  const pg = isPostgresUrl(databaseUrl());
  const cols = Object.keys(rows[0]!);
  for (let at = 0; at < rows.length; at += 500) {
    const batch = rows.slice(at, at + 500);
    let n = 0;
    const values = batch.map(() => `(${cols.map(() => (pg ? `$${++n}` : "?")).join(",")})`).join(",");
    const sql = `INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(",")}) VALUES ${values}`;
    await prisma.$executeRawUnsafe(sql, ...batch.flatMap((r) => cols.map((c) => r[c])));
  }
}

/** A small deterministic pseudo-random number in [0, 1) for order i and salt s. */
function rand(i: number, s: number): number {
  let x = (i * 2_654_435_761 + s * 40_503) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0x5bd1e995) >>> 0;
  x ^= x >>> 15;
  return (x >>> 0) / 2 ** 32;
}

/**
 * Inserts orders number `first` … `first + count - 1` of a year of sales ending at the end of the Beijing day
 * `endDate` (`days` days in all), with `prefix` in every order number. Stores must exist (ensureSeedStores).
 */
export async function seedSales(opts: {
  endDate: string;
  days: number;
  first: number;
  count: number;
  total: number;
  prefix: string;
  now?: Date;
}) {
  const end = beijingDayRange(opts.endDate).end.getTime();
  const span = opts.days * DAY_MS;
  const now = opts.now ?? new Date();
  const CHUNK = 5_000;
  for (let start = opts.first; start < opts.first + opts.count; start += CHUNK) {
    const orders: Record<string, unknown>[] = [];
    const subs: Record<string, unknown>[] = [];
    const refunds: Record<string, unknown>[] = [];
    for (let i = start; i < Math.min(start + CHUNK, opts.first + opts.count); i++) {
      // spread evenly over the span, busier in the evening (Beijing), never after `now`
      const base = end - span + Math.floor((i / opts.total) * span);
      const createdAt = new Date(Math.min(base - (base % DAY_MS) + Math.floor(rand(i, 1) * DAY_MS), now.getTime() - 60_000));
      const r = rand(i, 2);
      // none left pending: the close-expired job of an app running against this database would ask WeChat to
      // close each one once past its deadline
      const status = r < 0.85 ? "PAID" : "CLOSED";
      const paidAt = status === "PAID" ? new Date(createdAt.getTime() + 30_000 + Math.floor(rand(i, 3) * 60_000)) : null;
      const closedAt = status === "CLOSED" ? new Date(Math.min(createdAt.getTime() + 15 * 60_000, now.getTime())) : null;
      const orderNo = `${opts.prefix}${String(i).padStart(10, "0")}`;
      const nSubs = 1 + Math.floor(rand(i, 4) * 3);
      let totalFen = 0;
      for (let p = 1; p <= nSubs; p++) {
        const store = SEED_STORES[(i + p * 3) % SEED_STORES.length]!;
        const amountFen = 990 + Math.floor(rand(i, 10 + p) * 30_000);
        totalFen += amountFen;
        const refundFen = paidAt && rand(i, 20 + p) < 0.05 ? Math.max(100, Math.floor(amountFen / 2)) : 0;
        const old = paidAt && now.getTime() - paidAt.getTime() > 3 * DAY_MS;
        const fulfilment = !paidAt ? "UNFULFILLED" : old && rand(i, 30 + p) < 0.97 ? "SHIPPED" : "UNFULFILLED";
        subs.push({
          outTradeNo: `${orderNo}-${p}`,
          orderNo,
          storeId: store.id,
          position: p,
          mchid: "1900000109",
          subMchid: store.subMchid,
          amountFen,
          description: "示例商品",
          attach: `store:${store.id}`,
          tradeState: paidAt ? (refundFen ? "REFUND" : "SUCCESS") : "CLOSED",
          transactionId: paidAt ? `4200${opts.prefix}${String(i).padStart(10, "0")}${p}` : null,
          successTime: paidAt,
          refundReservedFen: refundFen,
          refundedFen: refundFen,
          refundCount: refundFen ? 1 : 0,
          deliveryMethod: "SHIPPING",
          fulfilmentStatus: fulfilment,
        });
        if (refundFen && paidAt) {
          const successTime = new Date(Math.min(paidAt.getTime() + Math.floor(rand(i, 40 + p) * 5 * DAY_MS), now.getTime()));
          refunds.push({
            refundNo: `RF${orderNo}${p}`,
            outTradeNo: `${orderNo}-${p}`,
            orderNo,
            amountFen: refundFen,
            totalFen: amountFen,
            requestedBy: "admin#seed",
            status: "SUCCESS",
            successTime,
            createdAt: successTime,
            updatedAt: successTime,
          });
        }
      }
      orders.push({
        orderNo,
        status,
        mode: "partner",
        combineMchid: "1900000109",
        combineAppid: "wxd930ea5d5a258f4f",
        totalFen,
        payerIp: "127.0.0.1",
        expiresAt: new Date(createdAt.getTime() + 15 * 60_000),
        prepayState: "SENT",
        paidAt,
        closedAt,
        closeReason: closedAt ? "EXPIRED" : null,
        createdAt,
        updatedAt: paidAt ?? closedAt ?? createdAt,
        viaResumeLink: rand(i, 50) < 0.02,
      });
    }
    await insertRows("Order", orders);
    await insertRows("SubOrder", subs);
    await insertRows("Refund", refunds);
  }
  if (opts.first === 0) await seedFunnel(opts.endDate, opts.days, opts.total / opts.days);
}

/**
 * The in-app funnel's per-day counters, in proportion to the orders (about 2 % of which are marked as paid
 * from a resumed cart): guide shown 20 % of a day's orders, a link made by half of those, restored by 60 %.
 */
async function seedFunnel(endDate: string, days: number, ordersPerDay: number) {
  const rows: [string, string, number][] = [];
  for (let d = 0; d < days; d++) {
    const day = beijingDateOf(new Date(beijingDayRange(endDate).start.getTime() - d * DAY_MS));
    const guide = Math.round(ordersPerDay * (0.15 + rand(d, 60) * 0.1));
    const links = Math.round(guide * (0.4 + rand(d, 61) * 0.2));
    rows.push(["in-app:guide-shown", day, guide], ["in-app:resume-link", day, links], ["in-app:resumed", day, Math.round(links * 0.6)]);
  }
  const pg = isPostgresUrl(databaseUrl());
  for (let at = 0; at < rows.length; at += 300) {
    const batch = rows.slice(at, at + 300);
    let n = 0;
    const values = batch.map(() => (pg ? `($${++n}, $${++n}, $${++n})` : "(?, ?, ?)")).join(",");
    // adds to a day already counted (a second seeding of the same database)
    await prisma.$executeRawUnsafe(
      `INSERT INTO "DailyCounter" ("name", "day", "count") VALUES ${values} ON CONFLICT ("name", "day") DO UPDATE SET "count" = "DailyCounter"."count" + excluded."count"`,
      ...batch.flat(),
    );
  }
}

/** The four stores the generator sells in (the seed's own, created when missing). */
export async function ensureSeedStores() {
  for (const s of SEED_STORES) {
    await prisma.store.upsert({ where: { id: s.id }, create: { id: s.id, name: s.name, subMchid: s.subMchid }, update: {} });
  }
}
