// Store scope over EVERY back-office route and page, found on disk: a STORE_STAFF account of store A asks
// for each object of store B it could reach (order, sub-order, refund, product, store, packing slip,
// export, webhook test) and gets 404 — the answer for a number that does not exist — and every list it
// sees leaves B out (with A's own object in it, so an empty page cannot pass). Areas the role never
// enters answer 403 FORBIDDEN (API) or the 404 page. A new file under app/api/admin or app/admin without
// a case here fails the first test. Shared by the SQLite and PostgreSQL suites.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { Harness } from "./harness";
import { freshStore, insertOrder, type StoreRef } from "./order-fixtures";
import { createSessionValue, SESSION_COOKIE } from "@/lib/admin/session";

const ROOT = path.resolve(".");
function discover(dir: string, re: RegExp): string[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => re.test(path.basename(f)))
    .map((f) => path.join(dir, f).split(path.sep).join("/"))
    .sort();
}
export const ADMIN_FILES = [...discover("app/api/admin", /^route\.[jt]sx?$/), ...discover("app/admin", /^(page|route)\.[jt]sx?$/)];

/** The state the page mocks read the session cookie from (next/headers is mocked in each suite file). */
export const pageCookie: { value: string | undefined } = { value: undefined };

export interface World {
  h: Harness;
  staffCookie: string;
  staffId: string;
  ownerUsername: string;
  A: { store: StoreRef; orderNo: string; sub: string };
  B: { store: StoreRef; orderNo: string; sub: string; refundNo: string };
  /** an order with one sub-order of A and one of B */
  AB: { orderNo: string; subA: string; subB: string };
  /** every identifier of B that must never show to A's staff */
  secrets: string[];
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function call(
  w: World,
  file: string,
  method: string,
  params: Record<string, string>,
  o: { json?: unknown; body?: string; headers?: Record<string, string>; query?: string } = {},
): Promise<Response> {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as Record<string, Handler>;
  const handler = mod[method];
  if (!handler) throw new Error(`${file} has no ${method}`);
  const urlPath = file
    .replace(/^app/, "")
    .replace(/\/route\.[jt]sx?$/, "")
    .replace(/\[([^\]]+)\]/g, (_, k: string) => encodeURIComponent(params[k] ?? "x"));
  const headers = new Headers({ origin: w.h.appUrl, cookie: w.staffCookie, ...o.headers });
  if (o.json !== undefined) headers.set("content-type", "application/json");
  return handler(
    new Request(`${w.h.appUrl}${urlPath}${o.query ?? ""}`, {
      method,
      headers,
      body: o.json !== undefined ? JSON.stringify(o.json) : o.body,
    }),
    { params: Promise.resolve(params) },
  );
}

/** Everything a rendered element tree carries as text (props and children; components by name, no cycles). */
function textOf(el: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(el, (key, v: unknown) => {
    if (key === "type" && typeof v !== "string") return undefined;
    if (key.startsWith("_")) return undefined;
    if (typeof v === "function") return undefined;
    if (v && typeof v === "object") {
      if (seen.has(v)) return undefined;
      seen.add(v);
    }
    return v;
  });
}

type Rendered = { kind: "rendered"; text: string } | { kind: "notFound" } | { kind: "redirect"; to: string };

async function render(
  w: World,
  file: string,
  params: Record<string, string> = {},
  searchParams: Record<string, string> = {},
): Promise<Rendered> {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, file))) as { default: (p: unknown) => Promise<unknown> };
  pageCookie.value = w.staffCookie.slice(`${SESSION_COOKIE}=`.length);
  try {
    const el = await mod.default({ params: Promise.resolve(params), searchParams: Promise.resolve(searchParams) });
    return { kind: "rendered", text: textOf(el) };
  } catch (e) {
    const digest = String((e as { digest?: unknown })?.digest ?? "");
    if (digest.startsWith("NEXT_HTTP_ERROR_FALLBACK;404")) return { kind: "notFound" };
    if (digest.startsWith("NEXT_REDIRECT")) return { kind: "redirect", to: digest.split(";")[2]! };
    throw e;
  } finally {
    pageCookie.value = undefined;
  }
}

