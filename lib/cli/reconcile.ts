// npm run bills:reconcile -- <yyyy-mm-dd> [--sub-mchid <id>] [--csv <file>]
// The admin page's "下载账单并对账" for a scheduler: downloads, verifies, stores and reconciles the
// trade bill of that Beijing date, prints the report, and exits
//   0  everything matches            1  differences found (or payments on a day WeChat has no bill for)
//   75 bill not generated yet (STATEMENT_CREATING: retry in ~30 min)   2 usage   3 failed (hash, network, …)
import fs from "node:fs";
import { parseArgs } from "node:util";
import { prisma } from "../db";
import { AppError } from "../errors";
import { fenToYuanString } from "../money";
import { DIFF_KINDS, DIFF_LABELS, type ReconciliationReport } from "../bills/reconcile";
import { reportToCsv } from "../bills/report-csv";
import { formatTotal } from "../bills/yuan";
import { downloadAndReconcile, ReconcileRequestSchema } from "../bills/service";

const USAGE = "usage: npm run bills:reconcile -- <yyyy-mm-dd> [--sub-mchid <id>] [--csv <file>]";

function printReport(r: ReconciliationReport): void {
  console.log(DIFF_KINDS.map((k) => `${DIFF_LABELS[k]} ${r.counts[k]}`).join(" · "));
  for (const l of r.lines.filter((x) => x.kind !== "MATCHED")) {
    const amounts = `账单 ${l.billAmountFen === null ? "-" : fenToYuanString(l.billAmountFen)} / 本地 ${l.localAmountFen === null ? "-" : fenToYuanString(l.localAmountFen)}`;
    console.log(
      `  ${DIFF_LABELS[l.kind]}\t${l.outTradeNo}\t${l.transactionId ?? "-"}\t${l.billState ?? "-"}/${l.localState ?? "-"}\t${amounts}\t${l.note}`,
    );
  }
  for (const t of r.totals) {
    console.log(`  ${t.ok ? "✓" : "✗"} ${t.label}: 汇总 ${formatTotal(t, t.expected)}，实际 ${formatTotal(t, t.actual)}`);
  }
  console.log(r.ok ? "结果：全部一致" : "结果：存在差异");
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { "sub-mchid": { type: "string" }, csv: { type: "string" } } });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const req = ReconcileRequestSchema.safeParse({ billDate: args.positionals[0], subMchid: args.values["sub-mchid"] });
  if (!req.success) {
    console.error(`${req.error.issues[0]!.message}\n${USAGE}`);
    return 2;
  }
  try {
    const outcome = await downloadAndReconcile(req.data);
    console.log(`对账日期 ${outcome.billDate}，范围 ${outcome.scope}`);
    if (outcome.status === "STATEMENT_CREATING") {
      console.log(`${outcome.message} retry-after=${outcome.retryAfter}`);
      return 75;
    }
    if (outcome.status === "NO_STATEMENT_EXIST") console.log(outcome.message);
    else console.log(`账单已下载并校验：${outcome.import.rowCount} 条明细，SHA-1 ${outcome.import.hashValue}`);
    printReport(outcome.report);
    if (args.values.csv) {
      fs.writeFileSync(args.values.csv, reportToCsv(outcome.report, outcome.scope));
      console.log(`CSV: ${args.values.csv}`);
    }
    return outcome.report.ok ? 0 : 1;
  } catch (e) {
    console.error(e instanceof AppError ? `${e.code}: ${e.message}` : e);
    return 3;
  }
}

process.exitCode = await main();
await prisma.$disconnect();
