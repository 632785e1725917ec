// 批量发货: a CSV of `outTradeNo,carrier,trackingNo` (README "Delivery and fulfilment" → "Back office").
// Every row is checked first — its shape, then the sub-order as it is now — and when any row is bad the
// errors come back with their line numbers and NOTHING is shipped. Only then is each row shipped with the
// same conditional UPDATE as the 发货 button, one short transaction per row (never one long transaction,
// which would hold SQLite's write lock for the whole file).
//
// Between the check and a row's UPDATE another person can still ship or refund that sub-order. Such a row
// loses its race like a second click does: it is reported under `failed` with its line and reason, and
// the rows before and after it stay shipped. Uploading the same file again is safe: a row whose sub-order
// is already shipped with the same carrier and tracking number counts as `unchanged`, not as an error.
import { actorLabel, assertCan, subOrderWhere, type AdminActor } from "@/lib/admin/scope";
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { parseCsv, type CsvRecord } from "@/lib/csv";
import {
  CARRIERS,
  DELIVERY_METHOD_LABELS,
  FULFILMENT_STATUS_LABELS,
  type DeliveryMethod,
  type FulfilmentStatus,
} from "@/lib/delivery/model";
import { makeMove } from "./machine";
import { CarrierInputSchema, PAID_TRADE_STATES, TrackingNoInputSchema } from "./model";
import { z } from "zod";

/** Rows per file and bytes per upload: one upload is one request, so both stay small. */
export const BULK_SHIP_MAX_ROWS = 1000;
export const BULK_SHIP_MAX_BYTES = 128 * 1024;
/** Errors listed in the answer (the count is always complete). */
const MAX_ERRORS_LISTED = 100;

export interface BulkLineError {
  line: number;
  message: string;
}

export interface BulkShipResult {
  shipped: { line: number; outTradeNo: string }[];
  unchanged: { line: number; outTradeNo: string }[];
  /** Rows that passed the check but lost a race before their UPDATE (see the top of this file). */
  failed: { line: number; outTradeNo: string; code: string; message: string }[];
}

const HEADERS = [
  ["outtradeno", "carrier", "trackingno"],
  ["子单号", "快递公司", "运单号"],
];

/** "ems" in a hand-typed sheet is EMS: Latin carrier names match whatever their case. */
const carrierOf = (v: unknown) => (typeof v === "string" ? (CARRIERS.find((c) => c.toLowerCase() === v.toLowerCase()) ?? v) : v);

const RowSchema = z.object({
  outTradeNo: z.string().regex(/^[0-9A-Za-z_\-|*]{6,32}$/, "子单号格式不正确"),
  carrier: z.preprocess(carrierOf, CarrierInputSchema),
  trackingNo: TrackingNoInputSchema,
});
type Row = z.infer<typeof RowSchema> & { line: number };

/** Bytes of an uploaded file → text: UTF-8 (with or without BOM), else GB18030 (what Excel in China saves). */
export function decodeCsvBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("gb18030").decode(bytes);
  }
}

function invalid(errors: BulkLineError[], message?: string): AppError {
  return new AppError("CSV_INVALID", message ?? `文件中有 ${errors.length} 处错误，未发货任何子单，请改正后重新上传`, {
    errors: errors.slice(0, MAX_ERRORS_LISTED),
    errorCount: errors.length,
  });
}

/** Step 1: the file's shape, row by row. A file that cannot be read at all is refused at once. */
function parseRows(text: string): { rows: Row[]; errors: BulkLineError[] } {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (e) {
    const line = Number(/line (\d+)/.exec(String(e))?.[1] ?? 1);
    throw invalid([{ line, message: "引号未闭合" }]);
  }
  if (records.length && HEADERS.some((h) => h.join() === records[0]!.fields.map((f) => f.trim().toLowerCase()).join())) {
    records = records.slice(1);
  }
  if (records.length === 0) throw invalid([{ line: 1, message: "文件中没有要发货的行" }]);
  if (records.length > BULK_SHIP_MAX_ROWS) {
    throw invalid([{ line: records[BULK_SHIP_MAX_ROWS]!.line, message: `一次最多 ${BULK_SHIP_MAX_ROWS} 行，请拆分文件` }]);
  }
  const errors: BulkLineError[] = [];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  for (const { line, fields } of records) {
    if (fields.length !== 3) {
      errors.push({ line, message: `应为 3 列（outTradeNo,carrier,trackingNo），实际 ${fields.length} 列` });
      continue;
    }
    const [outTradeNo, carrier, trackingNo] = fields.map((f) => f.trim()) as [string, string, string];
    const r = RowSchema.safeParse({ outTradeNo, carrier, trackingNo });
    if (!r.success) {
      const issue = r.error.issues[0]!;
      errors.push({ line, message: `${String(issue.path[0])}：${issue.message}` });
      continue;
    }
    const first = seen.get(r.data.outTradeNo);
    if (first !== undefined) {
      errors.push({ line, message: `子单 ${r.data.outTradeNo} 与第 ${first} 行重复` });
      continue;
    }
    seen.set(r.data.outTradeNo, line);
    rows.push({ ...r.data, line });
  }
  return { rows, errors };
}

