// The reconciliation report as CSV for Excel: UTF-8 with a BOM (otherwise Excel on Windows reads it
// as GBK and garbles the Chinese), CRLF line ends, amounts as yuan strings from integer formatting.
import { fenToYuanString } from "@/lib/money";
import { DIFF_LABELS, type ReconciliationReport, type TotalCheck } from "./reconcile";
import { milliFenToYuanString } from "./yuan";

function cell(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? "" : String(value);
  // A text cell starting with = + - @ would be run as a formula by spreadsheet apps (CSV injection).
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const yuan = (fen: number | null) => (fen === null ? "" : fenToYuanString(fen));

export function formatTotal(t: Pick<TotalCheck, "unit">, v: number): string {
  return t.unit === "count" ? String(v) : t.unit === "fen" ? fenToYuanString(v) : milliFenToYuanString(v);
}

export function reportToCsv(report: ReconciliationReport, scopeLabel: string): string {
  const out: string[][] = [];
  const num = (v: string) => v; // amounts are not user text: never prefixed
  out.push(["对账日期", report.billDate, "范围", scopeLabel, "结果", report.ok ? "全部一致" : "存在差异"]);
  out.push([]);
  out.push([
    "结果",
    "商户订单号（子单）",
    "微信订单号",
    "合单订单号",
    "店铺",
    "账单行",
    "交易时间",
    "账单状态",
    "本地状态",
    "账单金额(元)",
    "本地金额(元)",
    "说明",
  ]);
  for (const l of report.lines) {
    out.push([
      cell(DIFF_LABELS[l.kind]),
      cell(l.outTradeNo),
      cell(l.transactionId),
      cell(l.orderNo),
      cell(l.storeName),
      cell(l.billLineNo),
      cell(l.billTradeTime),
      cell(l.billState),
      cell(l.localState),
      num(yuan(l.billAmountFen)),
      num(yuan(l.localAmountFen)),
      cell(l.note),
    ]);
  }
  out.push([]);
  out.push(["合计核对", "账单汇总", "实际", "结果"]);
  for (const t of report.totals) {
    out.push([cell(t.label), num(formatTotal(t, t.expected)), num(formatTotal(t, t.actual)), t.ok ? "一致" : "不一致"]);
  }
  return "\uFEFF" + out.map((r) => r.join(",")).join("\r\n") + "\r\n";
}
