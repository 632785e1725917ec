// The sales overview's charts (/admin): plain SVG rendered on the server — no chart library and no client
// JavaScript (docs/architecture.md "Charts"). Each chart is drawn twice, wide (laptop) and narrow (phone), and
// CSS shows one: text stays readable at either size, and the box has its final size before anything loads
// (the SVG's viewBox fixes its aspect ratio), so nothing shifts. Every mark has a <title> (the browser's
// tooltip) and every chart a table with the exact numbers beside it.
import { formatFen } from "@/lib/money";

export interface Series {
  key: string;
  label: string;
  /** a CSS class of admin.css naming the colour (fill / stroke) */
  className: string;
  values: readonly number[];
}

interface Size {
  width: number;
  height: number;
  /** room for the y-axis labels */
  left: number;
  right: number;
  /** x labels at most every `labelEvery` points */
  maxXLabels: number;
  yTicks: number;
}

// about the width a chart gets at 1280 px (two per row), so its text is drawn near its CSS size
const WIDE: Size = { width: 600, height: 240, left: 60, right: 40, maxXLabels: 8, yTicks: 5 };
const NARROW: Size = { width: 360, height: 240, left: 52, right: 40, maxXLabels: 4, yTicks: 4 };
const TOP = 14;
const BOTTOM = 28;

/** Round tick steps (1, 2, 5 × 10ⁿ) from 0 to at least `max`. */
export function niceTicks(max: number, count: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step / 2 && ticks.length <= count + 1; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** Axis label for an amount in fen: ¥ with 万 for large amounts (exact figures are in the table). */
export function yuanAxisLabel(fen: number): string {
  const yuan = fen / 100;
  if (yuan === 0) return "¥0";
  if (Math.abs(yuan) >= 10_000) return `¥${trim(yuan / 10_000)}万`;
  return `¥${trim(yuan)}`;
}
const trim = (v: number) => String(Math.round(v * 100) / 100);

/** "2026-12-07" → "12-07" */
export const shortDate = (date: string) => date.slice(5);

function xLabelIndexes(n: number, max: number): number[] {
  if (n <= max) return [...Array(n).keys()];
  const every = Math.ceil((n - 1) / (max - 1));
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= every) out.unshift(i); // always label the newest day
  return out;
}

interface DailyProps {
  title: string;
  dates: readonly string[];
  /** drawn as bars, side by side */
  bars: readonly Series[];
  /** how a bar value reads (axis and tooltip) */
  format: (v: number) => string;
  axisFormat: (v: number) => string;
  /** an optional line on a right-hand 0–100 % axis (values 0…1 or null) */
  share?: { label: string; className: string; values: readonly (number | null)[] };
  testId: string;
}

function DailySvg({ size, p }: { size: Size; p: DailyProps }) {
  const { width, height, left, right } = size;
  const plotW = width - left - right;
  const plotH = height - TOP - BOTTOM;
  const n = p.dates.length;
  const max = Math.max(0, ...p.bars.flatMap((s) => s.values));
  const ticks = niceTicks(max, size.yTicks);
  const top = ticks[ticks.length - 1]!;
  const y = (v: number) => TOP + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(1, n);
  const barW = Math.max(1, (slot * 0.8) / p.bars.length);
  const sharePoints = p.share
    ? p.share.values.map((v, i) => (v === null ? null : ([left + slot * (i + 0.5), TOP + plotH - v * plotH] as const)))
    : [];
  const path = sharePoints.reduce((acc, pt, i) => {
    if (!pt) return acc;
    const prev = i > 0 ? sharePoints[i - 1] : null;
    return `${acc}${prev ? "L" : "M"}${pt[0].toFixed(1)},${pt[1].toFixed(1)}`;
  }, "");
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={p.title} className="chart-svg" data-testid={`${p.testId}-svg`}>
      <g className="chart-axis chart-y" data-testid="y-axis">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={width - right} y1={y(t)} y2={y(t)} className="chart-grid" />
            <text x={left - 6} y={y(t) + 4} textAnchor="end">
              {p.axisFormat(t)}
            </text>
          </g>
        ))}
      </g>
      {p.share ? (
        <g className="chart-axis chart-y2" data-testid="y2-axis">
          {[0, 0.5, 1].map((t) => (
            <text key={t} x={width - right + 6} y={TOP + plotH - t * plotH + 4}>
              {Math.round(t * 100)}%
            </text>
          ))}
        </g>
      ) : null}
      <g className="chart-axis chart-x" data-testid="x-axis">
        <line x1={left} x2={width - right} y1={TOP + plotH} y2={TOP + plotH} className="chart-baseline" />
        {xLabelIndexes(n, size.maxXLabels).map((i) => (
          <text key={i} x={left + slot * (i + 0.5)} y={height - 8} textAnchor="middle">
            {shortDate(p.dates[i]!)}
          </text>
        ))}
      </g>
      <g>
        {p.dates.map((date, i) => (
          <g key={date}>
            {p.bars.map((s, k) => {
              const v = s.values[i] ?? 0;
              const h = Math.max(0, TOP + plotH - y(v));
              return (
                <rect
                  key={s.key}
                  className={s.className}
                  x={left + slot * i + slot * 0.1 + barW * k}
                  y={TOP + plotH - h}
                  width={barW}
                  height={h}
                  data-series={s.key}
                >
                  <title>{`${date} ${s.label} ${p.format(v)}`}</title>
                </rect>
              );
            })}
          </g>
        ))}
      </g>
      {p.share && path ? (
        <g>
          <path d={path} className={`chart-line ${p.share.className}`} />
          {sharePoints.map((pt, i) =>
            pt ? (
              <circle key={p.dates[i]} cx={pt[0]} cy={pt[1]} r={2.5} className={p.share!.className}>
                <title>{`${p.dates[i]} ${p.share!.label} ${percent(p.share!.values[i] ?? null)}`}</title>
              </circle>
            ) : null,
          )}
        </g>
      ) : null}
    </svg>
  );
}

