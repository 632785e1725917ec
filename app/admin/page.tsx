import Link from "next/link";
import { requireAdminPage } from "@/lib/admin/guard";
import { formatFen } from "@/lib/money";
import { headlines, HEADLINE_DAYS, type Headline } from "@/lib/stats/headline";
import { OVERVIEW_RANGES, OverviewFilterSchema, overviewStores, salesStatsFor, shiftDate, type OverviewFilter } from "@/lib/stats/overview";
import { beijingDateOf, formatBeijing } from "@/lib/time/beijing";
import { DailyChart, HBars, percent, yuanAxisLabel, type HBarRow } from "@/components/admin/charts";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function overviewHref(f: OverviewFilter): string {
  const p = new URLSearchParams();
  if (f.range !== 30) p.set("range", String(f.range));
  if (f.storeId) p.set("storeId", f.storeId);
  const s = p.toString();
  return `/admin${s ? `?${s}` : ""}`;
}

const count = (v: number) => v.toLocaleString("zh-CN");
const countAxis = (v: number) => (v >= 10_000 ? `${Math.round(v / 1000) / 10}万` : String(v));

function change(h: Headline) {
  if (h.paidChange === null) return <span className="delta">{h.previousLabel} —</span>;
  const up = h.paidChange >= 0;
  return (
    <span className={`delta ${up ? "up" : "down"}`}>
      {h.previousLabel} {up ? "+" : ""}
      {(h.paidChange * 100).toFixed(1)}%
    </span>
  );
}

