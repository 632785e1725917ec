import { notFound } from "next/navigation";
import { requireAdminPage } from "@/lib/admin/guard";
import { can } from "@/lib/admin/scope";
import { formatBeijing } from "@/lib/time/beijing";
import { jobStatuses, type JobRunView } from "@/lib/jobs/status";

const OUTCOME_LABELS: Record<string, string> = {
  RUNNING: "运行中",
  OK: "成功",
  FAILED: "失败",
  RETRY: "稍后重试",
  SKIPPED: "等待中",
  STOPPED: "已中断（停机）",
  ABANDONED: "中断（进程退出）",
};

function outcomeTag(outcome: string): string {
  return outcome === "OK"
    ? "tag ok"
    : outcome === "FAILED" || outcome === "ABANDONED"
      ? "tag bad"
      : outcome === "RETRY" || outcome === "STOPPED"
        ? "tag warn"
        : "tag";
}

function duration(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function period(ms: number): string {
  if (ms % 3600_000 === 0) return `每 ${ms / 3600_000} 小时`;
  if (ms % 60_000 === 0) return `每 ${ms / 60_000} 分钟`;
  return `每 ${ms / 1000} 秒`;
}

function RunCell({ run }: { run: JobRunView | null }) {
  if (!run) return <span className="muted">尚未运行</span>;
  return (
    <>
      <span className={outcomeTag(run.outcome)}>{OUTCOME_LABELS[run.outcome] ?? run.outcome}</span> {formatBeijing(run.startedAt)} ·{" "}
      {duration(run.durationMs)}
      {run.summary ? <div>{run.summary}</div> : null}
    </>
  );
}

export default async function AdminJobsPage() {
  const actor = await requireAdminPage("/admin/jobs");
  if (!can(actor, "jobs")) notFound();
  const now = new Date();
  const { runnerEnabled, jobs, recent } = await jobStatuses(now);
  return (
    <main>
      <h1>定时任务</h1>
      {runnerEnabled ? (
        <p className="muted">以下任务由应用自动运行；多个实例共用一个数据库时，每次运行只在其中一个实例上进行（数据库租约）。</p>
      ) : (
        <p className="notice" role="status">
          本实例未启用自动任务（JOBS_ENABLED=false）。若其他实例也未启用，请用外部调度器运行 npm run orders:close-expired 与 npm run
          bills:reconcile。
        </p>
      )}
      <div className="table-wrap">
        <table className="table" aria-label="定时任务">
          <thead>
            <tr>
              <th>任务</th>
              <th>周期</th>
              <th>上次运行</th>
              <th>下次运行</th>
              <th>最近错误</th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.name} data-testid={`job-${j.name}`}>
                <td className="wrap">
                  <strong>{j.label}</strong> <span className="mono muted">{j.name}</span>
                  <div className="muted">{j.description}</div>
                </td>
                <td>{j.enabled ? period(j.periodMs) : <span className="tag">已关闭（JOBS_PERIODS）</span>}</td>
                <td className="wrap">
                  <RunCell run={j.lastRun} />
                </td>
                <td>
                  {j.heldBy ? (
                    <div>
                      <span className="tag warn">运行中</span> <span className="mono">{j.heldBy}</span>
                    </div>
                  ) : null}
                  {j.enabled && j.nextRunAt ? formatBeijing(j.nextRunAt) : "—"}
                  {j.enabled && j.nextRunAt && j.nextRunAt < new Date(now.getTime() - 2 * j.periodMs) && !j.heldBy ? (
                    <div className="tag bad">已逾期：没有实例在运行此任务？</div>
                  ) : null}
                </td>
                <td className="wrap">
                  {j.lastFailure ? (
                    <>
                      {formatBeijing(j.lastFailure.startedAt)}
                      <div className="mono">{j.lastFailure.error}</div>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>最近运行</h2>
      <div className="table-wrap">
        <table className="table" aria-label="最近运行">
          <thead>
            <tr>
              <th>开始</th>
              <th>任务</th>
              <th>结果</th>
              <th className="num">耗时</th>
              <th>摘要</th>
              <th>实例</th>
            </tr>
          </thead>
          <tbody>
            {recent.length === 0 ? (
              <tr>
                <td colSpan={6} className="muted">
                  尚无运行记录
                </td>
              </tr>
            ) : (
              recent.map((r) => (
                <tr key={`${r.job}-${r.seq}`} className={r.outcome === "FAILED" || r.outcome === "ABANDONED" ? "bad" : undefined}>
                  <td>{formatBeijing(r.startedAt)}</td>
                  <td className="mono">
                    {r.job} #{r.seq}
                  </td>
                  <td>
                    <span className={outcomeTag(r.outcome)}>{OUTCOME_LABELS[r.outcome] ?? r.outcome}</span>
                  </td>
                  <td className="num">{duration(r.durationMs)}</td>
                  <td className="wrap">
                    {r.summary ?? ""}
                    {r.error ? <div className="mono">{r.error}</div> : null}
                  </td>
                  <td className="mono">{r.owner}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}
