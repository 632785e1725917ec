"use client";

import { useState } from "react";
// The zod-free module: lib/delivery/model.ts would bring zod into the result page's first-load JS.
import { DELIVERY_METHOD_LABELS, FULFILMENT_STATUS_LABELS, fulfilmentLabel } from "@/lib/delivery/methods";
import type { AddressView, ContactView, FulfilmentView } from "@/lib/orders/view-types";
import { useHydrated } from "./use-hydrated";

/** 已发货 / 待自提 / … with the details the shopper needs: carrier and tracking number, or the pickup code and place. */
export function FulfilmentBlock({ f }: { f: FulfilmentView }) {
  const label = f.method === "NONE" ? FULFILMENT_STATUS_LABELS.FULFILLED : fulfilmentLabel(f.method, f.status);
  const waitingForPickup = f.method === "PICKUP" && f.status !== "PICKED_UP";
  return (
    <div className="fulfilment" data-testid="fulfilment">
      <div className="kv">
        <span className="muted">{DELIVERY_METHOD_LABELS[f.method]}</span>
        <span className={`badge${["DELIVERED", "PICKED_UP", "FULFILLED"].includes(f.status) ? " ok" : ""}`} data-testid="fulfilment-status">
          {label}
        </span>
      </div>
      {f.method === "SHIPPING" && f.carrier && (
        <div className="kv">
          <span>
            {f.carrier}
            {f.trackingNo && <span className="mono"> {f.trackingNo}</span>}
          </span>
          {f.trackingNo && <CopyButton text={f.trackingNo} label="复制运单号" />}
        </div>
      )}
      {waitingForPickup && (
        <>
          {f.pickupCode && (
            <div className="kv">
              <span>取货码</span>
              <span className="pickup-code" data-testid="pickup-code">
                {f.pickupCode}
              </span>
            </div>
          )}
          {f.pickupAddress && <div className="muted">自提地址：{f.pickupAddress}</div>}
          {f.pickupHours && <div className="muted">营业时间：{f.pickupHours}</div>}
          {f.status === "UNFULFILLED" && <div className="muted">商家备好货后会在这里显示「待自提」，届时凭取货码到店领取。</div>}
        </>
      )}
    </div>
  );
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const hydrated = useHydrated();
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // No clipboard (insecure context, permission): the number stays visible to copy by hand.
    }
  }
  return (
    <button type="button" className="link-button" onClick={copy} disabled={!hydrated} aria-label={label}>
      {copied ? "已复制" : "复制"}
    </button>
  );
}

/** 收货信息: the buyer sees it in full; anyone else holding the link sees it masked (lib/orders/view-privacy.ts). */
export function ContactBlock({ contact, address, masked }: { contact: ContactView | null; address: AddressView | null; masked: boolean }) {
  if (!contact && !address) return null;
  return (
    <section className="card" aria-label="收货信息" data-testid="order-contact">
      <h2>收货信息</h2>
      {contact && (
        <div className="kv">
          <span>{contact.name}</span>
          <span className="mono">{contact.phone}</span>
        </div>
      )}
      {address && (
        <div data-testid="order-address">
          {[address.province, address.city, address.district, address.detail].filter(Boolean).join(" ")}
          {address.postalCode && <span className="muted"> {address.postalCode}</span>}
        </div>
      )}
      {masked && <div className="muted">为保护隐私，仅下单的浏览器可查看完整信息、运单号与取货码。</div>}
    </section>
  );
}
