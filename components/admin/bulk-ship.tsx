"use client";
// 批量发货: upload a CSV of outTradeNo,carrier,trackingNo. The server checks every row first and ships
// nothing when any is bad; the errors are listed here with their line numbers (lib/fulfilment/bulk.ts).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { CARRIERS } from "@/lib/delivery/model";
import { AdminApiError, uploadAdmin } from "./api";
import { useHydrated } from "@/components/use-hydrated";

type Line = { line: number; outTradeNo: string };
type BulkResult = { shipped: Line[]; unchanged: Line[]; failed: (Line & { code: string; message: string })[] };
type Outcome =
  | { kind: "done"; result: BulkResult }
  | { kind: "invalid"; message: string; errors: { line: number; message: string }[]; errorCount: number }
  | { kind: "error"; message: string };

export function BulkShip() {
  const hydrated = useHydrated();
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function submit() {
    if (!file) return;
    setBusy(true);
    setOutcome(null);
    try {
      const result = await uploadAdmin<BulkResult>("/api/admin/fulfilments/bulk-ship", file, "text/csv");
      setOutcome({ kind: "done", result });
      router.refresh();
    } catch (e) {
      if (e instanceof AdminApiError && e.code === "CSV_INVALID") {
        const errors = (e.data.errors as { line: number; message: string }[] | undefined) ?? [];
        setOutcome({ kind: "invalid", message: e.message, errors, errorCount: Number(e.data.errorCount ?? errors.length) });
      } else setOutcome({ kind: "error", message: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-label="批量发货">
      <h2>批量发货（CSV）</h2>
      <p className="muted">
        每行一个子单：<span className="mono">outTradeNo,carrier,trackingNo</span>（可带表头；UTF-8 或 Excel 默认的 GBK 编码均可； 最多 1000
        行）。快递公司须为：{CARRIERS.join("、")}。先检查全部行，任何一行有误则一个也不发货。
      </p>
      <div className="filters">
        <label>
          CSV 文件
          <input
            type="file"
            accept=".csv,text/csv,text/plain"
            disabled={!hydrated || busy}
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setOutcome(null);
            }}
          />
        </label>
        <button type="button" className="btn" disabled={!hydrated || busy || !file} onClick={submit}>
          {busy ? "处理中…" : "检查并发货"}
        </button>
      </div>
      {outcome?.kind === "done" ? (
        <div className="okbox" role="status">
          已发货 {outcome.result.shipped.length} 单
          {outcome.result.unchanged.length ? `，${outcome.result.unchanged.length} 单此前已按相同运单发货（未改动）` : ""}。
          {outcome.result.failed.length ? (
            <ul className="line-errors">
              {outcome.result.failed.map((f) => (
                <li key={f.line}>
                  第 {f.line} 行（{f.outTradeNo}）未发货：{f.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {outcome?.kind === "invalid" ? (
        <div className="alert" role="alert">
          {outcome.message}
          <ul className="line-errors" aria-label="错误行">
            {outcome.errors.map((e, i) => (
              <li key={`${e.line}-${i}`}>
                第 {e.line} 行：{e.message}
              </li>
            ))}
          </ul>
          {outcome.errorCount > outcome.errors.length ? <p>另有 {outcome.errorCount - outcome.errors.length} 处错误未列出。</p> : null}
        </div>
      ) : null}
      {outcome?.kind === "error" ? (
        <p className="alert" role="alert">
          {outcome.message}
        </p>
      ) : null}
    </section>
  );
}
