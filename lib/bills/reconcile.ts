// Pure reconciliation of one bill (one Beijing date, one scope) against our sub-orders. No I/O, so
// every difference kind is unit-tested without a database. The bill is per sub-order (§8.3): match on
// the sub out_trade_no, falling back to transaction_id.
import type { BillSummary } from "./parse";

export const DIFF_KINDS = [
  "MATCHED",
  "NOT_PAID_LOCALLY",
  "MISSING_FROM_BILL",
  "AMOUNT_DIFFERS",
  "STATUS_DIFFERS",
  "TRANSACTION_ID_DIFFERS",
  "DUPLICATE_IN_BILL",
] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

export const DIFF_LABELS: Record<DiffKind, string> = {
  MATCHED: "一致",
  NOT_PAID_LOCALLY: "账单有、本地未支付",
  MISSING_FROM_BILL: "本地已支付、账单无",
  AMOUNT_DIFFERS: "金额不一致",
  STATUS_DIFFERS: "状态不一致",
  TRANSACTION_ID_DIFFERS: "微信订单号不一致",
  DUPLICATE_IN_BILL: "账单重复记录",
};

/** The bill fields reconciliation reads (a parsed record or a stored BillRow both fit). */
export interface BillLine {
  lineNo: number;
  tradeTime: string;
  outTradeNo: string;
  transactionId: string;
  tradeState: string;
  refundId?: string | null;
  orderAmountFen?: number | null;
  settlementAmountFen?: number | null;
  couponAmountFen?: number | null;
  refundAmountFen?: number | null;
  rechargeRefundAmountFen?: number | null;
  feeMilliFen?: number | null;
  requestedRefundAmountFen?: number | null;
}

export interface LocalSubOrder {
  outTradeNo: string;
  orderNo: string;
  storeName?: string;
  amountFen: number;
  tradeState: string;
  transactionId: string | null;
  successTime: Date | null;
}

export interface ReportLine {
  kind: DiffKind;
  outTradeNo: string;
  transactionId: string | null;
  orderNo: string | null;
  storeName: string | null;
  billLineNo: number | null;
  billTradeTime: string | null;
  billState: string | null;
  localState: string | null;
  billAmountFen: number | null;
  localAmountFen: number | null;
  note: string;
}

export type TotalUnit = "count" | "fen" | "milliFen";

export interface TotalCheck {
  /** What is compared, e.g. "订单总金额（汇总行）= 明细合计" */
  label: string;
  unit: TotalUnit;
  /** the bill's summary row */
  expected: number;
  /** computed from the bill's detail rows, or from our database */
  actual: number;
  ok: boolean;
}

export interface ReconciliationReport {
  billDate: string;
  ok: boolean;
  counts: Record<DiffKind, number>;
  lines: ReportLine[];
  totals: TotalCheck[];
  localPaidCount: number;
  localPaidFen: number;
}

