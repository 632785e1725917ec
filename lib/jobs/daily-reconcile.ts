// Yesterday's trade bill (Beijing date), downloaded and reconciled like the back office's
// 下载账单并对账 (lib/bills/service.ts), so it is stored like a manual import. WeChat generates bills
// from 09:00 the next day and asks to fetch after 10:00 (docs/wechatpay.md §8.1): before 10:00 the job
// waits; while WeChat answers STATEMENT_CREATING it retries every period (30 min by default); once a
// bill date is reconciled (or WeChat says there is no bill: no trades) it waits for the next day.
import type { ReconciliationReport } from "@/lib/bills/reconcile";
import { beijingDateOf, beijingDayRange } from "@/lib/time/beijing";
import { downloadAndReconcile, RETRY_AFTER_MINUTES } from "@/lib/bills/service";
import type { JobDefinition, JobResult } from "./types";

const DAY_MS = 86_400_000;
/** docs/wechatpay.md §8.1: fetch after 10:00 Beijing time. */
export const BILL_READY_HOUR_BEIJING = 10;

interface ReconcileState {
  /** The last bill date handled for good (reconciled, or no bill exists). */
  lastBillDate?: string;
}

/** 10:00 Beijing time on a Beijing calendar date. */
function readyAt(date: string): Date {
  return new Date(beijingDayRange(date).start.getTime() + BILL_READY_HOUR_BEIJING * 3600_000);
}

export function differenceCount(r: ReconciliationReport): number {
  return r.lines.filter((l) => l.kind !== "MATCHED").length + r.totals.filter((t) => !t.ok).length;
}

export const dailyReconcileJob: JobDefinition = {
  name: "daily-reconcile",
  label: "每日对账",
  description: "北京时间 10:00 后下载前一天的交易账单（全部店铺）并对账；账单生成中（STATEMENT_CREATING）时按周期重试",
  periodMs: RETRY_AFTER_MINUTES * 60_000,
  async run(ctx): Promise<JobResult> {
    const now = ctx.now();
    const today = beijingDateOf(now);
    const billDate = beijingDateOf(new Date(now.getTime() - DAY_MS));
    const tomorrowReady = new Date(readyAt(today).getTime() + DAY_MS);
    const state = (ctx.state ?? {}) as ReconcileState;
    if (state.lastBillDate === billDate) {
      return { outcome: "SKIPPED", counts: {}, summary: `${billDate} 已对账，等待下一天的账单`, nextRunAt: tomorrowReady };
    }
    if (now < readyAt(today)) {
      return { outcome: "SKIPPED", counts: {}, summary: `等待北京时间 10:00 下载 ${billDate} 的账单`, nextRunAt: readyAt(today) };
    }
    const r = await downloadAndReconcile({ billDate });
    if (r.status === "STATEMENT_CREATING") {
      return {
        outcome: "RETRY",
        counts: {},
        summary: `${billDate} 的账单生成中（STATEMENT_CREATING），${Math.round(ctx.periodMs / 60_000) || 1} 分钟后重试`,
        nextRunAt: new Date(now.getTime() + ctx.periodMs),
      };
    }
    const differences = differenceCount(r.report);
    const rows = r.status === "RECONCILED" ? r.import.rowCount : 0;
    const what = r.status === "RECONCILED" ? `${billDate} 对账：${rows} 条明细` : `${billDate} 无账单（当日无交易）`;
    return {
      counts: { rows, differences },
      summary: `${what}，${differences ? `发现 ${differences} 处差异` : "全部一致"}`,
      nextRunAt: tomorrowReady,
      state: { lastBillDate: billDate } satisfies ReconcileState,
    };
  },
};
