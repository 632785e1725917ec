"use client";
// The fulfilment actions of one store's sub-order on the order detail (README "Delivery and fulfilment"):
// 发货 (carrier + tracking number), 修改运单号, 确认送达, 备货完成, 确认自提 (the buyer's 6-digit code) —
// only those the sub-order's method and state allow. Each is one POST to the admin API; the page then
// re-renders from the database. Field errors show before anything is sent.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { CARRIERS } from "@/lib/delivery/model";
import {
  FULFILMENT_ACTION_LABELS,
  PickupCodeInputSchema,
  TrackingNoInputSchema,
  availableActions,
  type FulfilmentAction,
} from "@/lib/fulfilment/model";
import { postAdmin } from "./api";
import { ActionMessage } from "./admin-action";
import { useHydrated } from "@/components/use-hydrated";

export interface FulfilmentActionsProps {
  orderNo: string;
  outTradeNo: string;
  storeName: string;
  method: string;
  status: string;
  carrier: string | null;
  trackingNo: string | null;
}

export function FulfilmentActions(p: FulfilmentActionsProps) {
  const hydrated = useHydrated();
  const router = useRouter();
  const actions = availableActions(p.method, p.status);
  const [carrier, setCarrier] = useState<string>(p.carrier ?? CARRIERS[0]);
  const [trackingNo, setTrackingNo] = useState(p.trackingNo ?? "");
  const [pickupCode, setPickupCode] = useState("");
  const [fieldError, setFieldError] = useState<{ field: string; text: string } | null>(null);
  const [busy, setBusy] = useState<FulfilmentAction | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  if (actions.length === 0) return null;
  const withTracking = actions.includes("SHIP") || actions.includes("UPDATE_TRACKING");

  async function run(action: FulfilmentAction) {
    setMessage(null);
    setFieldError(null);
    let body: Record<string, string> = { outTradeNo: p.outTradeNo, action };
    if (action === "SHIP" || action === "UPDATE_TRACKING") {
      const t = TrackingNoInputSchema.safeParse(trackingNo);
      if (!t.success) return setFieldError({ field: "trackingNo", text: t.error.issues[0]!.message });
      body = { ...body, carrier, trackingNo: t.data };
    }
    if (action === "PICKED_UP") {
      const c = PickupCodeInputSchema.safeParse(pickupCode);
      if (!c.success) return setFieldError({ field: "pickupCode", text: c.error.issues[0]!.message });
      body = { ...body, pickupCode: c.data };
    }
    if (action === "DELIVERED" && !window.confirm(`确认「${p.storeName}」的包裹已送达？`)) return;
    setBusy(action);
    try {
      await postAdmin(`/api/admin/orders/${encodeURIComponent(p.orderNo)}/fulfilments`, body);
      setMessage({ ok: true, text: `${FULFILMENT_ACTION_LABELS[action]}：已完成。` });
      setPickupCode("");
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
      // also after a conflict: the page then shows what the sub-order is now
      router.refresh();
    }
  }

  const errorId = (field: string) => `${p.outTradeNo}-${field}-error`;
  const fieldProps = (field: string) =>
    fieldError?.field === field ? { "aria-invalid": true as const, "aria-describedby": errorId(field) } : {};

  return (
    <div className="fulfil-form" aria-label={`${p.storeName} 发货操作`} role="group">
      {withTracking ? (
        <div className="fulfil-row">
          <label>
            快递公司
            <select value={carrier} disabled={!hydrated || busy !== null} onChange={(e) => setCarrier(e.target.value)}>
              {CARRIERS.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
          <label>
            运单号
            <input
              value={trackingNo}
              maxLength={40}
              autoComplete="off"
              disabled={!hydrated || busy !== null}
              onChange={(e) => setTrackingNo(e.target.value)}
              {...fieldProps("trackingNo")}
            />
          </label>
          {actions.includes("SHIP") ? (
            <button type="button" className="btn" disabled={!hydrated || busy !== null} onClick={() => run("SHIP")}>
              {busy === "SHIP" ? "提交中…" : "发货"}
            </button>
          ) : null}
          {actions.includes("UPDATE_TRACKING") ? (
            <button type="button" className="btn ghost" disabled={!hydrated || busy !== null} onClick={() => run("UPDATE_TRACKING")}>
              {busy === "UPDATE_TRACKING" ? "提交中…" : "修改运单号"}
            </button>
          ) : null}
        </div>
      ) : null}
      {fieldError?.field === "trackingNo" ? (
        <p className="field-error" id={errorId("trackingNo")} role="alert">
          {fieldError.text}
        </p>
      ) : null}
      {actions.includes("DELIVERED") ? (
        <div className="fulfil-row">
          <button type="button" className="btn ghost" disabled={!hydrated || busy !== null} onClick={() => run("DELIVERED")}>
            {busy === "DELIVERED" ? "提交中…" : "确认送达"}
          </button>
        </div>
      ) : null}
      {actions.includes("READY_FOR_PICKUP") ? (
        <div className="fulfil-row">
          <button type="button" className="btn" disabled={!hydrated || busy !== null} onClick={() => run("READY_FOR_PICKUP")}>
            {busy === "READY_FOR_PICKUP" ? "提交中…" : "备货完成，通知自提"}
          </button>
        </div>
      ) : null}
      {actions.includes("PICKED_UP") ? (
        <div className="fulfil-row">
          <label>
            取件码
            <input
              value={pickupCode}
              inputMode="numeric"
              maxLength={6}
              autoComplete="off"
              placeholder="顾客出示的 6 位数字"
              disabled={!hydrated || busy !== null}
              onChange={(e) => setPickupCode(e.target.value)}
              {...fieldProps("pickupCode")}
            />
          </label>
          <button type="button" className="btn" disabled={!hydrated || busy !== null} onClick={() => run("PICKED_UP")}>
            {busy === "PICKED_UP" ? "提交中…" : "确认自提"}
          </button>
        </div>
      ) : null}
      {fieldError?.field === "pickupCode" ? (
        <p className="field-error" id={errorId("pickupCode")} role="alert">
          {fieldError.text}
        </p>
      ) : null}
      <ActionMessage message={message} />
    </div>
  );
}
