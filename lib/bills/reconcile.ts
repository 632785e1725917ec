// Pure reconciliation of one bill (one Beijing date, one scope) against our sub-orders. No I/O, so
// every difference kind is unit-tested without a database. The bill is per sub-order (§8.3): match on
// the sub out_trade_no, falling back to transaction_id.
import type { BillSummary } from "./parse";
import { beijingDateOf } from "@/lib/time/beijing";

export const DIFF_KINDS = [
  "MATCHED",
  "NOT_PAID_LOCALLY",
  "MISSING_FROM_BILL",
  "AMOUNT_DIFFERS",
  "STATUS_DIFFERS",
  "TRANSACTION_ID_DIFFERS",
  "DUPLICATE_IN_BILL",
  // refunds (docs/wechatpay.md §14.7), matched by (特约商户号, 商户退款单号) against the refund ledger
  "REFUND_UNKNOWN",
  "REFUND_MISSING_FROM_BILL",
  "REFUND_AMOUNT_DIFFERS",
  "REFUND_STATUS_DIFFERS",
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
  REFUND_UNKNOWN: "账单有退款、本地无此退款",
  REFUND_MISSING_FROM_BILL: "本地已受理退款、账单无",
  REFUND_AMOUNT_DIFFERS: "退款金额不一致",
  REFUND_STATUS_DIFFERS: "退款状态不一致",
};

