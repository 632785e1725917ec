// The reconciliation report as CSV for Excel (lib/csv.ts: UTF-8 with a BOM, otherwise Excel on Windows reads it
// as GBK and garbles the Chinese; CRLF; text cells that a spreadsheet would run as formulas neutralised), amounts
// as yuan strings from integer formatting.
import { EXCEL_CSV, toCsv, type CsvCell } from "@/lib/csv";
import { fenToYuanString } from "@/lib/money";
import { DIFF_LABELS, type ReconciliationReport } from "./reconcile";
import { formatTotal } from "./yuan";

const yuan = (fen: number | null) => (fen === null ? "" : fenToYuanString(fen));

export function reportToCsv(report: ReconciliationReport, scopeLabel: string): string {
  const out: CsvCell[][] = [];
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
      DIFF_LABELS[l.kind],
      l.outTradeNo,
      l.transactionId,
      l.orderNo,
      l.storeName,
      l.billLineNo,
      l.billTradeTime,
      l.billState,
      l.localState,
      yuan(l.billAmountFen),
      yuan(l.localAmountFen),
      l.note,
    ]);
  }
  out.push([]);
  out.push(["合计核对", "账单汇总", "实际", "结果"]);
  for (const t of report.totals) {
    out.push([t.label, formatTotal(t, t.expected), formatTotal(t, t.actual), t.ok ? "一致" : "不一致"]);
  }
  return toCsv(out, EXCEL_CSV);
}
