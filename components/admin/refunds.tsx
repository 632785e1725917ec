"use client";
// Per-store refunds on the order detail (docs/wechatpay.md §14): paid / refunded / remaining, a refund form with a
// confirmation step, and the store's refunds with "查询退款" (a PENDING one is re-sent under the SAME number).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { formatFen } from "@/lib/money";
import { REFUND_STATUS_LABELS, type RefundView } from "@/lib/refunds/view-types";
import { postAdmin } from "./api";
import { ActionMessage } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";

type Problem = { code: string; class: string; advice: string };
type RefundReply = { refund: RefundView & { problem?: Problem } };

export interface StoreRefundsProps {
  orderNo: string;
  outTradeNo: string;
  storeName: string;
  paidFen: number;
  refundedFen: number;
  reservedFen: number;
  refundable: boolean;
  refunds: RefundView[];
}

const tagClass = (s: string) =>
  s === "SUCCESS" ? "tag ok" : s === "FAILED" || s === "CLOSED" || s === "ABNORMAL" ? "tag bad" : "tag warn";

/** "12.30" → 1230; null when not a positive amount with at most 2 decimals. */
function parseYuan(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  return fen > 0 ? fen : null;
}

export function StoreRefunds(p: StoreRefundsProps) {
  const hydrated = useHydrated();
  const router = useRouter();
  const remaining = Math.max(0, p.paidFen - p.reservedFen);
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState((remaining / 100).toFixed(2));
  const [reason, setReason] = useState("");
  const [confirming, setConfirming] = useState(false);
  // One key per intended refund: a double click or a retry after a lost answer sends the same key.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const amountFen = parseYuan(amount);
  const reasonBytes = new TextEncoder().encode(reason).length;
  const invalid =
    amountFen === null
      ? "请输入正确的金额"
      : amountFen > remaining
        ? `不能超过可退金额 ${formatFen(remaining)}`
        : reasonBytes > 80
          ? "退款原因最多 80 字节（约 26 个汉字）"
          : null;

  function describe(r: RefundReply["refund"]): { ok: boolean; text: string } {
    if (r.problem) return { ok: false, text: `退款单 ${r.refundNo}：${r.problem.advice}` };
    return { ok: true, text: `退款单 ${r.refundNo} 已提交微信支付（${REFUND_STATUS_LABELS[r.status] ?? r.status}）。` };
  }

  async function submit() {
    if (invalid || amountFen === null) return;
    setBusy(true);
    setMessage(null);
    try {
      const r = await postAdmin<RefundReply>(
        `/api/admin/orders/${encodeURIComponent(p.orderNo)}/refunds`,
        { outTradeNo: p.outTradeNo, amountFen, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        { "idempotency-key": key },
      );
      setMessage(describe(r.refund));
      setKey(crypto.randomUUID());
      setConfirming(false);
      setOpen(false);
      router.refresh();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  }

  async function query(refundNo: string) {
    setBusy(true);
    setMessage(null);
    try {
      const r = await postAdmin<RefundReply>(`/api/admin/refunds/${encodeURIComponent(refundNo)}/query`);
      setMessage(
        r.refund.problem
          ? { ok: false, text: `退款单 ${refundNo}：${r.refund.problem.advice}` }
          : { ok: true, text: `退款单 ${refundNo}：${REFUND_STATUS_LABELS[r.refund.status] ?? r.refund.status}` },
      );
      router.refresh();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  async function toMerchantBankCard(refundNo: string) {
    if (!window.confirm(`把退款单 ${refundNo} 改退至商户银行账户？到账后需由商家与顾客线下结算，提交后无法撤回。`)) return;
    setBusy(true);
    setMessage(null);
    try {
      await postAdmin<RefundReply>(`/api/admin/refunds/${encodeURIComponent(refundNo)}/abnormal`);
      setMessage({ ok: true, text: `退款单 ${refundNo}：已申请退至商户银行卡，等待微信支付处理。` });
      router.refresh();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" data-testid={`refunds-${p.outTradeNo}`} aria-label={`${p.storeName} 退款`}>
      <h3>
        {p.storeName} <span className="mono muted">{p.outTradeNo}</span>
      </h3>
      <dl className="kv-grid">
        <dt>实付</dt>
        <dd>{formatFen(p.paidFen)}</dd>
        <dt>已退款</dt>
        <dd data-testid="refunded">{formatFen(p.refundedFen)}</dd>
        <dt>可退</dt>
        <dd data-testid="remaining">
          {formatFen(remaining)}
          {p.reservedFen > p.refundedFen ? `（另有 ${formatFen(p.reservedFen - p.refundedFen)} 退款处理中）` : ""}
        </dd>
      </dl>
      {p.refunds.length > 0 ? (
        <div className="table-wrap">
          <table className="table" aria-label={`${p.storeName} 退款记录`}>
            <thead>
              <tr>
                <th>退款单号</th>
                <th className="num">金额</th>
                <th>状态</th>
                <th>退款渠道 / 入账账户</th>
                <th>原因</th>
                <th>申请人</th>
                <th>说明</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              {p.refunds.map((r) => (
                <tr key={r.refundNo} data-testid={`refund-${r.refundNo}`}>
                  <td className="mono">
                    {r.refundNo}
                    {r.origin === "EXTERNAL" ? <span className="tag">商户平台发起</span> : null}
                  </td>
                  <td className="num">{formatFen(r.amountFen)}</td>
                  <td>
                    <span className={tagClass(r.status)} data-testid="refund-status">
                      {REFUND_STATUS_LABELS[r.status] ?? r.status}
                    </span>
                  </td>
                  <td>{[r.channel, r.userReceivedAccount].filter(Boolean).join(" · ") || "—"}</td>
                  <td className="wrap">{r.reason ?? ""}</td>
                  <td data-testid="refund-requested-by">{r.requestedByName}</td>
                  <td className="wrap">{r.advice ?? ""}</td>
                  <td>
                    {/* FAILED too: WeChat may hold it after all (the bill reconciliation flags that) */}
                    {r.status === "PENDING" || r.status === "PROCESSING" || r.status === "ABNORMAL" || r.status === "FAILED" ? (
                      <button type="button" className="btn ghost" disabled={!hydrated || busy} onClick={() => query(r.refundNo)}>
                        {r.status === "PENDING" ? "重试（同一退款单号）" : "查询退款"}
                      </button>
                    ) : null}
                    {r.status === "ABNORMAL" && !r.abnormalAppliedAt ? (
                      <button
                        type="button"
                        className="btn danger"
                        disabled={!hydrated || busy}
                        onClick={() => toMerchantBankCard(r.refundNo)}
                      >
                        退至商户银行卡
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {p.refundable && remaining > 0 ? (
        open ? (
          <div className="refund-form">
            <label>
              退款金额（元）
              <input
                name="amount"
                inputMode="decimal"
                value={amount}
                disabled={!hydrated || confirming}
                onChange={(e) => setAmount(e.target.value)}
              />
            </label>
            <label>
              退款原因（选填，会展示给顾客）
              <input
                name="reason"
                value={reason}
                maxLength={80}
                disabled={!hydrated || confirming}
                onChange={(e) => setReason(e.target.value)}
              />
            </label>
            {invalid ? (
              <p className="alert" role="alert">
                {invalid}
              </p>
            ) : null}
            {confirming && amountFen !== null ? (
              <div className="row-actions">
                <span>
                  确认从「{p.storeName}」退款 {formatFen(amountFen)} 给顾客？提交后无法撤回。
                </span>
                <button type="button" className="btn danger" disabled={!hydrated || busy} onClick={submit}>
                  {busy ? "提交中…" : "确认退款"}
                </button>
                <button type="button" className="btn ghost" disabled={!hydrated || busy} onClick={() => setConfirming(false)}>
                  返回修改
                </button>
              </div>
            ) : (
              <div className="row-actions">
                <button type="button" className="btn" disabled={!hydrated || !!invalid} onClick={() => setConfirming(true)}>
                  下一步
                </button>
                <button disabled={!hydrated} type="button" className="btn ghost" onClick={() => setOpen(false)}>
                  取消
                </button>
              </div>
            )}
          </div>
        ) : (
          <div className="row-actions">
            <button
              disabled={!hydrated}
              type="button"
              className="btn ghost"
              onClick={() => {
                setAmount((remaining / 100).toFixed(2));
                setOpen(true);
              }}
            >
              退款
            </button>
          </div>
        )
      ) : null}
      <ActionMessage message={message} />
    </section>
  );
}
