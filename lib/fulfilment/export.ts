// 导出订单: GET /api/admin/orders/export?from=&to=&storeId= (README "Delivery and fulfilment" → "Export").
// One CSV row per paid sub-order whose order was paid on the Beijing dates from … to (inclusive), for Excel:
// UTF-8 with a BOM, CRLF, amounts as yuan strings, formula-like cells neutralised. Streamed: orders are read
// in keyset pages (orderNo > last, on the primary key) and each page is written before the next is read,
// so memory stays bounded by one page whatever the range (100,000 rows: `npm run bench:export`).
import { stringify } from "csv-stringify/sync";
import { z } from "zod";
import { prisma } from "@/lib/db";
import { STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/model";
import { fenToYuanString } from "@/lib/money";
import { BillDateSchema, beijingDayRange, formatBeijing } from "@/lib/time/beijing";
import { adminFulfilmentLabel, formatAddress, PAID_TRADE_STATES } from "./model";

// --- CSV writer seam ------------------------------------------------------------------------------------
// Everything this file knows about CSV syntax is these three definitions. They are meant to be replaced by
// the app's one shared CSV writer (csv-stringify with formula neutralisation, used by every CSV output)
// once it exists: swap the imports, delete this block.

export const CSV_BOM = "\uFEFF";

/**
 * A spreadsheet runs a cell starting with = + - @ (and, in some, a tab or carriage return) as a formula
 * (CSV injection): such a cell gets a leading apostrophe, which Excel and WPS show as text. Every cell of
 * this export is text (amounts are never negative here), so every cell goes through it.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Rows → CSV text, CRLF after every row; a cell with a comma, quote or any line break is quoted. */
export function csvLines(rows: readonly (readonly string[])[]): string {
  return stringify(
    rows.map((r) => r.map(neutraliseCell)),
    { record_delimiter: "\r\n", quoted_match: /[\r\n]/ },
  );
}
// ---------------------------------------------------------------------------------------------------------

/** Orders read per page (each with its sub-orders): bounds what is held in memory at once. */
export const EXPORT_PAGE_ORDERS = 500;
/** Longest range one export covers, in days. */
export const EXPORT_MAX_DAYS = 366;

export const ExportQuerySchema = z
  .object({
    from: BillDateSchema,
    to: BillDateSchema,
    storeId: z.string().regex(STORE_ID_PATTERN, "店铺编号格式不正确").optional(),
  })
  .superRefine((q, ctx) => {
    // zod runs this even when a date failed its own check (that issue is already reported): skip then
    const day = (d: string) => (BillDateSchema.safeParse(d).success ? beijingDayRange(d) : null);
    const from = day(q.from);
    const to = day(q.to);
    if (!from || !to) return;
    if (to.start < from.start) ctx.addIssue({ code: "custom", path: ["to"], message: "结束日期不能早于开始日期" });
    else if (to.end.getTime() - from.start.getTime() > EXPORT_MAX_DAYS * 86_400_000) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `一次最多导出 ${EXPORT_MAX_DAYS} 天` });
    }
  });
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

/** The rows of the export, one page of orders at a time. */
export async function* exportRows(q: ExportQuery, pageOrders = EXPORT_PAGE_ORDERS): AsyncGenerator<string[][]> {
  const paidAt = { gte: beijingDayRange(q.from).start, lt: beijingDayRange(q.to).end };
  const storeNames = new Map((await prisma.store.findMany({ select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  const subWhere = { tradeState: { in: [...PAID_TRADE_STATES] }, ...(q.storeId ? { storeId: q.storeId } : {}) };
  let after: string | undefined;
  for (;;) {
    const orders = await prisma.order.findMany({
      where: {
        paidAt,
        ...(after ? { orderNo: { gt: after } } : {}),
        ...(q.storeId ? { subOrders: { some: { storeId: q.storeId } } } : {}),
      },
      orderBy: { orderNo: "asc" },
      take: pageOrders,
      select: {
        orderNo: true,
        paidAt: true,
        contactName: true,
        contactPhone: true,
        addressProvince: true,
        addressCity: true,
        addressDistrict: true,
        addressDetail: true,
        addressPostalCode: true,
        subOrders: {
          where: subWhere,
          orderBy: { position: "asc" },
          select: {
            outTradeNo: true,
            storeId: true,
            successTime: true,
            amountFen: true,
            refundedFen: true,
            deliveryMethod: true,
            fulfilmentStatus: true,
            carrier: true,
            trackingNo: true,
          },
        },
      },
    });
    if (orders.length === 0) return;
    const rows: string[][] = [];
    for (const o of orders) {
      const address = formatAddress(o);
      for (const s of o.subOrders) {
        rows.push([
          o.orderNo,
          s.outTradeNo,
          storeNames.get(s.storeId) ?? s.storeId,
          formatBeijing(s.successTime ?? o.paidAt),
          fenToYuanString(s.amountFen),
          fenToYuanString(s.refundedFen),
          o.contactName ?? "",
          o.contactPhone ?? "",
          // the order's one address is where SHIPPING sub-orders go; a pickup or no-delivery row has none
          s.deliveryMethod === "SHIPPING" ? address : "",
          DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod,
          adminFulfilmentLabel(s.deliveryMethod, s.fulfilmentStatus),
          s.carrier ?? "",
          s.trackingNo ?? "",
        ]);
      }
    }
    yield rows;
    if (orders.length < pageOrders) return;
    after = orders[orders.length - 1]!.orderNo;
  }
}

/**
 * The export as a byte stream: the BOM and header first, then one chunk per page, read only when the
 * consumer asks for more (pull), so a slow download never piles pages up in memory. A database error
 * half-way aborts the stream (the download fails visibly instead of ending short).
 */
export function exportCsvStream(q: ExportQuery, pageOrders = EXPORT_PAGE_ORDERS): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pages = exportRows(q, pageOrders);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_BOM + csvLines([EXPORT_HEADER])));
    },
    async pull(controller) {
      try {
        // A page may hold no row (its orders' sub-orders all filtered out): read on, or a consumer
        // waiting for a chunk would wait for ever.
        for (;;) {
          const next = await pages.next();
          if (next.done) return controller.close();
          if (next.value.length) return controller.enqueue(encoder.encode(csvLines(next.value)));
        }
      } catch (e) {
        // Never the rows themselves (contact data): only what failed.
        console.error("order export failed:", e instanceof Error ? e.name : "error");
        controller.error(e);
      }
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
}

/** The file name offered to the browser. */
export function exportFileName(q: ExportQuery): string {
  return `orders-${q.from}_${q.to}${q.storeId ? `-${q.storeId}` : ""}.csv`;
}

/** Stores for the export form's select. */
export function exportStores() {
  return prisma.store.findMany({ orderBy: { name: "asc" }, select: { id: true, name: true } });
}