/** Step 2: every well-formed row against its sub-order as it is now: to ship, already shipped, or an error. */
async function checkRows(who: AdminActor, rows: Row[]): Promise<{ toShip: Row[]; unchanged: Row[]; errors: BulkLineError[] }> {
  // Another store's sub-order reads as one that does not exist (lib/admin/scope.ts).
  const subs = await prisma.subOrder.findMany({
    where: { outTradeNo: { in: rows.map((r) => r.outTradeNo) }, ...subOrderWhere(who) },
    select: {
      outTradeNo: true,
      tradeState: true,
      amountFen: true,
      refundedFen: true,
      deliveryMethod: true,
      fulfilmentStatus: true,
      carrier: true,
      trackingNo: true,
    },
  });
  const byNo = new Map(subs.map((s) => [s.outTradeNo, s]));
  const errors: BulkLineError[] = [];
  const toShip: Row[] = [];
  const unchanged: Row[] = [];
  for (const row of rows) {
    const s = byNo.get(row.outTradeNo);
    const fail = (message: string) => errors.push({ line: row.line, message: `子单 ${row.outTradeNo}：${message}` });
    if (!s) fail("不存在");
    else if (!(PAID_TRADE_STATES as readonly string[]).includes(s.tradeState)) fail("尚未支付，不能发货");
    else if (s.deliveryMethod !== "SHIPPING") {
      fail(`配送方式是「${DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod}」，不能发货`);
    } else if (s.fulfilmentStatus === "SHIPPED" && s.carrier === row.carrier && s.trackingNo === row.trackingNo) unchanged.push(row);
    else if (s.fulfilmentStatus !== "UNFULFILLED") {
      const state = FULFILMENT_STATUS_LABELS[s.fulfilmentStatus as FulfilmentStatus] ?? s.fulfilmentStatus;
      const tracking = s.carrier ? `（${s.carrier} ${s.trackingNo ?? ""}）` : "";
      fail(`当前为「${state}」${tracking}，不能再次发货；修改运单号请在订单详情中操作`);
    } else if (s.refundedFen >= s.amountFen) fail("已全额退款，不能发货");
    else toShip.push(row);
  }
  return { toShip, unchanged, errors };
}

/**
 * Checks the whole file, then ships its rows one by one. Throws AppError CSV_INVALID (400, `errors` with
 * line numbers) and ships nothing when any row is bad.
 */
export async function bulkShip(who: AdminActor, text: string, now = new Date()): Promise<BulkShipResult> {
  assertCan(who, "fulfilment");
  const actor = actorLabel(who);
  const parsed = parseRows(text);
  const { toShip, unchanged, errors } = await checkRows(who, parsed.rows);
  const all = [...parsed.errors, ...errors].sort((a, b) => a.line - b.line);
  if (all.length) throw invalid(all);
  const result: BulkShipResult = { shipped: [], unchanged: unchanged.map(({ line, outTradeNo }) => ({ line, outTradeNo })), failed: [] };
  for (const row of toShip) {
    const r = await makeMove(row.outTradeNo, "SHIP", { carrier: row.carrier, trackingNo: row.trackingNo }, actor, now);
    if (r.ok) result.shipped.push({ line: row.line, outTradeNo: row.outTradeNo });
    else result.failed.push({ line: row.line, outTradeNo: row.outTradeNo, code: r.error.code, message: r.error.message });
  }
  return result;
}
