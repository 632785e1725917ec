import Link from "next/link";
import { requireAdminPage } from "@/lib/admin/guard";
import { isOverdue, ORDER_STATUS_LABELS, OVERDUE_LABEL, statusTagClass } from "@/lib/admin/format";
import { formatBeijing } from "@/lib/time/beijing";
import { listOrders, ORDER_STATUSES, parseOrderFilter, type OrderFilter } from "@/lib/admin/orders";
import { formatFen } from "@/lib/money";
import { Pager } from "@/components/admin/pager";
import { maskName, maskPhone } from "@/lib/delivery/contact";
import { adminFulfilmentLabel } from "@/lib/fulfilment/model";
import { exportStores } from "@/lib/fulfilment/export";
import { beijingDateOf } from "@/lib/time/beijing";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function pageHref(f: OrderFilter, page: number): string {
  const p = new URLSearchParams();
  for (const k of ["status", "from", "to", "q"] as const) if (f[k]) p.set(k, f[k]!);
  if (page > 1) p.set("page", String(page));
  const s = p.toString();
  return `/admin/orders${s ? `?${s}` : ""}`;
}

export default async function AdminOrdersPage({ searchParams }: Props) {
  const f = parseOrderFilter(await searchParams);
  const actor = await requireAdminPage(pageHref(f, f.page));
  const [{ total, page, pageCount, orders }, stores] = await Promise.all([listOrders(actor, f), exportStores(actor)]);
  const now = new Date();
  const today = beijingDateOf(now);
  return (
    <main>
      <h1>订单</h1>
      <form className="card filters" method="get" action="/admin/orders" role="search">
        <label>
          状态
          <select name="status" defaultValue={f.status ?? ""}>
            <option value="">全部</option>
            {ORDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {ORDER_STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          下单日期从（北京时间）
          <input type="date" name="from" defaultValue={f.from ?? ""} />
        </label>
        <label>
          到
          <input type="date" name="to" defaultValue={f.to ?? ""} />
        </label>
        <label>
          订单号 / 子单号 / 微信订单号
          <input className="q" type="search" name="q" defaultValue={f.q ?? ""} placeholder="支持部分匹配" />
        </label>
        <button type="submit" className="btn">
          筛选
        </button>
        <Link href="/admin/orders">清除</Link>
      </form>
      {/* A plain GET form: the browser downloads the streamed CSV (README "Delivery and fulfilment" → "Export"). */}
      <form className="card filters" method="get" action="/api/admin/orders/export" aria-label="导出订单">
        <label>
          支付日期从（北京时间）
          <input type="date" name="from" required defaultValue={f.from ?? today} />
        </label>
        <label>
          到
          <input type="date" name="to" required defaultValue={f.to ?? today} />
        </label>
        <label>
          店铺
          <select name="storeId" defaultValue="">
            <option value="">全部店铺</option>
            {stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn ghost">
          导出 CSV（每个子单一行）
        </button>
      </form>
      <p className="muted">共 {total} 笔</p>
      <div className="table-wrap">
        <table className="table" aria-label="订单列表">
          <thead>
            <tr>
              <th>合单订单号</th>
              <th>状态</th>
              <th className="num">金额</th>
              <th>子单（店铺 · 状态）</th>
              <th>收货人</th>
              <th>下单时间</th>
              <th>支付时间</th>
            </tr>
          </thead>
          <tbody>
            {orders.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  没有符合条件的订单
                </td>
              </tr>
            ) : (
              orders.map((o) => (
                <tr key={o.orderNo}>
                  <td className="mono">
                    <a href={`/admin/orders/${encodeURIComponent(o.orderNo)}`}>{o.orderNo}</a>
                  </td>
                  <td>
                    <span className={statusTagClass(o.status)}>{ORDER_STATUS_LABELS[o.status] ?? o.status}</span>
                    {isOverdue(o, now) ? (
                      <>
                        {" "}
                        <span className="tag warn" title={`支付截止 ${formatBeijing(o.expiresAt)}`}>
                          {OVERDUE_LABEL}
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td className="num">{formatFen(o.totalFen)}</td>
                  <td>
                    {o.subOrders.map((s) => (
                      <div key={s.outTradeNo}>
                        <span className="mono">{s.outTradeNo}</span> · {s.store.name} · {s.tradeState}
                        {s.tradeState === "SUCCESS" || s.tradeState === "REFUND"
                          ? ` · ${adminFulfilmentLabel(s.deliveryMethod, s.fulfilmentStatus)}`
                          : ""}
                      </div>
                    ))}
                  </td>
                  <td>
                    {/* lists show contact data masked; the order detail has it in full */}
                    {o.contactName ? maskName(o.contactName) : "—"}{" "}
                    <span className="mono">{o.contactPhone ? maskPhone(o.contactPhone) : ""}</span>
                  </td>
                  <td>{formatBeijing(o.createdAt)}</td>
                  <td>{formatBeijing(o.paidAt)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageCount={pageCount} href={(p) => pageHref(f, p)} />
    </main>
  );
}