export const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

function Legend({ items }: { items: readonly { label: string; className: string; line?: boolean }[] }) {
  return (
    <ul className="chart-legend">
      {items.map((i) => (
        <li key={i.label}>
          <span className={`chart-key ${i.className}${i.line ? " line" : ""}`} aria-hidden="true" />
          {i.label}
        </li>
      ))}
    </ul>
  );
}

/** A daily bar chart (optionally with a share line) and its table, in a card. */
export function DailyChart(p: DailyProps & { columns: readonly { label: string; cell: (i: number) => string }[] }) {
  return (
    <section className="card chart" data-testid={p.testId} aria-labelledby={`${p.testId}-h`}>
      <h2 id={`${p.testId}-h`}>{p.title}</h2>
      <Legend
        items={[...p.bars.map((b) => ({ label: b.label, className: b.className })), ...(p.share ? [{ ...p.share, line: true }] : [])]}
      />
      <div className="chart-wide">
        <DailySvg size={WIDE} p={p} />
      </div>
      <div className="chart-narrow">
        <DailySvg size={NARROW} p={p} />
      </div>
      <details className="chart-table">
        <summary>查看数据表</summary>
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">日期</th>
                {p.columns.map((c) => (
                  <th key={c.label} scope="col">
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {p.dates.map((d, i) => (
                <tr key={d}>
                  <td>{d}</td>
                  {p.columns.map((c) => (
                    <td key={c.label} className="num">
                      {c.cell(i)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

export interface HBarRow {
  key: string;
  label: string;
  /** stacked segments, in order */
  segments: readonly { key: string; label: string; className: string; value: number }[];
  /** text at the end of the bar */
  note: string;
}

/**
 * Horizontal (stacked) bars, one row per item: per store, funnel steps, backlog. Labels sit above each bar,
 * so long store names need no margin and the chart reads the same on a phone.
 */
interface HBarsProps {
  rows: readonly HBarRow[];
  format: (v: number) => string;
  axisFormat: (v: number) => string;
  testId: string;
  title: string;
  /** the wide drawing's width in SVG units: about its CSS width at 1280 px, so text keeps its size */
  wideWidth?: number;
}

/** Wide and narrow drawings of the same bars; CSS shows one (see the top of this file). */
export function HBars({ wideWidth = 560, ...p }: HBarsProps) {
  return (
    <>
      <div className="chart-wide">
        <HBarsSvg width={wideWidth} {...p} />
      </div>
      <div className="chart-narrow">
        <HBarsSvg width={NARROW.width} {...p} />
      </div>
    </>
  );
}

function HBarsSvg({ rows, format, axisFormat, testId, title, width }: Omit<HBarsProps, "wideWidth"> & { width: number }) {
  const rowH = 40;
  const left = 8;
  const right = 16;
  const axisH = 22;
  const height = rows.length * rowH + axisH + 4;
  const max = Math.max(0, ...rows.map((r) => r.segments.reduce((a, s) => a + s.value, 0)));
  const ticks = niceTicks(max, 4);
  const top = ticks[ticks.length - 1]!;
  const plotW = width - left - right;
  const x = (v: number) => left + (v / top) * plotW;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} className="chart-svg hbars" data-testid={`${testId}-svg`}>
      <g className="chart-axis chart-x" data-testid="x-axis">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={rows.length * rowH} className="chart-grid" />
            <text x={x(t)} y={height - 6} textAnchor={t === 0 ? "start" : t === top ? "end" : "middle"}>
              {axisFormat(t)}
            </text>
          </g>
        ))}
      </g>
      {rows.map((r, i) => {
        let at = 0;
        return (
          <g key={r.key} data-row={r.key}>
            <text x={left} y={i * rowH + 13} className="chart-row-label">
              {r.label}
              <tspan className="chart-row-note" dx={8}>
                {r.note}
              </tspan>
            </text>
            {r.segments.map((s) => {
              const x0 = x(at);
              at += s.value;
              return (
                <rect
                  key={s.key}
                  className={s.className}
                  x={x0}
                  y={i * rowH + 18}
                  width={Math.max(0, x(at) - x0)}
                  height={16}
                  data-series={s.key}
                >
                  <title>{`${r.label} ${s.label} ${format(s.value)}`}</title>
                </rect>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}

export { Legend, formatFen };
