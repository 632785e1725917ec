"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { postAdmin } from "./api";
import { ActionMessage } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";

const OUTCOME_TEXT: Record<string, string> = {
  APPLIED: "已从微信支付同步最新状态。",
  DUPLICATE: "状态已是最新（重复结果）。",
  NO_CHANGE: "微信支付的结果与本地一致，无变化。",
};

/** 立即查询 / 关闭订单 for one order; the page re-renders from the database afterwards. */
export function OrderActions({ orderNo, status }: { orderNo: string; status: string }) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [busy, setBusy] = useState<"query" | "close" | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  async function run(action: "query" | "close") {
    if (action === "close" && !window.confirm(`确定关闭订单 ${orderNo}？关闭后顾客将无法再支付。`)) return;
    setBusy(action);
    setMessage(null);
    try {
      const path = `/api/admin/orders/${encodeURIComponent(orderNo)}/${action}`;
      const r = await postAdmin<{ outcome?: string }>(path);
      setMessage({ ok: true, text: action === "close" ? "订单已关闭。" : (OUTCOME_TEXT[r.outcome ?? ""] ?? "查询完成。") });
      router.refresh();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <div>
      <div className="row-actions">
        <button type="button" className="btn" disabled={!hydrated || busy !== null} onClick={() => run("query")}>
          {busy === "query" ? "查询中…" : "立即查询"}
        </button>
        {status === "PENDING" ? (
          <button type="button" className="btn danger" disabled={!hydrated || busy !== null} onClick={() => run("close")}>
            {busy === "close" ? "关闭中…" : "关闭订单"}
          </button>
        ) : null}
      </div>
      <ActionMessage message={message} />
    </div>
  );
}
