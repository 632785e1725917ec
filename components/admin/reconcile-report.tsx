import { formatTotal } from "@/lib/bills/yuan";
import { DIFF_KINDS, DIFF_LABELS, type ReconciliationReport } from "@/lib/bills/reconcile";
import { fenToYuanString } from "@/lib/money";

const yuan = (fen: number | null) => (fen === null ? "—" : fenToYuanString(fen));

/** The reconciliation report: counts per kind, one row per sub-order difference, then the totals checks. */
export function ReconcileReport({ report }: { report: ReconciliationReport }) {
  const diffs = report.lines.filter((l) => l.kind !== "MATCHED").length;
  const badTotals = report.totals.filter((t) => !t.ok).length;
  return (
    <section aria-label="对账结果" data-testid="reconcile-report">
      {report.ok ? (
        <p className="okbox" role="status">
          {report.billDate} 对账全部一致：{report.counts.MATCHED} 条记录，合计与账单汇总相符。
        </p>
      ) : (
        <p className="alert" role="status">
          {report.billDate} 对账存在差异：{diffs} 条明细差异{badTotals ? `，${badTotals} 项合计不一致` : ""}。
        </p>
      )}
      <div className="counts">
        {DIFF_KINDS.map((k) => (
          <span key={k} className={report.counts[k] === 0 ? "tag" : k === "MATCHED" ? "tag ok" : "tag bad"} data-kind={k}>
            {DIFF_LABELS[k]} {report.counts[k]}
          </span>
        ))}
      </div>
      <div className="table-wrap">
        <table className="table" aria-label="对账明细">
          <thead>
            <tr>
              <th>结果</th>
              <th>子单号 out_trade_no</th>
              <th>微信订单号</th>
              <th>合单订单号</th>
              <th>店铺</th>
              <th>账单状态</th>
              <th>本地状态</th>
              <th className="num">账单金额</th>
              <th className="num">本地金额</th>
              <th>交易时间</th>
              <th>说明</th>
            </tr>
          </thead>
          <tbody>
            {report.lines.length === 0 ? (
              <tr>
                <td colSpan={11} className="muted">
                  账单与本地均无当日交易
                </td>
              </tr>
            ) : (
              report.lines.map((l, i) => (
                <tr key={`${l.outTradeNo}-${l.kind}-${i}`} className={l.kind === "MATCHED" ? "" : "bad"} data-kind={l.kind}>
                  <td>
                    <span className={l.kind === "MATCHED" ? "tag ok" : "tag bad"}>{DIFF_LABELS[l.kind]}</span>
                  </td>
                  <td className="mono">
                    {l.outTradeNo}
                    {l.refundNo ? <div className="muted">退款单 {l.refundNo}</div> : null}
                  </td>
                  <td className="mono">{l.transactionId ?? ""}</td>
                  <td className="mono">{l.orderNo ? <a href={`/admin/orders/${encodeURIComponent(l.orderNo)}`}>{l.orderNo}</a> : "—"}</td>
                  <td>{l.storeName ?? ""}</td>
                  <td>{l.billState ?? "—"}</td>
                  <td>{l.localState ?? "—"}</td>
                  <td className="num">{yuan(l.billAmountFen)}</td>
                  <td className="num">{yuan(l.localAmountFen)}</td>
                  <td>{l.billTradeTime ?? ""}</td>
                  <td className="wrap">{l.note}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {report.stores && report.stores.length > 0 ? (
        <>
          <h3>分店合计（含退款与净手续费）</h3>
          <div className="table-wrap">
            <table className="table" aria-label="分店合计">
              <thead>
                <tr>
                  <th>特约商户号</th>
                  <th>店铺</th>
                  <th className="num">支付笔数</th>
                  <th className="num">支付金额</th>
                  <th className="num">退款笔数</th>
                  <th className="num">退款金额</th>
                  <th className="num">净额</th>
                  <th className="num">净手续费</th>
                </tr>
              </thead>
              <tbody>
                {report.stores.map((t) => (
                  <tr key={t.subMchid}>
                    <td className="mono">{t.subMchid}</td>
                    <td>{t.storeName ?? ""}</td>
                    <td className="num">{t.paymentCount}</td>
                    <td className="num">{yuan(t.paymentFen)}</td>
                    <td className="num">{t.refundCount}</td>
                    <td className="num">{yuan(t.refundFen)}</td>
                    <td className="num">{yuan(t.netFen)}</td>
                    <td className="num">{`${t.netFeeMilliFen < 0 ? "-" : ""}${Math.floor(Math.abs(t.netFeeMilliFen) / 100_000)}.${String(Math.abs(t.netFeeMilliFen) % 100_000).padStart(5, "0")}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <h3>合计核对</h3>
      <div className="table-wrap">
        <table className="table" aria-label="合计核对">
          <thead>
            <tr>
              <th>项目</th>
              <th className="num">账单汇总行</th>
              <th className="num">实际</th>
              <th>结果</th>
            </tr>
          </thead>
          <tbody>
            {report.totals.map((t) => (
              <tr key={t.label} className={t.ok ? "" : "bad"}>
                <td>{t.label}</td>
                <td className="num">{formatTotal(t, t.expected)}</td>
                <td className="num">{formatTotal(t, t.actual)}</td>
                <td>{t.ok ? <span className="tag ok">一致</span> : <span className="tag bad">不一致</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
