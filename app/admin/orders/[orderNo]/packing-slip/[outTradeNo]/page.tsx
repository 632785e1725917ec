import Link from "next/link";
import { notFound } from "next/navigation";
import { PrintButton } from "@/components/admin/print-button";
import { requireAdminPage } from "@/lib/admin/guard";
import { DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/model";
import { AppError } from "@/lib/errors";
import { adminFulfilmentLabel, formatAddress } from "@/lib/fulfilment/model";
import { getPackingSlip } from "@/lib/fulfilment/slip";
import { formatFen } from "@/lib/money";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { formatBeijing } from "@/lib/time/beijing";

// 发货单: one store's sub-order on one sheet of paper (the print stylesheet in admin.css hides the rest).
type Props = { params: Promise<{ orderNo: string; outTradeNo: string }> };

export default async function PackingSlipPage({ params }: Props) {
  const { orderNo, outTradeNo } = await params;
  const actor = await requireAdminPage(`/admin/orders/${encodeURIComponent(orderNo)}/packing-slip/${encodeURIComponent(outTradeNo)}`);
  if (!ORDER_NO_PATTERN.test(orderNo) || !ORDER_NO_PATTERN.test(outTradeNo)) notFound();
  const s = await getPackingSlip(actor, orderNo, outTradeNo).catch((e) => {
    if (e instanceof AppError && e.code === "ORDER_NOT_FOUND") notFound();
    throw e;
  });
  const o = s.order;
  const goodsFen = s.lines.reduce((a, l) => a + l.amountFen, 0);
  const quantity = s.lines.reduce((a, l) => a + l.quantity, 0);
  return (
    <main className="slip">
      <p className="no-print">
        <Link href={`/admin/orders/${encodeURIComponent(orderNo)}`}>← 返回订单</Link> <PrintButton />
      </p>
      <h1>发货单 · {s.store.name}</h1>
      <dl className="kv-grid">
        <dt>订单号</dt>
        <dd className="mono">{orderNo}</dd>
        <dt>子单号</dt>
        <dd className="mono">{s.outTradeNo}</dd>
        <dt>支付时间</dt>
        <dd>{formatBeijing(o.paidAt ?? s.successTime)}</dd>
        <dt>配送方式</dt>
        <dd>
          {DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod}（
          {adminFulfilmentLabel(s.deliveryMethod, s.fulfilmentStatus)}）
        </dd>
        {s.carrier ? (
          <>
            <dt>快递</dt>
            <dd>
              {s.carrier} <span className="mono">{s.trackingNo}</span>
            </dd>
          </>
        ) : null}
      </dl>
      <h2>收货人</h2>
      {o.piiPurgedAt ? (
        <p className="muted">联系信息已按保留期限清除。</p>
      ) : (
        <dl className="kv-grid" data-testid="slip-recipient">
          <dt>姓名</dt>
          <dd>{o.contactName ?? "—"}</dd>
          <dt>手机号</dt>
          <dd className="mono">{o.contactPhone ?? "—"}</dd>
          {s.deliveryMethod === "SHIPPING" ? (
            <>
              <dt>收货地址</dt>
              <dd>{formatAddress(o) || "—"}</dd>
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
        </dl>
      )}
      <h2>商品</h2>
      <table className="table" aria-label="商品清单">
        <thead>
          <tr>
            <th>SKU</th>
            <th>商品</th>
            <th className="num">单价</th>
            <th className="num">数量</th>
            <th className="num">小计</th>
            <th className="check">核对</th>
          </tr>
        </thead>
        <tbody>
          {s.lines.map((l) => (
            <tr key={l.id}>
              <td className="mono">{l.sku}</td>
              <td className="wrap">{l.name}</td>
              <td className="num">{formatFen(l.unitPriceFen)}</td>
              <td className="num">{l.quantity}</td>
              <td className="num">{formatFen(l.amountFen)}</td>
              <td className="check">☐</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colSpan={3}>合计 {quantity} 件</td>
            <td></td>
            <td className="num">{formatFen(goodsFen)}</td>
            <td></td>
          </tr>
        </tfoot>
      </table>
      <p>
        实付 {formatFen(s.amountFen)}
        {s.shippingFeeFen > 0 ? `（含运费 ${formatFen(s.shippingFeeFen)}）` : ""}
        {s.refundedFen > 0 ? `，已退款 ${formatFen(s.refundedFen)}` : ""}
      </p>
    </main>
  );
}
