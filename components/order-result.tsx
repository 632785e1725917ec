"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import useSWR from "swr";
import type { OrderView } from "@/lib/orders/view-types";
import { formatFen } from "@/lib/money";
import { describeApiError } from "./api-errors";
import { saveCart, loadCart } from "./cart-storage";
import { openGuide } from "./guide-event";
import { useHydrated } from "@/components/use-hydrated";
import { ContactBlock, FulfilmentBlock } from "./order-fulfilment";

const TRADE_STATE_LABEL: Record<string, string> = {
  SUCCESS: "已支付",
  NOTPAY: "待支付",
  CLOSED: "已关闭",
  REFUND: "有退款", // WeChat's REFUND = refund activity exists, not "fully refunded" (docs/wechatpay.md §14.6)
  PAYERROR: "支付失败",
  USERPAYING: "支付中",
  ACCEPT: "处理中",
};

async function post(url: string): Promise<{ ok: true; data: unknown } | { ok: false; message: string; data: unknown }> {
  try {
    const res = await fetch(url, { method: "POST" });
    const data = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    return res.ok ? { ok: true, data } : { ok: false, message: describeApiError(res.status, data), data };
  } catch {
    return { ok: false, message: "网络连接失败，请检查网络后重试", data: null };
  }
}

/**
 * `inApp`: rendered inside WeChat or another app, where neither the check nor paying again can work — except a JSAPI
 * order inside WeChat (`wechatPay`), paid again through WeixinJSBridge; `cancelled`: the bridge just said cancel.
 */
