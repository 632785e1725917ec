"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import type { ProductView } from "@/lib/catalog/types";
import { formatFen } from "@/lib/money";
import { CART_STORAGE_KEY, loadCart, saveCart, type CartQuantities } from "./cart-storage";
import { describeApiError } from "./api-errors";
import { openGuide } from "./guide-event";

type Group = { store: ProductView["store"]; products: ProductView[] };

function groupByStore(products: ProductView[]): Group[] {
  const groups = new Map<string, Group>();
  for (const p of products) {
    const g = groups.get(p.store.id) ?? { store: p.store, products: [] };
    g.products.push(p);
    groups.set(p.store.id, g);
  }
  return [...groups.values()];
}

/** One idempotency key per distinct cart: a double tap or a retry after an error resumes the same order. */
function checkoutKeyFor(cart: CartQuantities): string {
  const sig = JSON.stringify(Object.entries(cart).sort());
  const stored = sessionStorage.getItem("checkout-key");
  if (stored) {
    const { sig: s, key } = JSON.parse(stored) as { sig: string; key: string };
    if (s === sig) return key;
  }
  const key = crypto.randomUUID();
  sessionStorage.setItem("checkout-key", JSON.stringify({ sig, key }));
  return key;
}

type StockShortage = { sku: string; available: number };

/** Units a shopper may still add: the published low count, or the count a 409 OUT_OF_STOCK just told us. */
function limitOf(p: ProductView, learned: Record<string, number>): number {
  return Math.min(99, learned[p.sku] ?? Infinity, p.stockLeft ?? Infinity);
}

/**
 * `restoredCart` (from a resume link, decided on the server) replaces the saved cart once: the
 * items of the draft, or {} when the link was used or expired.
 */
