"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ReconciliationReport } from "@/lib/bills/reconcile";
import type { ReconcileOutcome } from "@/lib/bills/service";
import { postAdmin } from "./api";
import { ReconcileReport } from "./reconcile-report";
import { useHydrated } from "@/components/use-hydrated";

export interface StoredBill {
  billDate: string;
  scope: string;
  importedAt: string;
  rowCount: number;
  hashValue: string;
  report: ReconciliationReport;
}

const beijing = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");

function csvHref(billDate: string, scope: string) {
  return `/api/admin/bills/report?date=${billDate}&scope=${encodeURIComponent(scope)}`;
}

/** Date (+ store in partner mode) → 下载账单并对账, then the report; the stored report of the chosen date shows until then. */
export function BillReconcile(props: {
  defaultDate: string;
  defaultScope: string;
  stores: { subMchid: string; name: string }[];
  stored: StoredBill | null;
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [date, setDate] = useState(props.defaultDate);
  const [scope, setScope] = useState(props.defaultScope);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ReconcileOutcome | null>(null);

  async function run(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setOutcome(null);
    try {
      const body = { billDate: date, ...(scope !== "ALL" ? { subMchid: scope } : {}) };
      const result = await postAdmin<ReconcileOutcome>("/api/admin/bills/reconcile", body);
      setOutcome(result);
      // keep the URL in step so a reload shows the stored report of this date
      window.history.replaceState(null, "", `/admin/bills?date=${date}&scope=${encodeURIComponent(scope)}`);
      if (result.status === "RECONCILED") router.refresh(); // the "最近导入" list
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const stored = !outcome && props.stored && props.stored.billDate === date && props.stored.scope === scope ? props.stored : null;

  return (
    <div>
      <form className="card filters" onSubmit={run} aria-label="下载账单">
        <label>
          账单日期（北京时间）
          <input disabled={!hydrated} type="date" name="billDate" value={date} required onChange={(e) => setDate(e.target.value)} />
        </label>
        {props.stores.length ? (
          <label>
            店铺
            <select disabled={!hydrated} name="scope" value={scope} onChange={(e) => setScope(e.target.value)}>
              <option value="ALL">全部店铺</option>
              {props.stores.map((s) => (
                <option key={s.subMchid} value={s.subMchid}>
                  {s.name}（{s.subMchid}）
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="submit" className="btn" disabled={!hydrated || busy || !date}>
          {busy ? "下载并核对中…" : "下载账单并对账"}
        </button>
      </form>
      <p className="muted">每日账单于次日 09:00 起生成，10:00 后可下载；下载后会校验 SHA-1，并替换该日期（及店铺）之前导入的账单。</p>

      {error ? (
        <p className="alert" role="alert" data-testid="bill-error">
          {error}
        </p>
      ) : null}

      {outcome?.status === "STATEMENT_CREATING" ? (
        <p className="notice" role="status" data-testid="bill-notice">
          {outcome.message}（建议 {beijing(outcome.retryAfter)} 后重试）
        </p>
      ) : null}
      {outcome?.status === "NO_STATEMENT_EXIST" ? (
        <>
          <p className="notice" role="status" data-testid="bill-notice">
            {outcome.message}
          </p>
          <ReconcileReport report={outcome.report} />
        </>
      ) : null}
      {outcome?.status === "RECONCILED" ? (
        <>
          <p className="muted" data-testid="bill-imported">
            已下载并校验账单：{outcome.import.rowCount} 条明细，SHA-1 {outcome.import.hashValue}，导入于{" "}
            {beijing(outcome.import.importedAt)}。{" "}
            <a href={csvHref(outcome.billDate, outcome.scope)} download>
              下载对账报告 CSV
            </a>
          </p>
          <ReconcileReport report={outcome.report} />
        </>
      ) : null}
      {stored ? (
        <>
          <p className="muted" data-testid="bill-imported">
            已导入的账单：{stored.rowCount} 条明细，SHA-1 {stored.hashValue}，导入于 {beijing(stored.importedAt)}
            （对账结果按当前订单数据重新计算）。{" "}
            <a href={csvHref(stored.billDate, stored.scope)} download>
              下载对账报告 CSV
            </a>
          </p>
          <ReconcileReport report={stored.report} />
        </>
      ) : null}
    </div>
  );
}
