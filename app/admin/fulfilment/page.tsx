import Link from "next/link";
import { BulkShip } from "@/components/admin/bulk-ship";
import { Pager } from "@/components/admin/pager";
import { requireAdminPage } from "@/lib/admin/guard";
import { adminFulfilmentLabel } from "@/lib/fulfilment/model";
import { listFulfilmentQueue, parseQueueFilter, type QueueFilter } from "@/lib/fulfilment/queue";
import { formatFen } from "@/lib/money";
import { formatBeijing } from "@/lib/time/beijing";

// 待发货 / 待自提: paid sub-orders still to hand over, oldest payment first (README "Delivery and fulfilment").
type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

function pageHref(f: Pick<QueueFilter, "kind" | "store">, page = 1): string {
  const p = new URLSearchParams();
  if (f.kind !== "ship") p.set("kind", f.kind);
  if (f.store) p.set("store", f.store);
  if (page > 1) p.set("page", String(page));
  const s = p.toString();
  return `/admin/fulfilment${s ? `?${s}` : ""}`;
}

export default async function FulfilmentQueuePage({ searchParams }: Props) {
  const f = parseQueueFilter(await searchParams);
  const actor = await requireAdminPage(pageHref(f, f.page));
  const q = await listFulfilmentQueue(actor, f);
  return (
    <main>
      <h1>发货与自提</h1>
      <nav className="tabs" aria-label="队列">
        <Link href={pageHref({ kind: "ship", store: f.store })} aria-current={f.kind === "ship" ? "page" : undefined}>
          待发货（{q.counts.ship}）
        </Link>
        <Link href={pageHref({ kind: "pickup", store: f.store })} aria-current={f.kind === "pickup" ? "page" : undefined}>
          待自提（{q.counts.pickup}）
        </Link>
      </nav>
      <form className="card filters" method="get" action="/admin/fulfilment">
        {f.kind !== "ship" ? <input type="hidden" name="kind" value={f.kind} /> : null}
        <label>
          店铺
          <select name="store" defaultValue={f.store ?? ""}>
            <option value="">全部店铺</option>
            {q.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn">
          筛选
        </button>
      </form>
      <p className="muted">
        共 {q.total} 单，按支付时间从早到晚。
        {f.kind === "ship" ? "可在订单详情中逐单发货，或用下方 CSV 批量发货。" : "备货完成后点“通知自提”，顾客到店出示取件码后“确认自提”。"}
      </p>
      <div className="table-wrap">
        <table className="table" aria-label={f.kind === "ship" ? "待发货" : "待自提"}>
          <thead>
            <tr>
              <th>子单号</th>
              <th>店铺</th>
              <th>状态</th>
              <th>商品</th>
              <th className="num">金额</th>
              <th>收货人</th>
              <th>手机号</th>
              {f.kind === "ship" ? <th>地区</th> : null}
              <th>支付时间</th>
              <th className="num">已等待</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {q.rows.length === 0 ? (
              <tr>
                <td colSpan={f.kind === "ship" ? 11 : 10} className="muted">
                  {f.kind === "ship" ? "没有待发货的子单" : "没有待自提的子单"}
                </td>
              </tr>
            ) : (
              q.rows.map((r) => (
                <tr key={r.outTradeNo} data-testid={`queue-${r.outTradeNo}`}>
                  <td className="mono">
                    <a href={`/admin/orders/${encodeURIComponent(r.orderNo)}#fulfil-${r.outTradeNo}`}>{r.outTradeNo}</a>
                  </td>
                  <td>{r.storeName}</td>
                  <td>
                    <span className={r.status === "READY_FOR_PICKUP" ? "tag ok" : "tag warn"}>
                      {adminFulfilmentLabel(r.method, r.status)}
                    </span>
                    {r.refundedFen > 0 ? <span className="tag bad">部分退款</span> : null}
                  </td>
                  <td className="wrap">{r.items}</td>
                  <td className="num">{formatFen(r.amountFen)}</td>
                  <td>{r.contactName}</td>
                  <td className="mono">{r.contactPhone}</td>
                  {f.kind === "ship" ? <td>{r.region}</td> : null}
                  <td>{formatBeijing(r.paidAt)}</td>
                  <td className="num">
                    <span className={r.daysWaiting >= 2 ? "tag bad" : "tag"}>{r.daysWaiting} 天</span>
                  </td>
                  <td>
                    <a href={`/admin/orders/${encodeURIComponent(r.orderNo)}/packing-slip/${encodeURIComponent(r.outTradeNo)}`}>发货单</a>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager page={q.page} pageCount={q.pageCount} href={(p) => pageHref(f, p)} />
      {f.kind === "ship" ? <BulkShip /> : null}
    </main>
  );
}