export function Cart({ products, restoredCart }: { products: ProductView[]; restoredCart?: CartQuantities }) {
  const [cart, setCart] = useState<CartQuantities>({});
  // What checkout's 409 OUT_OF_STOCK said is left, newer than the server-rendered page.
  const [learned, setLearned] = useState<Record<string, number>>({});
  const [loaded, setLoaded] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  const groups = useMemo(() => groupByStore(products), [products]);
  const priceOf = useMemo(() => new Map(products.map((p) => [p.sku, p.priceFen])), [products]);

  useEffect(() => {
    // Drop items that left the catalogue since the cart was saved, and cap what is running out.
    // (Only quantities are stored: prices always come from this render of the catalogue.)
    const saved = restoredCart ?? loadCart();
    const bySku = new Map(products.map((p) => [p.sku, p]));
    const kept: CartQuantities = {};
    for (const [sku, q] of Object.entries(saved)) {
      const p = bySku.get(sku);
      const n = p ? Math.min(q, limitOf(p, {})) : 0;
      if (n > 0) kept[sku] = n;
    }
    // localStorage exists only in the browser: reading it during render would make the first client
    // render differ from the server's HTML, so the saved cart is loaded once, after hydration.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setCart(kept);
    if (restoredCart) {
      saveCart(kept);
      // The token is spent: a reload must not show the resume message again.
      window.history.replaceState(null, "", "/");
    }
    setLoaded(true);
    const sync = (e: StorageEvent) => e.key === CART_STORAGE_KEY && setCart(loadCart());
    window.addEventListener("storage", sync);
    return () => window.removeEventListener("storage", sync);
  }, [priceOf, products, restoredCart]);

  const limits = useMemo(() => new Map(products.map((p) => [p.sku, limitOf(p, learned)])), [products, learned]);

  const update = (sku: string, delta: number) => {
    setError(null);
    setCart((c) => {
      const q = Math.max(0, Math.min(limits.get(sku) ?? 99, (c[sku] ?? 0) + delta));
      const next = { ...c };
      if (q === 0) delete next[sku];
      else next[sku] = q;
      saveCart(next);
      return next;
    });
  };

  const subtotal = (g: Group) => g.products.reduce((s, p) => s + p.priceFen * (cart[p.sku] ?? 0), 0);
  const totalFen = groups.reduce((s, g) => s + subtotal(g), 0);
  const itemCount = Object.values(cart).reduce((s, q) => s + q, 0);

  async function pay() {
    if (inFlight.current || itemCount === 0) return;
    inFlight.current = true;
    setSubmitting(true);
    setError(null);
    try {
      const res = await fetch("/api/checkout", {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": checkoutKeyFor(cart) },
        body: JSON.stringify({ items: Object.entries(cart).map(([sku, quantity]) => ({ sku, quantity })) }),
      });
      const data = (await res.json().catch(() => null)) as {
        payUrl?: string;
        code?: string;
        message?: string;
        items?: StockShortage[];
      } | null;
      if (res.status === 201 && data?.payUrl) {
        saveCart({});
        sessionStorage.removeItem("checkout-key");
        // A real navigation, so WeChat's cashier receives our page as Referer.
        window.location.assign(data.payUrl);
        return;
      }
      if (res.status === 409 && data?.code === "OUT_OF_STOCK" && Array.isArray(data.items)) {
        // Adjust the cart, never empty it: reduce to what is left; sold-out items stay listed as 已售罄.
        const left = Object.fromEntries(data.items.map((i) => [i.sku, i.available]));
        setLearned((l) => ({ ...l, ...left }));
        setCart((c) => {
          const next = { ...c };
          for (const [sku, available] of Object.entries(left)) {
            if (available > 0) next[sku] = Math.min(next[sku] ?? 0, available);
            else delete next[sku];
          }
          saveCart(next);
          return next;
        });
        const nameOf = new Map(products.map((p) => [p.sku, p.name]));
        const what = data.items.map((i) => `${nameOf.get(i.sku) ?? i.sku} ${i.available ? `仅剩 ${i.available} 件` : "已售罄"}`).join("、");
        setError(`库存不足：${what}。已按剩余库存调整购物车，请确认后重新支付。`);
      } else {
        // Inside WeChat or another app: no order was created; the guide explains how to continue.
        if (res.status === 409 && data?.code === "OPEN_IN_BROWSER") openGuide();
        setError(describeApiError(res.status, data));
      }
    } catch {
      setError("网络连接失败，请检查网络后重试");
    }
    inFlight.current = false;
    setSubmitting(false);
  }

  return (
    <>
      {groups.map((g) => (
        <section className="card" key={g.store.id} aria-label={g.store.name}>
          <div className="store-head">
            <h2>
              {g.store.logoUrl && <img className="store-logo" src={g.store.logoUrl} alt="" width={24} height={24} />}
              {g.store.name}
            </h2>
            <span className="muted">
              本店小计{" "}
              <span className="price" data-testid={`subtotal-${g.store.id}`}>
                {formatFen(subtotal(g))}
              </span>
            </span>
          </div>
          {g.products.map((p) => {
            const q = cart[p.sku] ?? 0;
            const limit = limits.get(p.sku) ?? 99;
            const left = learned[p.sku] ?? p.stockLeft;
            return (
              <div className={limit === 0 ? "product sold-out" : "product"} key={p.sku} data-sku={p.sku}>
                {p.imageUrl ? <img className="product-image" src={p.imageUrl} alt="" width={48} height={48} loading="lazy" /> : null}
                <div className="product-name">
                  <div>{p.name}</div>
                  <div className="price muted">
                    {formatFen(p.priceFen)}
                    {left === 0 ? (
                      <span className="stock-tag out">已售罄</span>
                    ) : left !== null && left !== undefined && left <= 5 ? (
                      <span className="stock-tag low">仅剩 {left} 件</span>
                    ) : null}
                  </div>
                </div>
                <div className="stepper">
                  <button type="button" aria-label={`减少 ${p.name}`} onClick={() => update(p.sku, -1)} disabled={!loaded || q === 0}>
                    −
                  </button>
                  <output aria-label={`${p.name} 数量`}>{q}</output>
                  <button type="button" aria-label={`增加 ${p.name}`} onClick={() => update(p.sku, 1)} disabled={!loaded || q >= limit}>
                    +
                  </button>
                </div>
              </div>
            );
          })}
        </section>
      ))}
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}
      <div className="bar">
        <div className="bar-inner">
          <div>
            <div className="muted">合计（{itemCount} 件）</div>
            <div className="total" data-testid="cart-total">
              {formatFen(totalFen)}
            </div>
          </div>
          <button type="button" className="primary" onClick={pay} disabled={!loaded || itemCount === 0 || submitting}>
            {submitting ? "正在创建订单…" : "去支付"}
          </button>
        </div>
      </div>
    </>
  );
}
