// 导出订单: GET /api/admin/orders/export?from=&to=&storeId= (README "Delivery and fulfilment" → "Export").
// One CSV row per paid sub-order whose order was paid on the Beijing dates from … to (inclusive), for Excel:
// UTF-8 with a BOM, CRLF, amounts as yuan strings, formula-like cells neutralised. Streamed: rows are read
// in keyset pages (out_trade_no > the last one, on the sub-order's primary key) and each page is written
// before the next is read, so memory stays bounded by one page whatever the range (100,000 rows:
// `npm run bench:export`).
import { assertCan, canSeeStore, seesAllStores, storeWhere, type AdminActor } from "@/lib/admin/scope";
import { AppError } from "@/lib/errors";
import { z } from "zod";
import { csvStream, EXCEL_CSV } from "@/lib/csv";
import { logger } from "@/lib/log";
import { prisma } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/model";
import { fenToYuanString } from "@/lib/money";
import { beijingDateRangeQuery, beijingDayRange, formatBeijing } from "@/lib/time/beijing";
import { adminFulfilmentLabel, formatAddress, PAID_TRADE_STATES } from "./model";

const log = logger("order-export");

/** Rows (sub-orders) read per page: bounds what is held in memory at once. */
export const EXPORT_PAGE_ROWS = 1000;
/** Longest range one export covers, in days. */
export const EXPORT_MAX_DAYS = 366;

export const ExportQuerySchema = beijingDateRangeQuery(
  { storeId: z.string().regex(STORE_ID_PATTERN, "店铺编号格式不正确").optional() },
  EXPORT_MAX_DAYS,
  `一次最多导出 ${EXPORT_MAX_DAYS} 天`,
);
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

export const EXPORT_HEADER = [
  "订单号",
  "子单号",
  "店铺",
  "支付时间",
  "金额(元)",
  "已退款(元)",
  "收货人",
  "手机号",
  "收货地址",
  "配送方式",
  "履约状态",
  "快递公司",
  "运单号",
] as const;

interface ExportRow {
  orderNo: string;
  paidAt: Date | null;
  contactName: string | null;
  contactPhone: string | null;
  addressProvince: string | null;
  addressCity: string | null;
  addressDistrict: string | null;
  addressDetail: string | null;
  addressPostalCode: string | null;
  outTradeNo: string;
  storeId: string;
  successTime: Date | null;
  amountFen: number;
  refundedFen: number;
  deliveryMethod: string;
  fulfilmentStatus: string;
  carrier: string | null;
  trackingNo: string | null;
}

/**
 * The rows of the export, one page at a time: ONE query per page, the paid sub-orders joined to their
 * orders, in out_trade_no order (an order's sub-orders are together: out_trade_no is the order number plus
 * "-position"), continuing after the last row of the previous page. Keyset on the sub-order's primary key:
 * its index is walked once, never re-read or sorted (no OFFSET; a sort over the join would re-scan what is
 * left on every page). Raw SQL through Prisma's tagged template (bound parameters, placeholders per database):
 * the same read through findMany with nested sub-orders took two queries per page and was slower.
 */
export async function* exportRows(who: AdminActor, q: ExportQuery, pageRows = EXPORT_PAGE_ROWS): AsyncGenerator<string[][]> {
  const from = beijingDayRange(q.from).start;
  const to = beijingDayRange(q.to).end;
  const storeNames = new Map((await prisma.store.findMany({ select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  const store = q.storeId ? Prisma.sql`AND s."storeId" = ${q.storeId}` : Prisma.empty;
  // The caller's stores only (lib/admin/scope.ts); an empty list matches nothing.
  const allowed = seesAllStores(who)
    ? Prisma.empty
    : Prisma.sql`AND s."storeId" IN (${Prisma.join(who.storeIds.length ? [...who.storeIds] : [""])})`;
  let after: string | undefined;
  for (;;) {
    const next = after === undefined ? Prisma.empty : Prisma.sql`AND s."outTradeNo" > ${after}`;
    const page = await prisma.$queryRaw<ExportRow[]>`
      SELECT s."outTradeNo", s."storeId", s."successTime", s."amountFen", s."refundedFen",
             s."deliveryMethod", s."fulfilmentStatus", s."carrier", s."trackingNo",
             o."orderNo", o."paidAt", o."contactName", o."contactPhone",
             o."addressProvince", o."addressCity", o."addressDistrict", o."addressDetail", o."addressPostalCode"
        FROM "SubOrder" s JOIN "Order" o ON o."orderNo" = s."orderNo"
       WHERE o."paidAt" >= ${from} AND o."paidAt" < ${to}
         AND s."tradeState" IN (${Prisma.join([...PAID_TRADE_STATES])})
         ${store} ${allowed} ${next}
       ORDER BY s."outTradeNo"
       LIMIT ${pageRows}`;
    if (page.length === 0) return;
    yield page.map((r) => [
      r.orderNo,
      r.outTradeNo,
      storeNames.get(r.storeId) ?? r.storeId,
      formatBeijing(r.successTime ?? r.paidAt),
      fenToYuanString(Number(r.amountFen)),
      fenToYuanString(Number(r.refundedFen)),
      r.contactName ?? "",
      r.contactPhone ?? "",
      // the order's one address is where SHIPPING sub-orders go; a pickup or no-delivery row has none
      r.deliveryMethod === "SHIPPING" ? formatAddress(r) : "",
      DELIVERY_METHOD_LABELS[r.deliveryMethod as DeliveryMethod] ?? r.deliveryMethod,
      adminFulfilmentLabel(r.deliveryMethod, r.fulfilmentStatus),
      r.carrier ?? "",
      r.trackingNo ?? "",
    ]);
    if (page.length < pageRows) return;
    after = page[page.length - 1]!.outTradeNo;
  }
}

/**
 * The export as a byte stream through the app's one CSV writer (lib/csv.ts csvStream: BOM, CRLF, formula cells
 * neutralised): the header, then the rows page by page, pulled only as fast as the download reads, so a slow
 * download never piles pages up in memory. A database error half-way errors the stream (the download fails
 * visibly instead of ending short); a cancelled download closes the page reader.
 */
export function exportCsvStream(who: AdminActor, q: ExportQuery, pageRows = EXPORT_PAGE_ROWS): ReadableStream<Uint8Array> {
  return csvStream(exportLines(who, q, pageRows), EXCEL_CSV);
}

/**
 * Checked before the download starts: the export needs the orders area, and a store the caller does not see
 * is not found (404 STORE_NOT_FOUND, like an unknown id).
 */
export function assertExportAllowed(who: AdminActor, q: ExportQuery): void {
  assertCan(who, "orders");
  if (q.storeId && !canSeeStore(who, q.storeId)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
}

async function* exportLines(who: AdminActor, q: ExportQuery, pageRows: number): AsyncGenerator<readonly string[]> {
  yield EXPORT_HEADER;
  try {
    for await (const page of exportRows(who, q, pageRows)) yield* page;
  } catch (e) {
    // Never the rows themselves (contact data): only what failed.
    log.error({ errName: e instanceof Error ? e.name : "error" }, "order export failed");
    throw e;
  }
}

/** The file name offered to the browser. */
export function exportFileName(q: ExportQuery): string {
  return `orders-${q.from}_${q.to}${q.storeId ? `-${q.storeId}` : ""}.csv`;
}

/** Stores for the export form's select. */
export function exportStores(who: AdminActor) {
  return prisma.store.findMany({ where: storeWhere(who), orderBy: { name: "asc" }, select: { id: true, name: true } });
}
