// Server-side cart drafts: how a cart leaves an in-app browser. Cookies and localStorage are not
// shared between WeChat's webview and Safari/Chrome (docs/wechatpay.md §15.2), so the resume URL
// carries a random token naming a draft stored here.
//
// - The token is 256 random bits (base64url); only its SHA-256 is stored.
// - Single use: consuming is ONE conditional update (usedAt IS NULL AND expiresAt > now), so two
//   simultaneous opens of the same link restore the cart exactly once, on SQLite and PostgreSQL.
// - Creating a draft is an unauthenticated write, so it is bounded: the cart is validated against
//   the catalogue (≤ 50 lines, ≤ 99 each, known active SKUs only), the same browser asking again
//   for the same cart gets the same token back (draft cookie) instead of a new row, one client
//   (address, IPv6 /64) creates at most CART_DRAFT_MAX_PER_CLIENT_PER_HOUR drafts an hour — so one
//   client cannot use up the shop-wide caps for everyone — and the whole shop creates at most
//   CART_DRAFT_MAX_PER_MINUTE drafts a minute and holds at most CART_DRAFT_MAX_LIVE live ones. All
//   are counted in the database, so they hold across processes; the per-client quota is exact
//   (lib/http/attempt-limiter.ts), the shop-wide caps may be exceeded by the number of simultaneous requests.
// - The contact and delivery choices typed in the app go along (README "Delivery and fulfilment"):
//   personal data, kept only until the draft expires (housekeeping deletes it then), never logged.
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { readCookie } from "@/lib/admin/session";
import { AppError } from "@/lib/errors";
import type { Contact } from "@/lib/delivery/contact";
import { takeUnits } from "@/lib/http/attempt-limiter";
import { assertKnownDivisions, CheckoutBodySchema, type Delivery } from "@/lib/orders/checkout";
import { countDaily, FUNNEL_COUNTERS } from "@/lib/stats/counters";
import { clearResumedCookie, DRAFT_TOKEN_PATTERN, RESUMED_COOKIE } from "./resume-marker";

export type DraftItem = { sku: string; quantity: number };
/** What else the shopper filled in before the app refused to pay: restored into the cart's form. */
export type DraftDetails = { contact?: Contact; delivery?: Delivery };

/**
 * POST /api/checkout from an in-app browser: the checkout body, where contact and delivery may still be
 * missing (the guide's 复制链接 saves the cart before the form is filled in); what is there is checked.
 */
export const CartDraftBodySchema = CheckoutBodySchema.partial({ contact: true, delivery: true });
export type CartDraftBody = z.infer<typeof CartDraftBodySchema>;

export { DRAFT_TOKEN_PATTERN };
const MAX_LINES = 50;
const MAX_QUANTITY = 99;

export const hashDraftToken = (token: string): string => createHash("sha256").update(token).digest("hex");

/** Merges repeated SKUs, checks the bounds and sorts by SKU: one canonical JSON per cart. */
function canonicalItems(items: readonly DraftItem[]): DraftItem[] {
  const q = new Map<string, number>();
  for (const i of items) q.set(i.sku, (q.get(i.sku) ?? 0) + i.quantity);
  if (q.size === 0) throw new AppError("INVALID_REQUEST", "购物车是空的");
  if (q.size > MAX_LINES) throw new AppError("INVALID_REQUEST", `购物车最多 ${MAX_LINES} 种商品`);
  for (const [sku, n] of q) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_QUANTITY)
      throw new AppError("INVALID_REQUEST", `商品 ${sku} 数量须在 1–${MAX_QUANTITY} 之间`);
  }
  return [...q].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

export interface SavedDraft {
  token: string;
  expiresAt: Date;
  /** true when the browser's existing draft for the identical cart was handed back (no new row) */
  reused: boolean;
}

/**
 * Stores the cart and returns a fresh token — or, when `cookieToken` names a live, unused draft of
 * the identical cart, that same token. Throws UNKNOWN_SKU / INVALID_REQUEST for a bad cart and
 * RATE_LIMITED when the client's quota (`client`: lib/http/request-guards.ts clientKey) or a
 * shop-wide cap is reached.
 */
