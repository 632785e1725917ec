import { Pager } from "@/components/admin/pager";
import { requireAdminPage } from "@/lib/admin/guard";
import { formatBeijing } from "@/lib/time/beijing";
import { formatFen } from "@/lib/money";
import { listRefundsNeedingAttention } from "@/lib/refunds/view";
import { REFUND_STATUS_LABELS } from "@/lib/refunds/view-types";
import { pageParam } from "@/lib/admin/paging";

// Refunds that need a person (docs/wechatpay.md §14): PROCESSING/PENDING for more than a day, ABNORMAL (handle in
// the merchant platform or by the abnormal-refund API), CLOSED (re-issue under a new number), refused ones.
type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

const pageHref = (page: number) => (page > 1 ? `/admin/refunds?page=${page}` : "/admin/refunds");

export default async function AdminRefundsPage({ searchParams }: Props) {
  const requested = pageParam((await searchParams).page);
  const actor = await requireAdminPage(pageHref(requested));
  const { total, page, pageCount, refunds } = await listRefundsNeedingAttention(actor, requested);
  return (
    <main>
      <h1>需要处理的退款</h1>
      <p className="muted">
        退款结果由微信支付异步通知；未收到通知的退款由 <span className="mono">npm run refunds:sync</span> 定时查询。
        这里列出超过一天仍在处理中、退款异常、已关闭或被拒绝的退款。
      </p>
      <p className="muted">共 {total} 笔</p>
      <div className="table-wrap">
        <table className="table" aria-label="需要处理的退款">
          <thead>
            <tr>
              <th>退款单号</th>
              <th>订单</th>
              <th>店铺</th>
              <th className="num">金额</th>
              <th>状态</th>
              <th>申请时间</th>
              <th>申请人</th>
              <th>说明</th>
            </tr>
          </thead>
          <tbody>
            {refunds.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  暂无需要处理的退款
                </td>
              </tr>
            ) : (
              refunds.map((r) => (
                <tr key={r.refundNo}>
                  <td className="mono">{r.refundNo}</td>
                  <td className="mono">
                    <a href={`/admin/orders/${encodeURIComponent(r.orderNo)}`}>{r.orderNo}</a>
                  </td>
                  <td>{r.storeName}</td>
                  <td className="num">{formatFen(r.amountFen)}</td>
                  <td>
                    <span className={r.status === "SUCCESS" ? "tag ok" : "tag bad"}>{REFUND_STATUS_LABELS[r.status] ?? r.status}</span>
                  </td>
                  <td>{formatBeijing(new Date(r.createdAt))}</td>
                  <td>{r.requestedByName}</td>
                  <td className="wrap">
                    {r.advice ??
                      (r.status === "PROCESSING" || r.status === "PENDING"
                        ? "超过一天仍未完成：请点进订单“查询退款”，银行卡退款可能需要 1–3 个工作日。"
                        : "")}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <Pager page={page} pageCount={pageCount} href={pageHref} />
    </main>
  );
}
