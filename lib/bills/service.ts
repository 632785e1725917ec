// Trade bill import and reconciliation (docs/wechatpay.md §8): apply (bill_type ALL, GZIP) → download at once →
// the client verifies SHA-1 over the decompressed bytes → parse → store (staged, then swapped in for an earlier
// import of the same date/scope in one short transaction) → reconcile against our sub-orders. Shared by the admin
// route and `npm run bills:reconcile`, so the scheduler and the merchant see the same report.
import { z } from "zod";
import { prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { WechatPayApiError, type TradeBillResponse } from "@/lib/wechatpay";
import { toAppError } from "@/lib/wechatpay-errors";
import { wechatpay } from "@/lib/wechatpay-server";
import { BillParseError, parseTradeBill, type BillRecord, type ParsedBill } from "./parse";
import { BillDateSchema, beijingDayRange } from "@/lib/time/beijing";
import { reconcile, type BillLine, type LocalRefund, type LocalSubOrder, type ReconciliationReport } from "./reconcile";

export const ALL_SCOPE = "ALL";
/** §8.1: STATEMENT_CREATING — WeChat asks to try again in about 30 minutes. */
export const RETRY_AFTER_MINUTES = 30;

export const ReconcileRequestSchema = z
  .object({
    billDate: BillDateSchema,
    subMchid: z
      .string()
      .regex(/^\d{1,12}$/, "店铺（特约商户号）应为数字")
      .optional(),
  })
  .strict();
export type ReconcileRequest = z.infer<typeof ReconcileRequestSchema>;

export interface ImportInfo {
  id: number;
  billDate: string;
  scope: string;
  importedAt: string;
  rowCount: number;
  hashValue: string;
  requestId: string | null;
}

export type ReconcileOutcome =
  | { status: "RECONCILED"; billDate: string; scope: string; import: ImportInfo; report: ReconciliationReport }
  | { status: "STATEMENT_CREATING"; billDate: string; scope: string; message: string; retryAfter: string }
  | { status: "NO_STATEMENT_EXIST"; billDate: string; scope: string; message: string; report: ReconciliationReport };

/** Human text for when a bill can be fetched (§8.1: generated from 09:00 the next day, fetch after 10:00). */
export function availabilityHint(billDate: string): string {
  const next = new Date(beijingDayRange(billDate).end.getTime()).toISOString().slice(0, 10);
  return `${billDate} 的账单于次日（${next}）09:00 起生成，请在 10:00 之后下载`;
}

function scopeOf(req: ReconcileRequest): string {
  if (req.subMchid && env().wechatpay.mode !== "partner") {
    throw new AppError("INVALID_REQUEST", "直连模式下只能下载本商户的账单，不能按店铺（sub_mchid）下载", { field: "subMchid" });
  }
  return req.subMchid ?? ALL_SCOPE;
}

/** WeChat failures during apply/download → our API errors, worded for the merchant. */
/** A bill that cannot be parsed is ours to report; every WeChat failure goes through the shared translation. */
function toBillError(e: unknown): AppError {
  if (e instanceof BillParseError) return new AppError("BILL_MALFORMED", `账单格式无法解析（${e.message}），未保存任何数据`);
  return toAppError(e, "bill");
}

async function applyAndDownload(
  billDate: string,
  subMchid: string | undefined,
): Promise<{ bill: TradeBillResponse & { requestId?: string }; content: Buffer }> {
  const client = wechatpay();
  for (let attempt = 1; ; attempt++) {
    const bill = await client.applyTradeBill({
      bill_date: billDate,
      bill_type: "ALL",
      tar_type: "GZIP",
      ...(subMchid ? { sub_mchid: subMchid } : {}),
    });
    try {
      // Download at once: the download_url is valid for 30 s to 5 min only (§8.2).
      return { bill, content: await client.downloadBill(bill, { tarType: "GZIP" }) };
    } catch (e) {
      // An expired download token: apply again, once.
      if (attempt === 1 && e instanceof WechatPayApiError && e.status === 400 && e.is("INVALID_REQUEST")) continue;
      throw e;
    }
  }
}

const CHUNK = 400; // stays far below SQLite's bound-parameter limit

async function loadLocal(
  billDate: string,
  scope: string,
  rows: Pick<BillLine, "outTradeNo" | "transactionId">[],
): Promise<LocalSubOrder[]> {
  const { start, end } = beijingDayRange(billDate);
  const w = env().wechatpay;
  // Which of our sub-orders this bill must contain: partner mode — every sub-merchant (or the one
  // asked for); direct mode — each sub-order is in its own merchant's bill, so only ours.
  const scopeWhere = scope !== ALL_SCOPE ? { subMchid: scope } : w.mode === "direct" ? { mchid: w.combineMchid } : {};
  const select = {
    outTradeNo: true,
    orderNo: true,
    amountFen: true,
    tradeState: true,
    transactionId: true,
    successTime: true,
    store: { select: { name: true } },
  } as const;
  const found = await prisma.subOrder.findMany({ where: { ...scopeWhere, successTime: { gte: start, lt: end } }, select });
  const outNos = [...new Set(rows.map((r) => r.outTradeNo))];
  const txnIds = [...new Set(rows.map((r) => r.transactionId).filter(Boolean))];
  for (let i = 0; i < Math.max(outNos.length, txnIds.length); i += CHUNK) {
    found.push(
      ...(await prisma.subOrder.findMany({
        where: { OR: [{ outTradeNo: { in: outNos.slice(i, i + CHUNK) } }, { transactionId: { in: txnIds.slice(i, i + CHUNK) } }] },
        select,
      })),
    );
  }
  const unique = new Map(found.map((s) => [s.outTradeNo, s]));
  return [...unique.values()].map(({ store, ...s }) => ({ ...s, storeName: store.name }));
}

/** Ledger refunds this bill must list (accepted that Beijing day, in scope) plus any its refund rows name. */
async function loadLocalRefunds(billDate: string, scope: string, rows: Pick<BillLine, "outRefundNo">[]): Promise<LocalRefund[]> {
  const { start, end } = beijingDayRange(billDate);
  const w = env().wechatpay;
  const scopeWhere = scope !== ALL_SCOPE ? { subMchid: scope } : w.mode === "direct" ? { subOrder: { mchid: w.combineMchid } } : {};
  const select = {
    refundNo: true,
    outTradeNo: true,
    orderNo: true,
    subMchid: true,
    amountFen: true,
    status: true,
    origin: true,
    acceptedAt: true,
    createdAt: true,
    subOrder: { select: { store: { select: { name: true } } } },
  } as const;
  const found = await prisma.refund.findMany({
    where: { ...scopeWhere, OR: [{ acceptedAt: { gte: start, lt: end } }, { acceptedAt: null, createdAt: { gte: start, lt: end } }] },
    select,
  });
  const named = [...new Set(rows.map((r) => r.outRefundNo).filter((x): x is string => !!x && x !== "0"))];
  for (let i = 0; i < named.length; i += CHUNK)
    found.push(...(await prisma.refund.findMany({ where: { refundNo: { in: named.slice(i, i + CHUNK) } }, select })));
  const unique = new Map(found.map((r) => [r.refundNo, r]));
  return [...unique.values()].map(({ subOrder, acceptedAt, createdAt, ...r }) => ({
    ...r,
    storeName: subOrder.store.name,
    acceptedAt: acceptedAt ?? createdAt,
  }));
}

function toRowData(r: BillRecord) {
  return {
    lineNo: r.lineNo,
    tradeTime: r.tradeTime,
    appid: r.appid ?? null,
    mchid: r.mchid ?? null,
    subMchid: r.subMchid ?? null,
    transactionId: r.transactionId,
    outTradeNo: r.outTradeNo,
    tradeType: r.tradeType ?? null,
    tradeState: r.tradeState,
    bankType: r.bankType ?? null,
    currency: r.currency ?? null,
    settlementAmountFen: r.settlementAmountFen ?? null,
    couponAmountFen: r.couponAmountFen ?? null,
    refundId: r.refundId ?? null,
    outRefundNo: r.outRefundNo ?? null,
    refundAmountFen: r.refundAmountFen ?? null,
    rechargeRefundAmountFen: r.rechargeRefundAmountFen ?? null,
    refundType: r.refundType ?? null,
    refundStatus: r.refundStatus ?? null,
    description: r.description ?? null,
    attach: r.attach ?? null,
    feeMilliFen: r.feeMilliFen ?? null,
    feeRate: r.feeRate ?? null,
    orderAmountFen: r.orderAmountFen ?? null,
    requestedRefundAmountFen: r.requestedRefundAmountFen ?? null,
    feeRemark: r.feeRemark ?? null,
    // deviceInfo and openid are not needed for reconciliation; openid is personal data: not stored.
    extra: Object.keys(r.extra).length ? JSON.stringify(r.extra) : null,
  };
}

/** The value of BillImport.currentKey that marks the import shown for a date and scope. */
const currentKeyOf = (billDate: string, scope: string) => `${billDate}|${scope}`;

/** Seams for tests and benches: rows per insert statement, and a pause after each one. */
export interface ImportHooks {
  chunkRows?: number;
  afterChunk?: (rowsStored: number) => Promise<void>;
}

/**
 * Stores a parsed bill without ever holding the database's write lock for long (SQLite has one
 * for the whole file, and better-sqlite3 waits for it on the event loop of every other process):
 * the rows go in under a new import that nobody reads yet, one short statement per chunk; one
 * short transaction then makes it the current import of its date and scope; the import it
 * replaced is deleted afterwards, again chunk by chunk. A reader sees the previous import or the
 * new one, whole, never a mix. An import interrupted half-way leaves a non-current import that
 * housekeeping removes (pruneStaleBillImports).
 */
async function storeImport(
  billDate: string,
  scope: string,
  bill: TradeBillResponse & { requestId?: string },
  parsed: ParsedBill,
  hooks: ImportHooks,
): Promise<void> {
  const s = parsed.summary;
  const chunkRows = hooks.chunkRows ?? CHUNK;
  const staged = await prisma.billImport.create({
    data: {
      billDate,
      scope,
      billType: "ALL",
      hashType: bill.hash_type,
      hashValue: bill.hash_value.toLowerCase(),
      requestId: bill.requestId ?? null,
      header: parsed.header.join(","),
      rowCount: parsed.rows.length,
      summaryTradeCount: s.tradeCount,
      summarySettlementFen: s.settlementFen ?? null,
      summaryRefundFen: s.refundFen ?? null,
      summaryRechargeRefundFen: s.rechargeRefundFen ?? null,
      summaryFeeMilliFen: s.feeMilliFen ?? null,
      summaryOrderFen: s.orderFen ?? null,
      summaryRequestedRefundFen: s.requestedRefundFen ?? null,
    },
    select: { id: true },
  });
  let replaced: number | undefined;
  try {
    for (let i = 0; i < parsed.rows.length; i += chunkRows) {
      const chunk = parsed.rows.slice(i, i + chunkRows);
      await prisma.billRow.createMany({ data: chunk.map((r) => ({ importId: staged.id, ...toRowData(r) })) });
      await hooks.afterChunk?.(i + chunk.length);
    }
    replaced = await makeCurrent(staged.id, currentKeyOf(billDate, scope), parsed.rows.length);
  } catch (e) {
    await discardImport(staged.id).catch(() => undefined); // housekeeping gets it otherwise
    throw e;
  }
  if (replaced !== undefined) await discardImport(replaced);
}

/** The swap: the only transaction of an import. Returns the id of the import it replaced, if any. */
async function makeCurrent(id: number, currentKey: string, rowCount: number): Promise<number | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(async (db) => {
        // Whole or not at all: rows lost meanwhile (e.g. pruned as stale) must not become the report.
        const stored = await db.billRow.count({ where: { importId: id } });
        if (stored !== rowCount) throw new Error(`bill import ${id}: ${stored} of ${rowCount} rows stored`);
        const old = await db.billImport.findUnique({ where: { currentKey }, select: { id: true } });
        if (old) await db.billImport.update({ where: { id: old.id }, data: { currentKey: null } });
        await db.billImport.update({ where: { id }, data: { currentKey, importedAt: new Date() } });
        return old?.id;
      });
    } catch (e) {
      // Two imports of the same date and scope swapping at once on PostgreSQL: the second one's
      // read did not see the first one's uncommitted swap and meets the unique index. Read again:
      // the later import wins, as it would have one after the other.
      if (attempt < 3 && isUniqueViolation(e)) continue;
      throw e;
    }
  }
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