export async function saveCartDraft(
  items: readonly DraftItem[],
  opts: {
    cookieToken?: string | null;
    client?: string;
    now?: Date;
    limits?: ReturnType<typeof env>["cartDraft"];
    details?: DraftDetails;
  } = {},
): Promise<SavedDraft> {
  const now = opts.now ?? new Date();
  const { ttlHours, maxPerMinute, maxLive, maxPerClientPerHour } = opts.limits ?? env().cartDraft;
  const canonical = canonicalItems(items);
  const { contact, delivery } = opts.details ?? {};
  await assertKnownDivisions(delivery?.address, "delivery.address");

  const known = await prisma.product.findMany({ where: { sku: { in: canonical.map((i) => i.sku) }, active: true }, select: { sku: true } });
  const unknown = canonical.filter((i) => !known.some((k) => k.sku === i.sku)).map((i) => i.sku);
  if (unknown.length) throw new AppError("UNKNOWN_SKU", `商品已下架或不存在：${unknown.join("、")}`, { skus: unknown });
  // Items alone stay the plain array (the format before contact and delivery went along); with details,
  // one object. Either way one canonical JSON per request, which the same-cart reuse below compares.
  const json = contact || delivery ? JSON.stringify({ items: canonical, contact, delivery }) : JSON.stringify(canonical);

  if (opts.cookieToken && DRAFT_TOKEN_PATTERN.test(opts.cookieToken)) {
    const mine = await prisma.cartDraft.findUnique({ where: { tokenHash: hashDraftToken(opts.cookieToken) } });
    if (mine && mine.usedAt === null && mine.expiresAt > now && mine.items === json) {
      return { token: opts.cookieToken, expiresAt: mine.expiresAt, reused: true };
    }
  }

  // The client's quota first: once it is used up, its requests write nothing and cost the shop-wide caps nothing.
  const quota = opts.client
    ? await takeUnits([{ key: `cart-draft:ip:${opts.client}`, limit: maxPerClientPerHour, windowSeconds: 3600 }], now)
    : undefined;
  if (quota && !quota.taken) {
    const minutes = Math.ceil(quota.retryAfterSeconds / 60);
    throw new AppError("RATE_LIMITED", `保存购物车太频繁，请 ${minutes} 分钟后再试；也可以在浏览器中打开本店后重新选购`, {
      retryAfterSeconds: quota.retryAfterSeconds,
    });
  }
  const lastMinute = await prisma.cartDraft.count({ where: { createdAt: { gt: new Date(now.getTime() - 60_000) } } });
  const live = lastMinute >= maxPerMinute ? 0 : await prisma.cartDraft.count({ where: { usedAt: null, expiresAt: { gt: now } } });
  if (lastMinute >= maxPerMinute || live >= maxLive) {
    if (quota?.taken) await quota.giveBack(); // no draft made: the client keeps its unit
    throw rateLimited();
  }

  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + ttlHours * 3_600_000);
  await prisma.cartDraft.create({ data: { tokenHash: hashDraftToken(token), items: json, createdAt: now, expiresAt } });
  countDaily(FUNNEL_COUNTERS.resumeLinks, now);
  return { token, expiresAt, reused: false };
}

function rateLimited(): AppError {
  return new AppError("RATE_LIMITED", "现在保存购物车的人太多，请稍后再试；也可以在浏览器中打开本店后重新选购");
}

export type ConsumeResult =
  | ({ status: "restored"; items: DraftItem[]; /** names (or SKUs) of items no longer sold */ dropped: string[] } & DraftDetails)
  | { status: "used" | "expired" | "invalid" };

function readDraft(json: string): { items: DraftItem[] } & DraftDetails {
  const data = JSON.parse(json) as DraftItem[] | ({ items: DraftItem[] } & DraftDetails);
  return Array.isArray(data) ? { items: data } : data;
}

/**
 * Opens a draft exactly once. The conditional update decides who wins; a loser (or any later
 * open) learns whether the link was used, expired or never existed. Items that left the
 * catalogue since the draft was saved are dropped and named; prices are not stored at all, so the
 * cart shows today's catalogue prices.
 */
export async function consumeCartDraft(token: string, now: Date = new Date()): Promise<ConsumeResult> {
  if (!DRAFT_TOKEN_PATTERN.test(token)) return { status: "invalid" };
  const tokenHash = hashDraftToken(token);
  const won = await prisma.cartDraft.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  const draft = await prisma.cartDraft.findUnique({ where: { tokenHash }, select: { items: true, usedAt: true } });
  if (won.count !== 1 || !draft) return { status: !draft ? "invalid" : draft.usedAt ? "used" : "expired" };

  countDaily(FUNNEL_COUNTERS.resumed, now);
  const { items, contact, delivery } = readDraft(draft.items);
  const products = await prisma.product.findMany({
    where: { sku: { in: items.map((i) => i.sku) } },
    select: { sku: true, name: true, active: true },
  });
  const bySku = new Map(products.map((p) => [p.sku, p]));
  return {
    status: "restored",
    items: items.filter((i) => bySku.get(i.sku)?.active),
    dropped: items.filter((i) => !bySku.get(i.sku)?.active).map((i) => bySku.get(i.sku)?.name ?? i.sku),
    ...(contact ? { contact } : {}),
    ...(delivery ? { delivery } : {}),
  };
}

/**
 * Housekeeping (for the scheduler): deletes drafts past their expiry, used or not. A used draft is
 * kept until then so that opening its link again says "already used" rather than "invalid".
 */
export async function pruneCartDrafts(now: Date = new Date()): Promise<number> {
  const r = await prisma.cartDraft.deleteMany({ where: { expiresAt: { lte: now } } });
  return r.count;
}

/**
 * After a checkout from a real browser: when the request carries the resume-link marker (resume-marker.ts)
 * of a draft that was consumed, the order is marked as coming from a resumed cart (the overview's funnel)
 * and the answer clears the marker. A marker of a draft never consumed (a used, expired or made-up link)
 * marks nothing.
 */
export async function markResumedCheckout(request: Request, orderNo: string, response: Response, secure: boolean): Promise<Response> {
  const token = readCookie(request.headers.get("cookie"), RESUMED_COOKIE);
  if (token === undefined) return response;
  if (DRAFT_TOKEN_PATTERN.test(token)) {
    const draft = await prisma.cartDraft.findUnique({ where: { tokenHash: hashDraftToken(token) }, select: { usedAt: true } });
    if (draft?.usedAt) await prisma.order.updateMany({ where: { orderNo, viaResumeLink: false }, data: { viaResumeLink: true } });
  }
  response.headers.append("set-cookie", clearResumedCookie(secure));
  return response;
}
