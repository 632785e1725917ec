import Link from "next/link";
import { notFound } from "next/navigation";
import { FulfilmentActions } from "@/components/admin/fulfilment-actions";
import { OrderActions } from "@/components/admin/order-actions";
import { StoreRefunds } from "@/components/admin/refunds";
import { toRefundView } from "@/lib/refunds/view";
import { requireAdminPage } from "@/lib/admin/guard";
import { actorDisplay } from "@/lib/admin/scope";
import { isOverdue, ORDER_STATUS_LABELS, OVERDUE_LABEL, statusTagClass } from "@/lib/admin/format";
import { formatBeijing } from "@/lib/time/beijing";
import { getAdminOrder } from "@/lib/admin/orders";
import { AppError } from "@/lib/errors";
import { formatFen } from "@/lib/money";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { Pager } from "@/components/admin/pager";
import { pageParam } from "@/lib/admin/paging";
import { DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/model";
import { adminFulfilmentLabel, formatAddress, FULFILMENT_ACTION_LABELS } from "@/lib/fulfilment/model";

type Props = { params: Promise<{ orderNo: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

const fulfilmentTagClass = (status: string) =>
  status === "DELIVERED" || status === "PICKED_UP" || status === "FULFILLED" ? "tag ok" : status === "UNFULFILLED" ? "tag warn" : "tag";

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
  const actor = await requireAdminPage(`/admin/orders/${encodeURIComponent(orderNo)}`);
  if (!ORDER_NO_PATTERN.test(orderNo)) notFound();
  const order = await getAdminOrder(actor, orderNo, eventsPage).catch((e) => {
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
      {order.wholeOrder ? null : (
        <p className="notice" data-testid="scoped-order">
          此订单含其他店铺的商品：这里只显示您负责的店铺的子单，金额为这些子单的合计。
        </p>
      )}
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
          <dt>支付渠道</dt>
          <dd>
            {order.payChannel === "JSAPI" ? "JSAPI（微信内支付）" : "H5"} · combine_appid {order.combineAppid}
          </dd>
          <dt>下单状态</dt>
          <dd>
            {order.prepayState}
            {order.lastPrepayError ? ` · ${order.lastPrepayError}` : ""}
          </dd>
        </dl>
        <OrderActions orderNo={order.orderNo} status={order.status} />
      </section>

      <h2>收货信息</h2>
      <section className="card" aria-label="收货信息">
        {order.piiPurgedAt ? (
          <p className="muted">联系人与地址已于 {formatBeijing(order.piiPurgedAt)} 按保留期限清除。</p>
        ) : (
          <dl className="kv-grid" data-testid="order-contact">
            <dt>收货人</dt>
            <dd>{order.contactName ?? "—"}</dd>
            <dt>手机号</dt>
            <dd className="mono">{order.contactPhone ?? "—"}</dd>
            <dt>收货地址</dt>
            <dd>{formatAddress(order) || "—（无快递配送）"}</dd>
          </dl>
        )}
      </section>

      <h2>配送与履约</h2>
      {order.subOrders.map((s) => (
        <section
          className="card"
          key={s.outTradeNo}
          id={`fulfil-${s.outTradeNo}`}
          aria-label={`${s.store.name} 配送`}
          data-testid={`fulfil-${s.outTradeNo}`}
        >
          <h3>
            {s.store.name} <span className="mono muted">{s.outTradeNo}</span>
          </h3>
          <dl className="kv-grid">
            <dt>配送方式</dt>
            <dd>
              {DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod}
              {s.shippingFeeFen > 0 ? `（运费 ${formatFen(s.shippingFeeFen)}）` : ""}
            </dd>
            <dt>履约状态</dt>
            <dd>
              <span className={fulfilmentTagClass(s.fulfilmentStatus)} data-testid="fulfilment-status">
                {adminFulfilmentLabel(s.deliveryMethod, s.fulfilmentStatus)}
              </span>
              {s.refundedFen > 0 ? (
                <>
                  {" "}
                  <span className="tag bad">{s.refundedFen >= s.amountFen ? "已全额退款" : `已退款 ${formatFen(s.refundedFen)}`}</span>
                </>
              ) : null}
            </dd>
            {s.carrier ? (
              <>
                <dt>快递</dt>
                <dd>
                  {s.carrier} <span className="mono">{s.trackingNo}</span>
                </dd>
              </>
            ) : null}
            {s.deliveryMethod === "PICKUP" ? (
              <>
                <dt>自提点</dt>
                <dd>
                  {s.pickupAddress ?? "—"}
                  {s.pickupHours ? `（${s.pickupHours}）` : ""}
                </dd>
              </>
            ) : null}
            {s.shippedAt ? (
              <>
                <dt>发货时间</dt>
                <dd>{formatBeijing(s.shippedAt)}</dd>
              </>
            ) : null}
            {s.deliveredAt ? (
              <>
                <dt>送达时间</dt>
                <dd>{formatBeijing(s.deliveredAt)}</dd>
              </>
            ) : null}
            {s.readyAt ? (
              <>
                <dt>备货完成</dt>
                <dd>{formatBeijing(s.readyAt)}</dd>
              </>
            ) : null}
            {s.pickedUpAt ? (
              <>
                <dt>自提时间</dt>
                <dd>{formatBeijing(s.pickedUpAt)}</dd>
              </>
            ) : null}
          </dl>
          {s.deliveryMethod !== "NONE" && (s.tradeState === "SUCCESS" || s.tradeState === "REFUND") ? (
            <>
              <p className="row-actions">
                <a href={`/admin/orders/${encodeURIComponent(order.orderNo)}/packing-slip/${encodeURIComponent(s.outTradeNo)}`}>
                  打印发货单
                </a>
              </p>
              {s.refundedFen >= s.amountFen && (s.fulfilmentStatus === "UNFULFILLED" || s.fulfilmentStatus === "READY_FOR_PICKUP") ? (
                <p className="muted">已全额退款，不能再发货或交付。</p>
              ) : (
                <FulfilmentActions
                  orderNo={order.orderNo}
                  outTradeNo={s.outTradeNo}
                  storeName={s.store.name}
                  method={s.deliveryMethod}
                  status={s.fulfilmentStatus}
                  carrier={s.carrier}
                  trackingNo={s.trackingNo}
                />
              )}
            </>
          ) : null}
          {s.fulfilmentEvents.length > 0 ? (
            <div className="table-wrap">
              <table className="table" aria-label={`${s.store.name} 履约记录`}>
                <thead>
                  <tr>
                    <th>时间</th>
                    <th>操作</th>
                    <th>状态</th>
                    <th>快递</th>
                    <th>操作人</th>
                  </tr>
                </thead>
                <tbody>
                  {s.fulfilmentEvents.map((e) => (
                    <tr key={e.id}>
                      <td>{formatBeijing(e.at)}</td>
                      <td>{FULFILMENT_ACTION_LABELS[e.action as keyof typeof FULFILMENT_ACTION_LABELS] ?? e.action}</td>
                      <td>
                        {adminFulfilmentLabel(s.deliveryMethod, e.fromStatus)} → {adminFulfilmentLabel(s.deliveryMethod, e.toStatus)}
                      </td>
                      <td>{e.carrier ? `${e.carrier} ${e.trackingNo ?? ""}` : ""}</td>
                      <td>{actorDisplay(e.actor)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </section>
      ))}

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
              <th>操作人</th>
            </tr>
          </thead>
          <tbody>
            {order.events.length === 0 ? (
              <tr>
                <td colSpan={9} className="muted">
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
                  <td>{e.actor ? actorDisplay(e.actor) : ""}</td>
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
