import Link from "next/link";
import { notFound } from "next/navigation";
import { OrderActions } from "@/components/admin/order-actions";
import { StoreRefunds } from "@/components/admin/refunds";
import { toRefundView } from "@/lib/refunds/view";
import { requireAdminPage } from "@/lib/admin/guard";
import { isOverdue, ORDER_STATUS_LABELS, OVERDUE_LABEL, statusTagClass } from "@/lib/admin/format";
import { formatBeijing } from "@/lib/time/beijing";
import { getAdminOrder } from "@/lib/admin/orders";
import { AppError } from "@/lib/errors";
import { formatFen } from "@/lib/money";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { Pager } from "@/components/admin/pager";
import { pageParam } from "@/lib/admin/paging";

type Props = { params: Promise<{ orderNo: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const SOURCE_LABELS: Record<string, string> = {
  NOTIFY: "支付通知",
  QUERY: "主动查询",
  CLOSE: "关单",
  REFUND_CREATE: "申请退款",
  REFUND_QUERY: "查询退款",
  REFUND_NOTIFY: "退款通知",
  REFUND_ABNORMAL: "异常退款（退至商户银行卡）",
};

export default async function AdminOrderPage({ params, searchParams }: Props) {
  const { orderNo } = await params;
  const eventsPage = pageParam((await searchParams).events);
  await requireAdminPage(`/admin/orders/${encodeURIComponent(orderNo)}`);
  if (!ORDER_NO_PATTERN.test(orderNo)) notFound();
  const order = await getAdminOrder(orderNo, eventsPage).catch((e) => {
    if (e instanceof AppError && e.code === "ORDER_NOT_FOUND") notFound();
    throw e;
  });
  return (
    <main>
      <p>
        <Link href="/admin/orders">← 订单列表</Link>
      </p>
      <h1>
        订单 <span className="mono">{order.orderNo}</span>
      </h1>
      <section className="card">
        <dl className="kv-grid">
          <dt>状态</dt>
          <dd>
            <span className={statusTagClass(order.status)} data-testid="order-status">
              {ORDER_STATUS_LABELS[order.status] ?? order.status}
            </span>
            {isOverdue(order, new Date()) ? (
              <>
                {" "}
                <span className="tag warn">{OVERDUE_LABEL}</span>
              </>
            ) : null}
          </dd>
          <dt>金额</dt>
          <dd>{formatFen(order.totalFen)}</dd>
          <dt>模式</dt>
          <dd>
            {order.mode === "partner" ? "服务商（partner）" : "直连（direct）"} · 合单商户号 {order.combineMchid}
          </dd>
          <dt>下单时间</dt>
          <dd>{formatBeijing(order.createdAt)}</dd>
          <dt>支付截止</dt>
          <dd>{formatBeijing(order.expiresAt)}</dd>
          <dt>支付时间</dt>
          <dd>{formatBeijing(order.paidAt)}</dd>
          <dt>关闭时间</dt>
          <dd>{order.closedAt ? `${formatBeijing(order.closedAt)}（${order.closeReason ?? ""}）` : "—"}</dd>
          <dt>下单状态</dt>
          <dd>
            {order.prepayState}
            {order.lastPrepayError ? ` · ${order.lastPrepayError}` : ""}
          </dd>
        </dl>
        <OrderActions orderNo={order.orderNo} status={order.status} />
      </section>

      <h2>子单</h2>
      <div className="table-wrap">
        <table className="table" aria-label="子单">
          <thead>
            <tr>
              <th>子单号 out_trade_no</th>
              <th>店铺</th>
              <th>商户号</th>
              <th className="num">金额</th>
              <th>交易状态</th>
              <th>微信订单号</th>
              <th>支付成功时间</th>
              <th>商品</th>
            </tr>
          </thead>
          <tbody>
            {order.subOrders.map((s) => (
              <tr key={s.outTradeNo}>
                <td className="mono">{s.outTradeNo}</td>
                <td>{s.store.name}</td>
                <td className="mono">{s.subMchid ? `${s.mchid} / ${s.subMchid}` : s.mchid}</td>
                <td className="num">{formatFen(s.amountFen)}</td>
                <td>
                  <span className={statusTagClass(s.tradeState)}>{s.tradeState}</span>
                </td>
                <td className="mono">{s.transactionId ?? "—"}</td>
                <td>{formatBeijing(s.successTime)}</td>
                <td className="wrap">
                  {s.lines.map((l) => (
                    <div key={l.id}>
                      {l.name} × {l.quantity}（{formatFen(l.amountFen)}）
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>退款</h2>
      {order.subOrders.map((s) => (
        <StoreRefunds
          key={s.outTradeNo}
          orderNo={order.orderNo}
          outTradeNo={s.outTradeNo}
          storeName={s.store.name}
          paidFen={s.amountFen}
          refundedFen={s.refundedFen}
          reservedFen={s.refundReservedFen}
          refundable={(order.status === "PAID" || order.status === "REFUNDED") && (s.tradeState === "SUCCESS" || s.tradeState === "REFUND")}
          refunds={s.refunds.map(toRefundView)}
        />
      ))}

      <h2>通知与查询记录（共 {order.eventsTotal} 条）</h2>
      <div className="table-wrap">
        <table className="table" aria-label="审计日志">
          <thead>
            <tr>
              <th>来源</th>
              <th>接收时间</th>
              <th>验签</th>
              <th>结果</th>
              <th>原因</th>
              <th>通知 ID</th>
              <th>Request-ID</th>
              <th>子单状态</th>
            </tr>
          </thead>
          <tbody>
            {order.events.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  暂无记录
                </td>
              </tr>
            ) : (
              order.events.map((e) => (
                <tr key={e.id}>
                  <td>{SOURCE_LABELS[e.source] ?? e.source}</td>
                  <td>{formatBeijing(e.receivedAt)}</td>
                  <td>{e.verified ? <span className="tag ok">通过</span> : <span className="tag bad">未通过</span>}</td>
                  <td>{e.outcome}</td>
                  <td className="wrap">
                    {e.refundNo ? `退款单 ${e.refundNo} ` : ""}
                    {e.reason ?? ""}
                  </td>
                  <td className="mono">{e.notificationId ?? ""}</td>
                  <td className="mono">{e.requestId ?? ""}</td>
                  <td className="mono">{e.tradeStates ?? ""}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {order.eventsPageCount > 1 && (
        <Pager
          page={order.eventsPage}
          pageCount={order.eventsPageCount}
          href={(p) => `?events=${p}`}
          label="审计日志分页"
          previous="← 较新"
          next="较早 →"
        />
      )}
    </main>
  );
}