export function OrderResult({
  initial,
  inApp = false,
  wechatPay = false,
  cancelled = false,
}: {
  initial: OrderView;
  inApp?: boolean;
  wechatPay?: boolean;
  cancelled?: boolean;
}) {
  const hydrated = useHydrated();
  const key = `/api/orders/${initial.orderNo}`;
  // Our own database only; no revalidation on focus or interval — WeChat is asked only on the button.
  const { data: order = initial, mutate } = useSWR<OrderView>(key, null, {
    fallbackData: initial,
    revalidateOnFocus: false,
    revalidateOnReconnect: false,
    revalidateIfStale: false,
    revalidateOnMount: false,
  });
  const router = useRouter();
  const [busy, setBusy] = useState<null | "query" | "pay" | "close" | "refresh">(null);
  const [error, setError] = useState<string | null>(null);
  const [checked, setChecked] = useState(false);
  // The server asks WeChat at most once per order per interval and says when to ask again
  // (retryAfterSeconds): the button counts down instead of sending requests that cannot help.
  const [queryAgainAt, setQueryAgainAt] = useState(0);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const waitSeconds = Math.max(0, Math.ceil((queryAgainAt - nowMs) / 1000));
  useEffect(() => {
    if (queryAgainAt <= Date.now()) return;
    const t = setInterval(() => setNowMs(Date.now()), 250);
    return () => clearInterval(t);
  }, [queryAgainAt]);

  function noteRetryAfter(data: unknown) {
    const s = (data as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof s === "number" && s > 0) {
      setNowMs(Date.now());
      setQueryAgainAt(Date.now() + s * 1000);
    }
  }

  async function act(kind: "query" | "close") {
    setBusy(kind);
    setError(null);
    const r = await post(`${key}/${kind}`);
    if (r.ok) {
      const { retryAfterSeconds: _r, ...view } = r.data as OrderView & { retryAfterSeconds?: number | null };
      await mutate(view as OrderView, { revalidate: false });
      if (kind === "query") {
        setChecked(true);
        noteRetryAfter(r.data);
      }
    } else {
      setError(r.message);
      noteRetryAfter(r.data);
    }
    setBusy(null);
  }

  async function payAgain() {
    setBusy("pay");
    setError(null);
    const r = await post(`${key}/pay`);
    if (r.ok) {
      // orderNo: another number when the order changed channel (closed at WeChat and re-issued, README "Paying inside
      // WeChat (JSAPI)"); the payment then ends on that order's page.
      const data = r.data as { orderNo?: string; payUrl?: string; payParams?: import("./wechat-bridge").BridgePayParams };
      if (data.payParams) {
        // The live prepay_id, re-signed by the server: WeChat's cashier again (its code is a chunk of its own).
        const { payInWechat } = await import("./wechat-bridge");
        payInWechat(data.orderNo ?? order.orderNo, data.payParams);
        return;
      }
      window.location.assign(data.payUrl!);
      return;
    }
    setError(r.message);
    setBusy(null);
    // The order may have changed (expired and closed, or paid): show what our database says now.
    const fresh = await fetch(key)
      .then((res) => (res.ok ? (res.json() as Promise<OrderView>) : null))
      .catch(() => null);
    if (fresh) await mutate(fresh, { revalidate: false });
  }

  /** Our own API only (never WeChat): the stores' delivery progress since the page was loaded. */
  async function refresh() {
    setBusy("refresh");
    setError(null);
    const fresh = await fetch(key)
      .then((res) => (res.ok ? (res.json() as Promise<OrderView>) : null))
      .catch(() => null);
    if (fresh) await mutate(fresh, { revalidate: false });
    else setError("刷新失败，请检查网络后重试");
    setBusy(null);
  }

  function reorder() {
    const cart = loadCart();
    for (const s of order.subOrders) for (const l of s.lines) cart[l.sku] = Math.min(99, (cart[l.sku] ?? 0) + l.quantity);
    saveCart(cart);
    router.push("/"); // the cart reads the saved quantities when it mounts
  }

  return (
    <>
      <section className="card status" aria-live="polite">
        {order.status === "PAID" && (
          <>
            <div className="status-icon ok" aria-hidden>
              ✓
            </div>
            <div className="status-title">支付成功</div>
            <div className="muted">
              已向 {order.subOrders.length} 家店铺付款 {formatFen(order.totalFen)}
            </div>
          </>
        )}
        {order.status === "REFUNDED" && (
          <>
            <div className="status-icon ok" aria-hidden>
              ✓
            </div>
            <div className="status-title">已全额退款</div>
            <div className="muted">{formatFen(order.totalFen)} 已按原路退回</div>
          </>
        )}
        {order.status === "PENDING" && (
          <>
            <div className="status-icon wait" aria-hidden>
              …
            </div>
            <div className="status-title">{cancelled ? "支付已取消" : "等待支付结果"}</div>
            <div className="muted">
              {cancelled
                ? "你取消了本次付款，订单仍然保留。点击「继续支付」可以重新打开微信收银台。"
                : inApp
                  ? "请在手机浏览器中打开本页，查询支付结果或继续支付。"
                  : checked
                    ? "微信支付尚未收到这笔付款。如已付款，请稍候再查询。"
                    : "如已在微信支付完成付款，请点击下方按钮查询结果。"}
            </div>
          </>
        )}
        {order.status === "CLOSED" && (
          <>
            <div className="status-icon off" aria-hidden>
              ✕
            </div>
            <div className="status-title">订单已关闭</div>
            <div className="muted">该订单已取消或超时未支付，不会再扣款。</div>
          </>
        )}
        <div className="total" data-testid="order-total" style={{ marginTop: 8 }}>
          {formatFen(order.totalFen)}
        </div>
      </section>

      <ContactBlock contact={order.contact} address={order.address} masked={order.viewer !== "buyer"} />

      {order.subOrders.map((s) => (
        <section className="card" key={s.outTradeNo} aria-label={s.store.name}>
          <div className="store-head">
            <h2>{s.store.name}</h2>
            <span className={`badge${s.tradeState === "SUCCESS" ? " ok" : ""}`}>{TRADE_STATE_LABEL[s.tradeState] ?? s.tradeState}</span>
          </div>
          {s.lines.map((l) => (
            <div className="kv" key={l.sku}>
              <span>
                {l.name} × {l.quantity}
              </span>
              <span className="price">{formatFen(l.amountFen)}</span>
            </div>
          ))}
          {s.shippingFeeFen > 0 && (
            <div className="kv">
              <span>运费</span>
              <span className="price">{formatFen(s.shippingFeeFen)}</span>
            </div>
          )}
          <div className="kv">
            <span className="muted">本店合计</span>
            <span className="price">{formatFen(s.amountFen)}</span>
          </div>
          {s.fulfilment && <FulfilmentBlock f={s.fulfilment} />}
          <div className="muted mono">商户订单号 {s.outTradeNo}</div>
          {s.transactionId && <div className="muted mono">微信支付单号 {s.transactionId}</div>}
          {s.refunds.length > 0 && (
            <div data-testid="store-refunds">
              {s.refunds.map((r) => (
                <div className="kv" key={r.refundNo}>
                  <span className={r.status === "SUCCESS" ? "" : "muted"}>{r.text}</span>
                </div>
              ))}
              {s.refundedFen > 0 && s.refundedFen < s.amountFen && (
                <div className="kv">
                  <span className="muted">本店已退款</span>
                  <span className="price">{formatFen(s.refundedFen)}</span>
                </div>
              )}
            </div>
          )}
        </section>
      ))}

      <div className="muted mono" style={{ margin: "0 4px" }}>
        订单号 {order.orderNo}
      </div>
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}

      <div className="actions">
        {order.status === "PENDING" && inApp && (
          <button disabled={!hydrated} type="button" className="primary" onClick={openGuide}>
            在浏览器中打开
          </button>
        )}
        {order.status === "PENDING" && !inApp && (
          <>
            <button type="button" className="primary" onClick={() => act("query")} disabled={!hydrated || busy !== null || waitSeconds > 0}>
              {busy === "query" ? "正在查询…" : waitSeconds > 0 ? `${waitSeconds} 秒后可再次查询` : "我已完成支付，查询结果"}
            </button>
            <button type="button" className={cancelled ? "primary" : "secondary"} onClick={payAgain} disabled={!hydrated || busy !== null}>
              {busy === "pay" ? "正在打开支付…" : wechatPay ? "继续支付" : "重新支付"}
            </button>
            <button type="button" className="secondary" onClick={() => act("close")} disabled={!hydrated || busy !== null}>
              {busy === "close" ? "正在取消…" : "取消订单"}
            </button>
          </>
        )}
        {(order.status === "PAID" || order.status === "REFUNDED") && (
          <>
            <button type="button" className="secondary" onClick={refresh} disabled={!hydrated || busy !== null}>
              {busy === "refresh" ? "正在刷新…" : "刷新配送状态"}
            </button>
            <Link className="secondary" style={{ textAlign: "center", textDecoration: "none" }} href="/">
              继续购物
            </Link>
          </>
        )}
        {order.status === "CLOSED" && (
          <button disabled={!hydrated} type="button" className="primary" onClick={reorder}>
            重新下单
          </button>
        )}
        <Link style={{ textAlign: "center" }} href="/orders">
          我的订单
        </Link>
      </div>
    </>
  );
}