/** `echo`: what the caller typed into a filter, which the page shows back (not a leak). */
function expectNoLeak(w: World, text: string, echo?: string) {
  const shown = echo ? text.split(JSON.stringify(echo)).join('""').split(echo).join("") : text;
  for (const s of w.secrets) expect(shown, `must not show ${s}`).not.toContain(s);
}
async function expect404(res: Response) {
  expect(res.status, await res.clone().text()).toBe(404);
}
async function expect403(res: Response) {
  expect(res.status).toBe(403);
  expect(await res.json()).toMatchObject({ code: "FORBIDDEN" });
}
async function expectListed(w: World, file: string, include: string, params: Record<string, string> = {}, sp: Record<string, string> = {}) {
  const r = await render(w, file, params, sp);
  expect(r.kind).toBe("rendered");
  const text = (r as { text: string }).text;
  expectNoLeak(
    w,
    text,
    Object.values(sp).find((v) => w.secrets.includes(v)),
  );
  expect(text).toContain(include);
}

type Case = "public" | ((w: World) => Promise<void>);

/** One case per file on disk. "public": the entry works without a session (auth-walk says why). */
export const SCOPE_CASES: Record<string, Case> = {
  "app/api/admin/session/route.ts": "public",
  "app/api/admin/sign-out/route.ts": "public",
  "app/api/admin/invites/[token]/route.ts": "public",
  "app/admin/sign-in/page.tsx": "public",
  "app/admin/invite/[token]/page.tsx": "public",

  "app/api/admin/accounts/route.ts": async (w) => {
    await expect403(await call(w, "app/api/admin/accounts/route.ts", "GET", {}));
    await expect403(
      await call(w, "app/api/admin/accounts/route.ts", "POST", {}, { json: { username: "sneaky", displayName: "x", role: "OWNER" } }),
    );
  },
  "app/api/admin/accounts/[id]/route.ts": async (w) => {
    await expect403(await call(w, "app/api/admin/accounts/[id]/route.ts", "PATCH", { id: w.staffId }, { json: { role: "OWNER" } }));
  },
  "app/api/admin/me/route.ts": async (w) => {
    const res = await call(w, "app/api/admin/me/route.ts", "GET", {});
    expect(await res.json()).toMatchObject({ me: { role: "STORE_STAFF", storeIds: [w.A.store.id], canRefund: false } });
  },
  "app/api/admin/me/totp/route.ts": async (w) => {
    // the caller's own account only: nothing to scope, nobody else's row changes
    expect((await call(w, "app/api/admin/me/totp/route.ts", "POST", {})).status).toBe(200);
    expect(await w.h.prisma.adminAccount.count({ where: { totpSecret: { not: null }, id: { not: w.staffId } } })).toBe(0);
  },
  "app/api/admin/me/totp/confirm/route.ts": async (w) => {
    const res = await call(w, "app/api/admin/me/totp/confirm/route.ts", "POST", {}, { json: { code: "000000" } });
    expect(res.status).toBe(400);
  },
  "app/api/admin/stats/route.ts": async (w) => {
    const file = "app/api/admin/stats/route.ts";
    const { beijingDateOf } = await import("@/lib/time/beijing");
    const day = beijingDateOf(new Date());
    await expect404(await call(w, file, "GET", {}, { query: `?from=${day}&to=${day}&storeId=${w.B.store.id}` }));
    const res = await call(w, file, "GET", {}, { query: `?from=${day}&to=${day}` });
    const text = await res.text();
    expectNoLeak(w, text);
    const stats = JSON.parse(text) as { storeIds: string[]; stores: { storeId: string }[]; funnel: unknown };
    expect(stats.storeIds).toEqual([w.A.store.id]);
    expect(stats.stores.map((s) => s.storeId)).toEqual([w.A.store.id]);
    expect(stats.funnel).toBeNull();
  },
  "app/api/admin/bills/reconcile/route.ts": async (w) => {
    await expect403(await call(w, "app/api/admin/bills/reconcile/route.ts", "POST", {}, { json: { billDate: "2026-11-26" } }));
  },
  "app/api/admin/bills/report/route.ts": async (w) => {
    await expect403(await call(w, "app/api/admin/bills/report/route.ts", "GET", {}, { query: "?date=2026-11-26" }));
  },
  "app/api/admin/fulfilments/bulk-ship/route.ts": async (w) => {
    const res = await call(
      w,
      "app/api/admin/fulfilments/bulk-ship/route.ts",
      "POST",
      {},
      {
        body: `${w.B.sub},顺丰,SF1234567890\n`,
        headers: { "content-type": "text/csv" },
      },
    );
    // another store's sub-order reads as one that does not exist; nothing shipped
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("不存在");
    expect((await w.h.prisma.subOrder.findUniqueOrThrow({ where: { outTradeNo: w.B.sub } })).fulfilmentStatus).toBe("UNFULFILLED");
  },
  "app/api/admin/images/route.ts": async (w) => {
    // an upload belongs to no store until a product of the caller's store uses it: reached, not scoped
    const res = await call(w, "app/api/admin/images/route.ts", "POST", {}, { body: "<html>", headers: { "content-type": "image/png" } });
    expect(res.status).toBe(415);
  },
  "app/api/admin/orders/[orderNo]/close/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/orders/[orderNo]/close/route.ts", "POST", { orderNo: w.B.orderNo }));
    // a shared order closes every store's sub-order: not the staff's call
    await expect403(await call(w, "app/api/admin/orders/[orderNo]/close/route.ts", "POST", { orderNo: w.AB.orderNo }));
  },
  "app/api/admin/orders/[orderNo]/query/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/orders/[orderNo]/query/route.ts", "POST", { orderNo: w.B.orderNo }));
  },
  "app/api/admin/orders/[orderNo]/fulfilments/route.ts": async (w) => {
    const file = "app/api/admin/orders/[orderNo]/fulfilments/route.ts";
    const ship = (sub: string) => ({ outTradeNo: sub, action: "SHIP", carrier: "顺丰", trackingNo: "SF1234567890" });
    await expect404(await call(w, file, "POST", { orderNo: w.B.orderNo }, { json: ship(w.B.sub) }));
    await expect404(await call(w, file, "POST", { orderNo: w.AB.orderNo }, { json: ship(w.AB.subB) }));
  },
  "app/api/admin/orders/[orderNo]/refunds/route.ts": async (w) => {
    const file = "app/api/admin/orders/[orderNo]/refunds/route.ts";
    const key = () => ({ "idempotency-key": `scope-${randomBytes(6).toString("hex")}` });
    await expect404(await call(w, file, "POST", { orderNo: w.B.orderNo }, { json: { outTradeNo: w.B.sub, amountFen: 1 }, headers: key() }));
    await expect404(
      await call(w, file, "POST", { orderNo: w.AB.orderNo }, { json: { outTradeNo: w.AB.subB, amountFen: 1 }, headers: key() }),
    );
    expect(await w.h.prisma.refund.count({ where: { outTradeNo: { in: [w.B.sub, w.AB.subB] }, refundNo: { not: w.B.refundNo } } })).toBe(0);
  },
  "app/api/admin/orders/export/route.ts": async (w) => {
    const file = "app/api/admin/orders/export/route.ts";
    const { beijingDateOf } = await import("@/lib/time/beijing");
    const day = beijingDateOf(new Date());
    await expect404(await call(w, file, "GET", {}, { query: `?from=${day}&to=${day}&storeId=${w.B.store.id}` }));
    const csv = await (await call(w, file, "GET", {}, { query: `?from=${day}&to=${day}` })).text();
    expectNoLeak(w, csv);
    expect(csv).toContain(w.A.sub);
    expect(csv).toContain(w.AB.subA);
  },
  "app/api/admin/products/route.ts": async (w) => {
    const file = "app/api/admin/products/route.ts";
    const list = await (await call(w, file, "GET", {})).text();
    expectNoLeak(w, list);
    expect(list).toContain(w.A.store.sku);
    const res = await call(
      w,
      file,
      "POST",
      {},
      { json: { sku: `X-${randomBytes(3).toString("hex")}`, name: "x", priceFen: 100, storeId: w.B.store.id } },
    );
    // another store reads as an unknown one
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: "storeId" });
  },
  "app/api/admin/products/[sku]/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/products/[sku]/route.ts", "PATCH", { sku: w.B.store.sku }, { json: { stock: 0 } }));
    expect((await w.h.prisma.product.findUniqueOrThrow({ where: { sku: w.B.store.sku } })).stock).toBeNull();
  },
  "app/api/admin/refunds/[refundNo]/abnormal/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/refunds/[refundNo]/abnormal/route.ts", "POST", { refundNo: w.B.refundNo }));
  },
  "app/api/admin/refunds/[refundNo]/query/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/refunds/[refundNo]/query/route.ts", "POST", { refundNo: w.B.refundNo }));
  },
  "app/api/admin/stores/route.ts": async (w) => {
    const list = await (await call(w, "app/api/admin/stores/route.ts", "GET", {})).text();
    expectNoLeak(w, list);
    expect(list).toContain(w.A.store.id);
    await expect403(await call(w, "app/api/admin/stores/route.ts", "POST", {}, { json: { name: "x", subMchid: "1900000999" } }));
  },
  "app/api/admin/stores/[id]/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/stores/[id]/route.ts", "PATCH", { id: w.B.store.id }, { json: { name: "x" } }));
    // their own store's settings are the owner's
    await expect403(await call(w, "app/api/admin/stores/[id]/route.ts", "PATCH", { id: w.A.store.id }, { json: { name: "x" } }));
  },
  "app/api/admin/stores/[id]/test-message/route.ts": async (w) => {
    await expect404(await call(w, "app/api/admin/stores/[id]/test-message/route.ts", "POST", { id: w.B.store.id }));
  },

  // ---- pages
  "app/admin/page.tsx": async (w) => {
    // the overview: their stores' figures and backlog only, no shop-wide funnel
    await expectListed(w, "app/admin/page.tsx", w.A.store.storeName);
    await expectListed(w, "app/admin/page.tsx", w.A.store.storeName, {}, { storeId: w.B.store.id });
    const r = await render(w, "app/admin/page.tsx");
    expect((r as { text: string }).text).not.toContain("chart-funnel");
  },
  "app/admin/orders/page.tsx": async (w) => {
    await expectListed(w, "app/admin/orders/page.tsx", w.A.orderNo);
    await expectListed(w, "app/admin/orders/page.tsx", w.AB.subA, {}, { q: w.AB.orderNo });
    // searching for B's sub-order finds nothing
    await expectListed(w, "app/admin/orders/page.tsx", "没有符合条件的订单", {}, { q: w.B.sub });
  },
  "app/admin/orders/[orderNo]/page.tsx": async (w) => {
    expect(await render(w, "app/admin/orders/[orderNo]/page.tsx", { orderNo: w.B.orderNo })).toEqual({ kind: "notFound" });
    // the shared order: A's sub-order only
    await expectListed(w, "app/admin/orders/[orderNo]/page.tsx", w.AB.subA, { orderNo: w.AB.orderNo });
  },
  "app/admin/orders/[orderNo]/packing-slip/[outTradeNo]/page.tsx": async (w) => {
    const file = "app/admin/orders/[orderNo]/packing-slip/[outTradeNo]/page.tsx";
    expect(await render(w, file, { orderNo: w.B.orderNo, outTradeNo: w.B.sub })).toEqual({ kind: "notFound" });
    expect(await render(w, file, { orderNo: w.AB.orderNo, outTradeNo: w.AB.subB })).toEqual({ kind: "notFound" });
    expect((await render(w, file, { orderNo: w.AB.orderNo, outTradeNo: w.AB.subA })).kind).toBe("rendered");
  },
  "app/admin/fulfilment/page.tsx": async (w) => {
    await expectListed(w, "app/admin/fulfilment/page.tsx", w.A.sub);
    // filtering by another store shows nothing of it
    const r = await render(w, "app/admin/fulfilment/page.tsx", {}, { store: w.B.store.id });
    expectNoLeak(w, (r as { text: string }).text, w.B.store.id);
    expect((r as { text: string }).text).not.toContain(w.A.sub);
  },
  "app/admin/refunds/page.tsx": async (w) => {
    const r = await render(w, "app/admin/refunds/page.tsx");
    expect(r.kind).toBe("rendered");
    expectNoLeak(w, (r as { text: string }).text);
  },
  "app/admin/products/page.tsx": async (w) => {
    await expectListed(w, "app/admin/products/page.tsx", w.A.store.sku);
    await expectListed(w, "app/admin/products/page.tsx", w.A.store.sku, {}, { edit: w.B.store.sku });
  },
  "app/admin/stores/page.tsx": async (w) => {
    await expectListed(w, "app/admin/stores/page.tsx", w.A.store.id);
    await expectListed(w, "app/admin/stores/page.tsx", w.A.store.id, {}, { edit: w.B.store.id });
  },
  "app/admin/catalog-audit/page.tsx": async (w) => {
    await expectListed(w, "app/admin/catalog-audit/page.tsx", w.A.store.id);
    const r = await render(w, "app/admin/catalog-audit/page.tsx", {}, { entityId: w.B.store.id });
    expectNoLeak(w, (r as { text: string }).text, w.B.store.id);
  },
  "app/admin/bills/page.tsx": async (w) => {
    expect(await render(w, "app/admin/bills/page.tsx")).toEqual({ kind: "notFound" });
  },
  "app/admin/jobs/page.tsx": async (w) => {
    expect(await render(w, "app/admin/jobs/page.tsx")).toEqual({ kind: "notFound" });
  },
  "app/admin/accounts/page.tsx": async (w) => {
    const r = await render(w, "app/admin/accounts/page.tsx");
    expect(r.kind).toBe("rendered");
    const text = (r as { text: string }).text;
    expectNoLeak(w, text);
    expect(text).not.toContain(w.ownerUsername);
  },
};