/** The bill fields reconciliation reads (a parsed record or a stored BillRow both fit). */
export interface BillLine {
  lineNo: number;
  tradeTime: string;
  outTradeNo: string;
  transactionId: string;
  tradeState: string;
  subMchid?: string | null;
  refundId?: string | null;
  outRefundNo?: string | null;
  refundStatus?: string | null;
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

/** One refund of our ledger (lib/refunds), as reconciliation sees it. */
export interface LocalRefund {
  refundNo: string;
  outTradeNo: string;
  orderNo: string;
  subMchid: string | null;
  storeName?: string;
  amountFen: number;
  status: string;
  origin: string;
  /** WeChat's create_time (acceptance), else when we created it: the refund is in that Beijing day's bill. */
  acceptedAt: Date;
}

/** Per store (特约商户号) from the bill's detail rows: payments, refunds and the net fee. */
export interface StoreTotals {
  subMchid: string;
  storeName: string | null;
  paymentCount: number;
  paymentFen: number;
  refundCount: number;
  refundFen: number;
  /** paymentFen − refundFen */
  netFen: number;
  /** 手续费: refund rows carry a negative fee, so this is the net fee */
  netFeeMilliFen: number;
}

export interface ReportLine {
  kind: DiffKind;
  /** 商户退款单号, on refund lines */
  refundNo?: string | null;
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
  stores: StoreTotals[];
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

/**
 * A bill refund row means WeChat accepted the refund (§14.7). Our FAILED (nothing exists there) and PENDING (never
 * known as accepted) contradict that whatever the snapshot says; CLOSED contradicts a SUCCESS snapshot only (a refund
 * still PROCESSING when the bill was made may have closed since). PROCESSING / ABNORMAL / SUCCESS agree with any
 * snapshot.
 */
function refundStatusDiffers(localStatus: string, billStatus: string | null | undefined): boolean {
  if (localStatus === "FAILED" || localStatus === "PENDING") return true;
  return localStatus === "CLOSED" && billStatus === "SUCCESS";
}

const sum = (rows: BillLine[], pick: (r: BillLine) => number | null | undefined) => rows.reduce((acc, r) => acc + (pick(r) ?? 0), 0);

export function reconcile(input: {
  billDate: string;
  rows: BillLine[];
  summary: Omit<BillSummary, "extra">;
  /** Our sub-orders in scope that were paid on billDate, plus any the bill rows refer to. */
  local: LocalSubOrder[];
  /** Our ledger refunds accepted on billDate, plus any the bill's refund rows name. */
  localRefunds?: LocalRefund[];
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

  const refundKey = (subMchid: string | null | undefined, outRefundNo: string) =>
    `${subMchid && subMchid !== "0" ? subMchid : "-"}\u0000${outRefundNo}`;
  const localRefunds = input.localRefunds ?? [];
  const refundsByKey = new Map(localRefunds.map((r) => [refundKey(r.subMchid, r.refundNo), r]));
  const seenRefunds = new Set<string>();
  const refundLine = (kind: DiffKind, row: BillLine | null, r: LocalRefund | undefined, note: string): ReportLine => {
    const local = byOutTradeNo.get(row?.outTradeNo ?? r!.outTradeNo);
    return {
      ...line(
        kind,
        row,
        local ??
          (r
            ? {
                outTradeNo: r.outTradeNo,
                orderNo: r.orderNo,
                storeName: r.storeName,
                amountFen: r.amountFen,
                tradeState: r.status,
                transactionId: null,
                successTime: null,
              }
            : undefined),
        note,
      ),
      refundNo: row?.outRefundNo ?? r?.refundNo ?? null,
      orderNo: r?.orderNo ?? local?.orderNo ?? null,
      billState: row ? `REFUND ${row.refundStatus ?? ""}`.trim() : null,
      localState: r?.status ?? null,
      billAmountFen: row ? (row.requestedRefundAmountFen ?? row.refundAmountFen ?? null) : null,
      localAmountFen: r?.amountFen ?? null,
    };
  };

  for (const row of rows) {
    const local = byOutTradeNo.get(row.outTradeNo) ?? (row.transactionId ? byTransactionId.get(row.transactionId) : undefined);

    // A refund line (it carries a 微信退款单号) is matched against the refund ledger by (特约商户号, 商户退款单号).
    // Its 退款状态 is a snapshot taken when the bill was generated, so PROCESSING against our SUCCESS is no difference
    // (§14.7); but the row itself says WeChat accepted the refund, which our FAILED or PENDING contradicts.
    if (isRefundLine(row)) {
      const key = refundKey(row.subMchid, row.outRefundNo ?? "");
      const r = row.outRefundNo ? refundsByKey.get(key) : undefined;
      if (!r) {
        lines.push(
          refundLine(
            "REFUND_UNKNOWN",
            row,
            undefined,
            `账单退款 ${row.outRefundNo ?? row.refundId}（${row.refundStatus ?? ""}）本地退款记录中没有`,
          ),
        );
        continue;
      }
      seenRefunds.add(key);
      const billFen = row.requestedRefundAmountFen ?? row.refundAmountFen ?? null;
      const statusDiffers = refundStatusDiffers(r.status, row.refundStatus);
      if (statusDiffers)
        lines.push(
          refundLine(
            "REFUND_STATUS_DIFFERS",
            row,
            r,
            `账单 ${row.refundStatus || "（空）"}，本地 ${r.status}：微信支付已受理这笔退款，请在订单中点“查询退款”更新`,
          ),
        );
      if (billFen !== r.amountFen)
        lines.push(refundLine("REFUND_AMOUNT_DIFFERS", row, r, `账单 ${billFen ?? "无"} 分，本地 ${r.amountFen} 分`));
      else if (!statusDiffers)
        lines.push(
          refundLine(
            "MATCHED",
            row,
            r,
            `退款${r.origin === "EXTERNAL" ? "（商户平台发起）" : ""}：账单 ${row.refundStatus ?? ""}，本地 ${r.status}`,
          ),
        );
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

  // A refund our ledger holds as accepted that day (not refused, not closed) must be in that day's bill.
  const acceptedOnDate = localRefunds.filter(
    (r) => ["PROCESSING", "SUCCESS", "ABNORMAL"].includes(r.status) && beijingDateOf(r.acceptedAt) === billDate,
  );
  for (const r of acceptedOnDate) {
    if (!seenRefunds.has(refundKey(r.subMchid, r.refundNo)))
      lines.push(refundLine("REFUND_MISSING_FROM_BILL", null, r, "本地当日已受理的退款，账单中没有"));
  }

  // Totals: the summary row must equal the detail rows (file consistency), and our own paid
  // sub-orders of the day must add up to it too. Every check is reported, passing or not.
  const totals: TotalCheck[] = [];
  const check = (label: string, unit: TotalUnit, expected: number | undefined, actual: number) => {
    if (expected !== undefined) totals.push({ label, unit, expected, actual, ok: expected === actual });
  };
  check("总交易单数 = 明细行数", "count", summary.tradeCount, rows.length);
  check(
    "应结订单总金额 = 明细合计",
    "fen",
    summary.settlementFen,
    sum(rows, (r) => r.settlementAmountFen),
  );
  check(
    "退款总金额 = 明细合计",
    "fen",
    summary.refundFen,
    sum(rows, (r) => r.refundAmountFen),
  );
  check(
    "充值券退款总金额 = 明细合计",
    "fen",
    summary.rechargeRefundFen,
    sum(rows, (r) => r.rechargeRefundAmountFen),
  );
  check(
    "手续费总金额 = 明细合计",
    "milliFen",
    summary.feeMilliFen,
    sum(rows, (r) => r.feeMilliFen),
  );
  check(
    "订单总金额 = 明细合计",
    "fen",
    summary.orderFen,
    sum(rows, (r) => r.orderAmountFen),
  );
  check(
    "申请退款总金额 = 明细合计",
    "fen",
    summary.requestedRefundFen,
    sum(rows, (r) => r.requestedRefundAmountFen),
  );
  const localPaidFen = paidOnDate.reduce((acc, s) => acc + s.amountFen, 0);
  const paymentRows = rows.filter((r) => !isRefundLine(r)).length;
  check("总交易单数（支付记录）= 本地当日已支付子单数", "count", summary.tradeCount - (rows.length - paymentRows), paidOnDate.length);
  check("订单总金额 = 本地当日已支付金额", "fen", summary.orderFen ?? summary.settlementFen, localPaidFen);
  if (input.localRefunds) {
    check(
      "申请退款总金额 = 本地当日受理退款金额",
      "fen",
      summary.requestedRefundFen,
      acceptedOnDate.reduce((acc, r) => acc + r.amountFen, 0),
    );
  }

  // Per store: payments, refunds, net and the net fee, from the detail rows.
  const stores = new Map<string, StoreTotals>();
  for (const row of rows) {
    const id = row.subMchid && row.subMchid !== "" ? row.subMchid : "0";
    const t = stores.get(id) ?? {
      subMchid: id,
      storeName: null,
      paymentCount: 0,
      paymentFen: 0,
      refundCount: 0,
      refundFen: 0,
      netFen: 0,
      netFeeMilliFen: 0,
    };
    if (isRefundLine(row)) {
      t.refundCount += 1;
      t.refundFen += row.requestedRefundAmountFen ?? row.refundAmountFen ?? 0;
    } else {
      t.paymentCount += 1;
      t.paymentFen += billAmount(row) ?? 0;
    }
    t.netFeeMilliFen += row.feeMilliFen ?? 0;
    t.netFen = t.paymentFen - t.refundFen;
    if (!t.storeName) {
      const local = byOutTradeNo.get(row.outTradeNo);
      t.storeName = local?.storeName ?? null;
    }
    stores.set(id, t);
  }

  const counts = Object.fromEntries(DIFF_KINDS.map((k) => [k, 0])) as Record<DiffKind, number>;
  for (const l of lines) counts[l.kind] += 1;
  // Differences first, in a stable order, so the report starts with what needs attention.
  const order = new Map(DIFF_KINDS.map((k, i) => [k, i === 0 ? DIFF_KINDS.length : i]));
  lines.sort(
    (a, b) =>
      order.get(a.kind)! - order.get(b.kind)! || (a.billLineNo ?? 1e9) - (b.billLineNo ?? 1e9) || a.outTradeNo.localeCompare(b.outTradeNo),
  );

  return {
    billDate,
    ok: lines.every((l) => l.kind === "MATCHED") && totals.every((t) => t.ok),
    counts,
    lines,
    totals,
    localPaidCount: paidOnDate.length,
    localPaidFen,
    stores: [...stores.values()].sort((a, b) => a.subMchid.localeCompare(b.subMchid)),
  };
}
