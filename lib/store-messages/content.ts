// The markdown staff read in their 企业微信 group. Masked contact only (the full one is in the back office,
// one tap away); no address, no pickup code. The robot takes at most 4096 bytes of content.
import { maskName, maskPhone } from "@/lib/delivery/contact";
import { DELIVERY_METHOD_LABELS, type DeliveryMethod } from "@/lib/delivery/model";
import { formatFen } from "@/lib/money";
import { formatBeijing } from "@/lib/time/beijing";

export const MAX_CONTENT_BYTES = 4096;
const MAX_LINES_LISTED = 10;

/** Shop-entered text inside markdown: no link, tag or emphasis syntax, no line breaks, bounded. */
export function plain(s: string, max = 40): string {
  const t = s
    .replace(/[\r\n\t]+/g, " ")
    .replace(/[[\]]/g, (c) => (c === "[" ? "【" : "】"))
    .replace(/[<>`*_#]/g, " ")
    .trim();
  const chars = Array.from(t);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : t;
}

function cap(content: string): string {
  if (Buffer.byteLength(content) <= MAX_CONTENT_BYTES) return content;
  let out = content;
  while (Buffer.byteLength(out) > MAX_CONTENT_BYTES - 3) out = out.slice(0, -1);
  return `${out}…`;
}

const orderLink = (appBaseUrl: string, orderNo: string) => `[在后台查看订单](${appBaseUrl}/admin/orders/${encodeURIComponent(orderNo)})`;

export interface PaidSubOrder {
  orderNo: string;
  outTradeNo: string;
  storeName: string;
  amountFen: number;
  shippingFeeFen: number;
  deliveryMethod: string;
  contactName: string | null;
  contactPhone: string | null;
  lines: { name: string; quantity: number }[];
}

export function paidContent(s: PaidSubOrder, appBaseUrl: string): string {
  const method = DELIVERY_METHOD_LABELS[s.deliveryMethod as DeliveryMethod] ?? s.deliveryMethod;
  const contact = s.contactName && s.contactPhone ? `${maskName(s.contactName)} ${maskPhone(s.contactPhone)}` : "—";
  const listed = s.lines.slice(0, MAX_LINES_LISTED).map((l) => `- ${plain(l.name)} × ${l.quantity}`);
  if (s.lines.length > MAX_LINES_LISTED) listed.push(`- 等共 ${s.lines.length} 种商品`);
  return cap(
    [
      `**新订单已支付** · ${plain(s.storeName)}`,
      `> 订单号：${s.orderNo}`,
      `> 子订单：${s.outTradeNo}`,
      `> 金额：<font color="warning">${formatFen(s.amountFen)}</font>${s.shippingFeeFen > 0 ? `（含运费 ${formatFen(s.shippingFeeFen)}）` : ""}`,
      `> 配送：${method}`,
      `> 联系人：${contact}`,
      "商品：",
      ...listed,
      orderLink(appBaseUrl, s.orderNo),
    ].join("\n"),
  );
}

export interface SucceededRefund {
  orderNo: string;
  outTradeNo: string;
  refundNo: string;
  storeName: string;
  amountFen: number;
  subOrderAmountFen: number;
  reason: string | null;
}

export function refundContent(r: SucceededRefund, appBaseUrl: string): string {
  return cap(
    [
      `**退款成功** · ${plain(r.storeName)}`,
      `> 订单号：${r.orderNo}`,
      `> 子订单：${r.outTradeNo}`,
      `> 退款单号：${r.refundNo}`,
      `> 退款金额：<font color="warning">${formatFen(r.amountFen)}</font>（子订单 ${formatFen(r.subOrderAmountFen)}）`,
      ...(r.reason ? [`> 原因：${plain(r.reason, 80)}`] : []),
      orderLink(appBaseUrl, r.orderNo),
    ].join("\n"),
  );
}

export function testContent(storeName: string, at: Date): string {
  return [
    `**测试消息** · ${plain(storeName)}`,
    "收到这条消息，说明本店的订单通知已配置正确：每笔支付成功的订单和每笔成功的退款都会发到这个群。",
    `> 发送时间：${formatBeijing(at)}（北京时间）`,
  ].join("\n");
}