/** Deletes a non-current import, rows first in short statements. Never touches the current one. */
async function discardImport(id: number): Promise<void> {
  for (;;) {
    const rows = await prisma.billRow.findMany({
      where: { importId: id, billImport: { currentKey: null } },
      select: { id: true },
      take: CHUNK,
    });
    if (rows.length === 0) break;
    await prisma.billRow.deleteMany({ where: { id: { in: rows.map((r) => r.id) } } });
  }
  await prisma.billImport.deleteMany({ where: { id, currentKey: null } });
}

/** Imports that never became current (a process stopped half-way) are kept this long, then removed. */
export const STALE_BILL_IMPORT_MINUTES = 60;

/** Housekeeping: removes imports left non-current for longer than any real import takes; returns how many. */
export async function pruneStaleBillImports(now: Date, limit = 20): Promise<number> {
  const stale = await prisma.billImport.findMany({
    where: { currentKey: null, importedAt: { lt: new Date(now.getTime() - STALE_BILL_IMPORT_MINUTES * 60_000) } },
    select: { id: true },
    take: limit,
  });
  for (const { id } of stale) await discardImport(id);
  return stale.length;
}

type StoredImport = NonNullable<Awaited<ReturnType<typeof findImport>>>;

function findImport(billDate: string, scope: string) {
  return prisma.billImport.findUnique({
    where: { currentKey: currentKeyOf(billDate, scope) },
    include: { rows: { orderBy: { lineNo: "asc" } } },
  });
}