/** 概览: the sales overview, the back office's landing page (README "Back office" → "Overview"). */
export default async function AdminOverviewPage({ searchParams }: Props) {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const sp = await searchParams;
  const wanted = OverviewFilterSchema.parse({ range: first(sp.range), storeId: first(sp.storeId) });
  const actor = await requireAdminPage(overviewHref(wanted));
  // the caller's stores only (a store's staff: theirs; lib/admin/scope.ts)
  const stores = await overviewStores(actor);
  // an unknown store in the address shows every store rather than an error page
  const f = { ...wanted, storeId: stores.some((s) => s.id === wanted.storeId) ? wanted.storeId : undefined };
  const now = new Date();
  const today = beijingDateOf(now);
  const recent = await salesStatsFor(actor, { from: shiftDate(today, HEADLINE_DAYS - 1), to: today }, f.storeId, now);
  const s = await salesStatsFor(actor, { from: shiftDate(today, f.range - 1), to: today }, f.storeId, now);
  const cards = headlines(recent.days);
  const dates = s.days.map((d) => d.date);

  const storeRows: HBarRow[] = s.stores.map((st) => ({
    key: st.storeId,
    label: st.name,
    note: `${formatFen(st.paidFen)} · ${count(st.subOrders)} 单`,
    segments: [
      { key: "net", label: "净收入", className: "c-paid", value: Math.max(0, st.netFen) },
      { key: "refunded", label: "退款", className: "c-refund", value: st.paidFen - Math.max(0, st.netFen) },
    ],
  }));
  const steps = [
    { key: "guideShown", label: "看到「在浏览器打开」引导", value: s.funnel?.guideShown ?? 0 },
    { key: "resumeLinks", label: "生成购物车链接", value: s.funnel?.resumeLinks ?? 0 },
    { key: "resumed", label: "在浏览器中恢复购物车", value: s.funnel?.resumed ?? 0 },
    { key: "paid", label: "恢复后支付成功", value: s.funnel?.paid ?? 0 },
  ];
  const funnelRows: HBarRow[] = steps.map((st, i) => ({
    key: st.key,
    label: st.label,
    note: `${count(st.value)}${i > 0 ? `（上一步的 ${percent(steps[i - 1]!.value > 0 ? st.value / steps[i - 1]!.value : null)}）` : ""}`,
    segments: [{ key: st.key, label: st.label, className: "c-funnel", value: st.value }],
  }));
  const backlogRows: HBarRow[] = s.backlog.map((b) => ({
    key: b.storeId,
    label: b.name,
    note: `共 ${count(b.total)} 单`,
    segments: [
      { key: "underOneDay", label: "不到 1 天", className: "c-age0", value: b.underOneDay },
      { key: "oneToThreeDays", label: "1–3 天", className: "c-age1", value: b.oneToThreeDays },
      { key: "overThreeDays", label: "超过 3 天", className: "c-age2", value: b.overThreeDays },
    ],
  }));

  return (
    <main className="overview">
      <div className="overview-head">
        <h1>概览</h1>
        <form className="filters" method="get" action="/admin">
          <label>
            店铺
            <select name="storeId" defaultValue={f.storeId ?? ""}>
              <option value="">全部店铺</option>
              {stores.map((st) => (
                <option key={st.id} value={st.id}>
                  {st.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            图表范围
            <select name="range" defaultValue={String(f.range)}>
              {OVERVIEW_RANGES.map((r) => (
                <option key={r} value={r}>
                  近 {r} 天
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="btn">
            查看
          </button>
        </form>
      </div>
      <p className="muted small">
        按北京时间自然日统计；金额为实付（子单支付成功时间）、退款按退款成功时间。更新于 {formatBeijing(now)}。
        <Link href={`/admin/orders`}>查看订单列表</Link>
      </p>

      <section className="headline" aria-label="关键数字">
        {cards.map((h) => (
          <article
            key={h.key}
            className="card headline-card"
            data-testid={`headline-${h.key}`}
            data-from={h.from}
            data-to={h.to}
            data-paid-fen={h.current.paidFen}
          >
            <h2>{h.label}</h2>
            <p className="big" data-testid="paid">
              {formatFen(h.current.paidFen)}
            </p>
            <p className="small">{change(h)}</p>
            <dl className="headline-kv">
              <dt>退款</dt>
              <dd data-testid="refunded">{formatFen(h.current.refundedFen)}</dd>
              <dt>净收入</dt>
              <dd data-testid="net">{formatFen(h.current.netFen)}</dd>
              <dt>支付订单</dt>
              <dd data-testid="orders">{count(h.current.paidOrders)}</dd>
            </dl>
          </article>
        ))}
      </section>

      <div className="chart-grid-2">
        <DailyChart
          testId="chart-amounts"
          title={`每日实收与退款（近 ${f.range} 天）`}
          dates={dates}
          bars={[
            { key: "paid", label: "实收", className: "c-paid", values: s.days.map((d) => d.paidFen) },
            { key: "refunded", label: "退款", className: "c-refund", values: s.days.map((d) => d.refundedFen) },
          ]}
          format={formatFen}
          axisFormat={yuanAxisLabel}
          columns={[
            { label: "实收", cell: (i) => formatFen(s.days[i]!.paidFen) },
            { label: "退款", cell: (i) => formatFen(s.days[i]!.refundedFen) },
            { label: "净收入", cell: (i) => formatFen(s.days[i]!.netFen) },
          ]}
        />
        <DailyChart
          testId="chart-orders"
          title={`每日下单、支付与支付率（近 ${f.range} 天）`}
          dates={dates}
          bars={[
            { key: "checkouts", label: "下单", className: "c-checkouts", values: s.days.map((d) => d.checkouts) },
            { key: "paidOrders", label: "支付订单", className: "c-paid", values: s.days.map((d) => d.paidOrders) },
          ]}
          share={{ label: "当日下单的支付率", className: "c-share", values: s.days.map((d) => d.paidShare) }}
          format={(v) => `${count(v)} 单`}
          axisFormat={countAxis}
          columns={[
            { label: "下单", cell: (i) => count(s.days[i]!.checkouts) },
            { label: "支付订单", cell: (i) => count(s.days[i]!.paidOrders) },
            { label: "关闭未付", cell: (i) => count(s.days[i]!.closedOrders) },
            { label: "支付率", cell: (i) => percent(s.days[i]!.paidShare) },
          ]}
        />
      </div>

      <div className="chart-grid-2">
        <section className="card chart" data-testid="chart-stores" aria-labelledby="chart-stores-h">
          <h2 id="chart-stores-h">各店铺实收（近 {f.range} 天）</h2>
          <ul className="chart-legend">
            <li>
              <span className="chart-key c-paid" aria-hidden="true" />
              净收入
            </li>
            <li>
              <span className="chart-key c-refund" aria-hidden="true" />
              退款
            </li>
          </ul>
          {storeRows.length ? (
            <HBars rows={storeRows} format={formatFen} axisFormat={yuanAxisLabel} testId="chart-stores" title="各店铺实收" />
          ) : (
            <p className="muted">没有店铺</p>
          )}
          <details className="chart-table">
            <summary>查看数据表</summary>
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">店铺</th>
                    <th scope="col">实收</th>
                    <th scope="col">退款</th>
                    <th scope="col">净收入</th>
                    <th scope="col">子单数</th>
                    <th scope="col">子单均价</th>
                  </tr>
                </thead>
                <tbody>
                  {s.stores.map((st) => (
                    <tr key={st.storeId}>
                      <td>{st.name}</td>
                      <td className="num">{formatFen(st.paidFen)}</td>
                      <td className="num">{formatFen(st.refundedFen)}</td>
                      <td className="num">{formatFen(st.netFen)}</td>
                      <td className="num">{count(st.subOrders)}</td>
                      <td className="num">{formatFen(st.averageFen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </section>

        <section className="card chart" data-testid="chart-backlog" aria-labelledby="chart-backlog-h">
          <h2 id="chart-backlog-h">待发货 / 待备货（已支付未履约，按等待时长）</h2>
          <ul className="chart-legend">
            <li>
              <span className="chart-key c-age0" aria-hidden="true" />
              不到 1 天
            </li>
            <li>
              <span className="chart-key c-age1" aria-hidden="true" />
              1–3 天
            </li>
            <li>
              <span className="chart-key c-age2" aria-hidden="true" />
              超过 3 天
            </li>
          </ul>
          {backlogRows.length ? (
            <HBars rows={backlogRows} format={(v) => `${count(v)} 单`} axisFormat={countAxis} testId="chart-backlog" title="待履约子单" />
          ) : (
            <p className="muted">没有待履约的子单。</p>
          )}
          <p className="small">
            <Link href="/admin/fulfilment">去发货</Link>
          </p>
        </section>
      </div>

      {/* the shop-wide funnel: only for those who see every store */}
      {s.funnel ? (
        <section className="card chart" data-testid="chart-funnel" aria-labelledby="chart-funnel-h">
          <h2 id="chart-funnel-h">微信等 App 内打开的顾客（近 {f.range} 天）</h2>
          <p className="muted small">App 内无法完成 H5 支付：顾客看到引导后复制链接，到手机浏览器中恢复购物车再付款。</p>
          <HBars
            rows={funnelRows}
            format={(v) => `${count(v)}`}
            axisFormat={countAxis}
            testId="chart-funnel"
            title="App 内顾客转化"
            wideWidth={1140}
          />
        </section>
      ) : null}
    </main>
  );
}