/** Builds the two stores, their orders, a refund and audit rows, and a STORE_STAFF account of store A. */
export async function buildWorld(h: Harness): Promise<World> {
  const db = h.prisma;
  const [a, b] = [await freshStore(db), await freshStore(db)];
  const paidAt = new Date();
  const A = await insertOrder(db, { status: "PAID", paidAt, subs: [{ store: a, method: "SHIPPING" }] });
  const B = await insertOrder(db, { status: "PAID", paidAt, subs: [{ store: b, method: "SHIPPING" }] });
  const AB = await insertOrder(db, {
    status: "PAID",
    paidAt,
    subs: [
      { store: a, method: "SHIPPING" },
      { store: b, method: "SHIPPING" },
    ],
  });
  const refundNo = `RSCOPE${randomBytes(6).toString("hex").toUpperCase()}`;
  await db.refund.create({
    data: {
      refundNo,
      outTradeNo: B.subs[0]!.outTradeNo,
      orderNo: B.orderNo,
      subMchid: b.subMchid,
      amountFen: 100,
      totalFen: B.subs[0]!.amountFen,
      requestedBy: "test",
      status: "ABNORMAL",
      refundId: `50${randomBytes(8).toString("hex")}`,
    },
  });
  for (const s of [a, b]) {
    await db.catalogAudit.create({
      data: { actor: "test", entity: "STORE", entityId: s.id, action: "CREATE", after: JSON.stringify({ id: s.id }) },
    });
    await db.catalogAudit.create({
      data: { actor: "test", entity: "PRODUCT", entityId: s.sku, action: "CREATE", after: JSON.stringify({ sku: s.sku }) },
    });
  }
  const tag = randomBytes(4).toString("hex");
  const staffId = `acc_staff${tag}`;
  const ownerUsername = `owner.${tag}`;
  await db.adminAccount.create({
    data: { id: `acc_owner${tag}`, username: ownerUsername, displayName: "店主", role: "OWNER", passwordHash: "unused" },
  });
  await db.adminAccount.create({
    data: { id: staffId, username: `staff.${tag}`, displayName: "店员", role: "STORE_STAFF", storeIds: a.id, passwordHash: "unused" },
  });
  const staffCookie = `${SESSION_COOKIE}=${createSessionValue(process.env.ADMIN_TOKEN!, Date.now(), undefined, { accountId: staffId, sessionVersion: 0 })}`;
  return {
    h,
    staffCookie,
    staffId,
    ownerUsername,
    A: { store: a, orderNo: A.orderNo, sub: A.subs[0]!.outTradeNo },
    B: { store: b, orderNo: B.orderNo, sub: B.subs[0]!.outTradeNo, refundNo },
    AB: { orderNo: AB.orderNo, subA: AB.subs[0]!.outTradeNo, subB: AB.subs[1]!.outTradeNo },
    secrets: [b.id, b.subMchid, b.sku, b.storeName, B.orderNo, B.subs[0]!.outTradeNo, AB.subs[1]!.outTradeNo, refundNo],
  };
}

export function adminScopeTests(harness: () => Harness) {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(harness());
  });

  it("every admin route and page on disk has a scope case (a new one without a case fails here)", () => {
    expect(ADMIN_FILES.length).toBeGreaterThan(20);
    expect(ADMIN_FILES.filter((f) => !(f in SCOPE_CASES))).toEqual([]);
    expect(Object.keys(SCOPE_CASES).filter((f) => !ADMIN_FILES.includes(f))).toEqual([]);
  });

  describe.each(ADMIN_FILES.filter((f) => SCOPE_CASES[f] !== "public"))("as store A's staff: %s", (file) => {
    it("another store's objects are not found, lists leave them out, other areas are forbidden", async () => {
      const c = SCOPE_CASES[file];
      if (typeof c === "function") await c(w);
    });
  });
}