function importInfo(i: StoredImport): ImportInfo {
  return {
    id: i.id,
    billDate: i.billDate,
    scope: i.scope,
    importedAt: i.importedAt.toISOString(),
    rowCount: i.rowCount,
    hashValue: i.hashValue,
    requestId: i.requestId,
  };
}

const orUndef = (v: number | null) => (v === null ? undefined : v);

async function reportFor(i: StoredImport): Promise<ReconciliationReport> {
  return reconcile({
    billDate: i.billDate,
    rows: i.rows,
    summary: {
      tradeCount: i.summaryTradeCount,
      settlementFen: orUndef(i.summarySettlementFen),
      refundFen: orUndef(i.summaryRefundFen),
      rechargeRefundFen: orUndef(i.summaryRechargeRefundFen),
      feeMilliFen: orUndef(i.summaryFeeMilliFen),
      orderFen: orUndef(i.summaryOrderFen),
      requestedRefundFen: orUndef(i.summaryRequestedRefundFen),
    },
    local: await loadLocal(i.billDate, i.scope, i.rows),
    localRefunds: await loadLocalRefunds(i.billDate, i.scope, i.rows),
  });
}

/** The whole action: download, verify, parse, store, reconcile. Nothing is stored unless every step before storing succeeded. */
export async function downloadAndReconcile(req: ReconcileRequest, hooks: ImportHooks = {}): Promise<ReconcileOutcome> {
  const { billDate } = req;
  const scope = scopeOf(req);
  let downloaded;
  try {
    downloaded = await applyAndDownload(billDate, req.subMchid);
  } catch (e) {
    if (e instanceof WechatPayApiError && e.is("STATEMENT_CREATING")) {
      return {
        status: "STATEMENT_CREATING",
        billDate,
        scope,
        message: `账单生成中（STATEMENT_CREATING）。${availabilityHint(billDate)}；请约 ${RETRY_AFTER_MINUTES} 分钟后再试。`,
        retryAfter: new Date(Date.now() + RETRY_AFTER_MINUTES * 60_000).toISOString(),
      };
    }
    if (e instanceof WechatPayApiError && e.is("NO_STATEMENT_EXIST")) {
      // No transactions that day at WeChat: any payment we recorded for the day is missing from the bill.
      const report = reconcile({
        billDate,
        rows: [],
        summary: { tradeCount: 0 },
        local: await loadLocal(billDate, scope, []),
        localRefunds: await loadLocalRefunds(billDate, scope, []),
      });
      return {
        status: "NO_STATEMENT_EXIST",
        billDate,
        scope,
        message: `微信支付没有该日的账单（NO_STATEMENT_EXIST）：该日没有交易，无需重试。若下表列出本地已支付的子单，请核查。`,
        report,
      };
    }
    throw toBillError(e);
  }

  let parsed;
  try {
    parsed = parseTradeBill(downloaded.content);
  } catch (e) {
    throw toBillError(e);
  }
  await storeImport(billDate, scope, downloaded.bill, parsed, hooks);
  const stored = (await findImport(billDate, scope))!;
  return { status: "RECONCILED", billDate, scope, import: importInfo(stored), report: await reportFor(stored) };
}

/** The report of the stored import (recomputed against the current database), or null if never imported. */
export async function storedReport(billDate: string, scope: string): Promise<{ import: ImportInfo; report: ReconciliationReport } | null> {
  const i = await findImport(billDate, scope);
  return i ? { import: importInfo(i), report: await reportFor(i) } : null;
}

export async function recentImports(limit = 20): Promise<ImportInfo[]> {
  const rows = await prisma.billImport.findMany({ where: { currentKey: { not: null } }, orderBy: { importedAt: "desc" }, take: limit });
  return rows.map((i) => importInfo({ ...i, rows: [] }));
}

/** Stores selectable as a bill scope (partner mode only). */
export async function billStores(): Promise<{ subMchid: string; name: string }[]> {
  if (env().wechatpay.mode !== "partner") return [];
  return prisma.store.findMany({ select: { subMchid: true, name: true }, orderBy: { id: "asc" } });
}