/** The Beijing calendar date of an instant (WeChat's bill day). */
export function beijingDateOf(d: Date): string {
  return new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** [start, end) of a Beijing calendar date as UTC instants. */
export function beijingDayRange(date: string): { start: Date; end: Date } {
  const start = new Date(`${date}T00:00:00+08:00`);
  if (Number.isNaN(start.getTime()) || beijingDateOf(start) !== date) throw new RangeError(`not a date: ${date}`);
  return { start, end: new Date(start.getTime() + 86_400_000) };
}

// Paid locally = WeChat told us SUCCESS (REFUND means it was paid and later refunded).
const PAID_STATES = new Set(["SUCCESS", "REFUND"]);
const isPaid = (s: LocalSubOrder) => PAID_STATES.has(s.tradeState) && s.successTime !== null;

function billAmount(row: BillLine): number | null {
  if (row.orderAmountFen != null) return row.orderAmountFen;
  // Old merchant accounts: 订单金额 = 应结订单金额 + 代金券金额
  if (row.settlementAmountFen != null) return row.settlementAmountFen + (row.couponAmountFen ?? 0);
  return null;
}

/** Payment lines carry "0" (or nothing) in 微信退款单号; a refund line carries the refund id. */
export const isRefundLine = (r: Pick<BillLine, "refundId">) => !!r.refundId && r.refundId !== "0";

const sum = (rows: BillLine[], pick: (r: BillLine) => number | null | undefined) =>
  rows.reduce((acc, r) => acc + (pick(r) ?? 0), 0);

export function reconcile(input: {
  billDate: string;
  rows: BillLine[];
  summary: Omit<BillSummary, "extra">;
  /** Our sub-orders in scope that were paid on billDate, plus any the bill rows refer to. */
  local: LocalSubOrder[];
}): ReconciliationReport {
  const { billDate, rows, summary } = input;
  const byOutTradeNo = new Map(input.local.map((s) => [s.outTradeNo, s]));
  const byTransactionId = new Map(input.local.filter((s) => s.transactionId).map((s) => [s.transactionId!, s]));
  const lines: ReportLine[] = [];
  const seen = new Set<string>();

  const line = (kind: DiffKind, row: BillLine | null, local: LocalSubOrder | undefined, note: string): ReportLine => ({
    kind,
    outTradeNo: row?.outTradeNo ?? local!.outTradeNo,
    transactionId: row?.transactionId || local?.transactionId || null,
    orderNo: local?.orderNo ?? null,
    storeName: local?.storeName ?? null,
    billLineNo: row?.lineNo ?? null,
    billTradeTime: row?.tradeTime ?? null,
    billState: row ? row.tradeState : null,
    localState: local?.tradeState ?? null,
    billAmountFen: row ? billAmount(row) : null,
    localAmountFen: local?.amountFen ?? null,
    note,
  });

  for (const row of rows) {
    const local = byOutTradeNo.get(row.outTradeNo) ?? (row.transactionId ? byTransactionId.get(row.transactionId) : undefined);

    // A refund line (it carries a 微信退款单号) is a second line for an already paid sub-order.
    if (isRefundLine(row)) {
      if (local?.tradeState === "REFUND") lines.push(line("MATCHED", row, local, "退款记录"));
      else lines.push(line("STATUS_DIFFERS", row, local, `账单有退款记录（${row.refundId}），本地状态 ${local?.tradeState ?? "无此子单"}`));
      continue;
    }

    if (local && seen.has(local.outTradeNo)) {
      lines.push(line("DUPLICATE_IN_BILL", row, local, "同一子单在账单中出现多次"));
      continue;
    }
    if (!local || !isPaid(local)) {
      const where = local ? `本地状态 ${local.tradeState}` : "本地无此子单";
      if (row.tradeState === "SUCCESS") lines.push(line("NOT_PAID_LOCALLY", row, local, `账单显示已支付，${where}`));
      else lines.push(line("STATUS_DIFFERS", row, local, `账单状态 ${row.tradeState || "（空）"}，${where}`));
      if (local) seen.add(local.outTradeNo);
      continue;
    }
    seen.add(local.outTradeNo);

    let differs = false;
    if (row.tradeState !== "SUCCESS") {
      lines.push(line("STATUS_DIFFERS", row, local, `账单状态 ${row.tradeState || "（空）"}，本地 ${local.tradeState}`));
      differs = true;
    }
    const amount = billAmount(row);
    if (amount !== local.amountFen) {
      lines.push(line("AMOUNT_DIFFERS", row, local, amount === null ? "账单无金额列" : `账单 ${amount} 分，本地 ${local.amountFen} 分`));
      differs = true;
    }
    if (row.transactionId && local.transactionId && row.transactionId !== local.transactionId) {
      lines.push(line("TRANSACTION_ID_DIFFERS", row, local, `本地微信订单号 ${local.transactionId}`));
      differs = true;
    }
    if (!differs) {
      const sameDay = beijingDateOf(local.successTime!) === billDate;
      lines.push(line("MATCHED", row, local, sameDay ? "" : `本地支付时间在 ${beijingDateOf(local.successTime!)}`));
    }
  }

  const paidOnDate = input.local.filter((s) => isPaid(s) && beijingDateOf(s.successTime!) === billDate);
  for (const s of paidOnDate) {
    if (!seen.has(s.outTradeNo)) lines.push(line("MISSING_FROM_BILL", null, s, "本地当日已支付，账单中没有"));
  }

  // Totals: the summary row must equal the detail rows (file consistency), and our own paid
  // sub-orders of the day must add up to it too. Every check is reported, passing or not.
  const totals: TotalCheck[] = [];
  const check = (label: string, unit: TotalUnit, expected: number | undefined, actual: number) => {
    if (expected !== undefined) totals.push({ label, unit, expected, actual, ok: expected === actual });
  };
  check("总交易单数 = 明细行数", "count", summary.tradeCount, rows.length);
  check("应结订单总金额 = 明细合计", "fen", summary.settlementFen, sum(rows, (r) => r.settlementAmountFen));
  check("退款总金额 = 明细合计", "fen", summary.refundFen, sum(rows, (r) => r.refundAmountFen));
  check("充值券退款总金额 = 明细合计", "fen", summary.rechargeRefundFen, sum(rows, (r) => r.rechargeRefundAmountFen));
  check("手续费总金额 = 明细合计", "milliFen", summary.feeMilliFen, sum(rows, (r) => r.feeMilliFen));
  check("订单总金额 = 明细合计", "fen", summary.orderFen, sum(rows, (r) => r.orderAmountFen));
  check("申请退款总金额 = 明细合计", "fen", summary.requestedRefundFen, sum(rows, (r) => r.requestedRefundAmountFen));
  const localPaidFen = paidOnDate.reduce((acc, s) => acc + s.amountFen, 0);
  const paymentRows = rows.filter((r) => !isRefundLine(r)).length;
  check("总交易单数（支付记录）= 本地当日已支付子单数", "count", summary.tradeCount - (rows.length - paymentRows), paidOnDate.length);
  check("订单总金额 = 本地当日已支付金额", "fen", summary.orderFen ?? summary.settlementFen, localPaidFen);

  const counts = Object.fromEntries(DIFF_KINDS.map((k) => [k, 0])) as Record<DiffKind, number>;
  for (const l of lines) counts[l.kind] += 1;
  // Differences first, in a stable order, so the report starts with what needs attention.
  const order = new Map(DIFF_KINDS.map((k, i) => [k, i === 0 ? DIFF_KINDS.length : i]));
  lines.sort((a, b) => order.get(a.kind)! - order.get(b.kind)! || (a.billLineNo ?? 1e9) - (b.billLineNo ?? 1e9) || a.outTradeNo.localeCompare(b.outTradeNo));

  return {
    billDate,
    ok: lines.every((l) => l.kind === "MATCHED") && totals.every((t) => t.ok),
    counts,
    lines,
    totals,
    localPaidCount: paidOnDate.length,
    localPaidFen,
  };
}
