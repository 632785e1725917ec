"use client";

import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import type { ProductView } from "@/lib/catalog/types";
import { loadDivisions, type Divisions } from "@/lib/delivery/divisions";
import { shippingFeeFor, type DeliveryMethod } from "@/lib/delivery/methods";
import { formatFen } from "@/lib/money";
import {
  CART_STORAGE_KEY,
  EMPTY_DETAILS,
  forgetDetails,
  loadCart,
  loadDetails,
  saveCart,
  saveDetails,
  type CartQuantities,
} from "./cart-storage";
import { describeApiError } from "./api-errors";
import { openGuide } from "./guide-event";
import type { CheckoutRequest } from "./checkout-request";
import type { Details, Errors } from "./checkout-details";

// The delivery pickers and the contact/address form show only once something is in the cart, which is read from
// localStorage after hydration: the server's HTML never has them. So they are a chunk of their own, fetched right
// after the cart mounts (preloadDetailsForm) and kept out of the cart's first-load JS (README "Benchmarks").
let detailsForm: Promise<typeof import("./checkout-details")> | undefined;
const preloadDetailsForm = () => (detailsForm ??= import("./checkout-details"));
const StoreDeliveryPicker = lazy(() => preloadDetailsForm().then((m) => ({ default: m.StoreDeliveryPicker })));
const ContactAddressForm = lazy(() => preloadDetailsForm().then((m) => ({ default: m.ContactAddressForm })));

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

/**
 * One idempotency key per distinct request (cart, contact, methods, address): a double tap or a retry after
 * an error resumes the same order; a changed address is a new request (the server would refuse the old key).
 */
function checkoutKeyFor(body: CheckoutRequest): string {
  const sig = JSON.stringify(body);
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

/** The most the cart waits between two tries while queued, whatever the server says. */
const MAX_QUEUE_WAIT_SECONDS = 30;

/** What a resume link brought back from an in-app browser (lib/in-app/cart-drafts.ts). */
export type RestoredDetails = {
  contact?: { name: string; phone: string };
  delivery?: {
    methods: Record<string, DeliveryMethod>;
    address?: { province: string; city: string; district: string; detail: string; postalCode?: string };
  };
};

/** The contact and address rules of lib/delivery/contact.ts (zod), loaded on first use: not in the cart's first-load JS. */
async function checkDetails(details: Details, needsAddress: boolean): Promise<Errors> {
  const { AddressSchema, ContactSchema } = await import("@/lib/delivery/contact");
  const errors: Errors = {};
  const contact = ContactSchema.safeParse({ name: details.name, phone: details.phone });
  if (!contact.success) for (const i of contact.error.issues) errors[`contact.${String(i.path[0])}`] ??= i.message;
  if (needsAddress) {
    const address = AddressSchema.safeParse(addressOf(details));
    if (!address.success) for (const i of address.error.issues) errors[`delivery.address.${String(i.path[0])}`] ??= i.message;
  }
  return errors;
}

function addressOf(d: Details) {
  return {
    province: d.province,
    city: d.city,
    district: d.district,
    detail: d.detail,
    ...(d.postalCode ? { postalCode: d.postalCode } : {}),
  };
}

/** Units a shopper may still add: the published low count, or the count a 409 OUT_OF_STOCK just told us. */
function limitOf(p: ProductView, learned: Record<string, number>): number {
  return Math.min(99, learned[p.sku] ?? Infinity, p.stockLeft ?? Infinity);
}

/**
 * `restoredCart` (from a resume link, decided on the server) replaces the saved cart once: the
 * items of the draft, or {} when the link was used or expired.
 */
export function Cart({
  products,
  restoredCart,
  restoredDetails,
}: {
  products: ProductView[];
  restoredCart?: CartQuantities;
  restoredDetails?: RestoredDetails;
}) {
  const [cart, setCart] = useState<CartQuantities>({});
  // Who and where (README "Delivery and fulfilment"); errors keyed by the request's field paths.
  const [details, setDetails] = useState<Details>(EMPTY_DETAILS);
  const [remembered, setRemembered] = useState(false);
  const [chosen, setChosen] = useState<Record<string, DeliveryMethod>>({});
  const [errors, setErrors] = useState<Errors>({});
  const [divisions, setDivisions] = useState<Divisions | null>(null);
  const focusError = useRef(false);
  // What checkout's 409 OUT_OF_STOCK said is left, newer than the server-rendered page.
  const [learned, setLearned] = useState<Record<string, number>>({});
  const [loaded, setLoaded] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef(false);
  // Seconds until the next try while the shop's prepay budget is spent (429 RATE_LIMITED, reason PREPAY_BUDGET);
  // 0 while that try is under way; null when not queued.
  const [queuedSeconds, setQueuedSeconds] = useState<number | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  const groups = useMemo(() => groupByStore(products), [products]);
  const priceOf = useMemo(() => new Map(products.map((p) => [p.sku, p.priceFen])), [products]);

  useEffect(() => {
    void preloadDetailsForm();
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
    // The form: what the resume link carried, else what this browser used last time.
    const fromDraft = restoredDetails?.contact || restoredDetails?.delivery;
    const last = fromDraft ? null : loadDetails();
    if (fromDraft) {
      const a = restoredDetails.delivery?.address;
      setDetails({ ...EMPTY_DETAILS, ...restoredDetails.contact, ...(a ? { ...a, postalCode: a.postalCode ?? "" } : {}) });
      setChosen(restoredDetails.delivery?.methods ?? {});
    } else if (last) {
      setDetails(last);
      setRemembered(true);
    }
    if (restoredCart) {
      saveCart(kept);
      // The token is spent: a reload must not show the resume message again.
      window.history.replaceState(null, "", "/");
    }
    setLoaded(true);
    const sync = (e: StorageEvent) => e.key === CART_STORAGE_KEY && setCart(loadCart());
    window.addEventListener("storage", sync);
    return () => window.removeEventListener("storage", sync);
  }, [priceOf, products, restoredCart, restoredDetails]);

  useEffect(() => {
    // Back from WeChat's OAuth page (lib/in-app/wechat-oauth.ts): the form as it was sent, and — after a successful
    // authorization — the same request again with the same key. After a failure (?wxpay=retry) the next tap decides.
    if (!loaded) return;
    const step = new URLSearchParams(window.location.search).get("wxpay");
    if (!step) return;
    window.history.replaceState(null, "", "/");
    // The pending request's helpers are a chunk of their own: only WeChat's OAuth round trip needs them.
    void import("./wechat-pay-pending").then(({ loadPending, detailsOf }) => {
      const pending = loadPending();
      if (!pending) return;
      setDetails(detailsOf(pending.body));
      setChosen(pending.body.delivery.methods);
      if (step !== "continue" || inFlight.current) return;
      inFlight.current = true;
      setSubmitting(true);
      let leaving = false;
      send(pending.body, pending.key, detailsOf(pending.body))
        .then((l) => (leaving = l))
        .catch(() => setError("网络连接失败，请检查网络后重试"))
        .finally(() => {
          setQueuedSeconds(null);
          if (!leaving) {
            inFlight.current = false;
            setSubmitting(false);
          }
        });
    });
    // Once per page load: send is this render's, and the pending request does not change.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);

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
  // Stores with something in the cart: each needs a method (preselected when it offers only one).
  const buying = groups.filter((g) => subtotal(g) > 0);
  const methodOf = (g: Group): DeliveryMethod | undefined =>
    chosen[g.store.id] && g.store.deliveryMethods.includes(chosen[g.store.id]!)
      ? chosen[g.store.id]
      : g.store.deliveryMethods.length === 1
        ? g.store.deliveryMethods[0]
        : undefined;
  const feeOf = (g: Group) => {
    const m = methodOf(g);
    return m ? shippingFeeFor(m, g.store, subtotal(g)) : 0;
  };
  const shippingFen = buying.reduce((s, g) => s + feeOf(g), 0);
  const totalFen = groups.reduce((s, g) => s + subtotal(g), 0) + shippingFen;
  const itemCount = Object.values(cart).reduce((s, q) => s + q, 0);
  const needsAddress = buying.some((g) => methodOf(g) === "SHIPPING");

  useEffect(() => {
    // The 省/市/区县 dataset is its own chunk, fetched once a store ships.
    if (needsAddress && !divisions) void loadDivisions().then(setDivisions);
  }, [needsAddress, divisions]);

  useEffect(() => {
    // After a check found errors: the first one (in page order) takes focus, so a screen reader reads it.
    if (!focusError.current) return;
    focusError.current = false;
    document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const editDetails = (patch: Partial<Details>) => {
    setDetails((d) => ({ ...d, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch)) {
        delete next[`contact.${k}`];
        delete next[`delivery.address.${k}`];
      }
      if ("province" in patch || "city" in patch) delete next["delivery.address"];
      return next;
    });
  };
  const choose = (storeId: string, m: DeliveryMethod) => {
    setChosen((c) => ({ ...c, [storeId]: m }));
    setErrors((e) => {
      const next = { ...e };
      delete next[`delivery.methods.${storeId}`];
      return next;
    });
  };
  const forget = () => {
    forgetDetails();
    setDetails(EMPTY_DETAILS);
    setRemembered(false);
  };

  async function pay() {
    if (inFlight.current || itemCount === 0) return;
    inFlight.current = true;
    setSubmitting(true);
    setError(null);
    let leaving = false;
    try {
      // Checked here first: a bad field is shown beside it and no request leaves.
      const found = await checkDetails(details, needsAddress);
      for (const g of buying) if (!methodOf(g)) found[`delivery.methods.${g.store.id}`] = "请选择配送方式";
      if (Object.keys(found).length) {
        focusError.current = true;
        setErrors(found);
        setError("请完善标红的信息后再支付");
        return;
      }
      setErrors({});
      const body: CheckoutRequest = {
        items: Object.entries(cart).map(([sku, quantity]) => ({ sku, quantity })),
        contact: { name: details.name.trim(), phone: details.phone.trim() },
        delivery: {
          methods: Object.fromEntries(buying.map((g) => [g.store.id, methodOf(g)!])),
          ...(needsAddress ? { address: addressOf(details) } : {}),
        },
      };
      // One key for every try of this request: while queued the server holds the order under it, and the
      // retry resumes that order (one order, one prepay) instead of making another.
      leaving = await send(body, checkoutKeyFor(body), details);
    } catch {
      setError("网络连接失败，请检查网络后重试");
    } finally {
      setQueuedSeconds(null);
      if (!leaving) {
        inFlight.current = false;
        setSubmitting(false);
      }
    }
  }

  /** Sends the checkout (again, with the same key, while queued); true when the page is leaving for the payment. */
  async function send(body: CheckoutRequest, key: string, remember: Details): Promise<boolean> {
    {
      let res: Response;
      let data: {
        payUrl?: string;
        orderNo?: string;
        payParams?: import("./wechat-bridge").BridgePayParams;
        authorizeUrl?: string;
        restart?: boolean;
        code?: string;
        message?: string;
        field?: string;
        storeId?: string;
        items?: StockShortage[];
        reason?: string;
        retryAfterSeconds?: number;
      } | null;
      for (;;) {
        res = await fetch("/api/checkout", {
          method: "POST",
          headers: { "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify(body),
        });
        data = (await res.json().catch(() => null)) as typeof data;
        // The shop-wide prepay budget is spent (a flash sale): 排队中, count down, try again by itself. Taps
        // meanwhile do nothing (inFlight). The per-client limits (no reason) are shown as errors instead.
        if (!(res.status === 429 && data?.code === "RATE_LIMITED" && data.reason === "PREPAY_BUDGET") || !alive.current) break;
        const wait = Math.min(MAX_QUEUE_WAIT_SECONDS, Math.max(1, Math.ceil(Number(data.retryAfterSeconds) || 1)));
        for (let left = wait; left > 0 && alive.current; left--) {
          setQueuedSeconds(left);
          await new Promise((r) => setTimeout(r, 1000));
        }
        if (!alive.current) return false;
        setQueuedSeconds(0);
      }
      setQueuedSeconds(null);
      if (res.status === 201 && (data?.payUrl || data?.payParams)) {
        saveCart({});
        saveDetails(remember);
        sessionStorage.removeItem("checkout-key");
        sessionStorage.removeItem("wxpay-pending");
        if (data.payParams && data.orderNo) {
          // Inside WeChat: WeChat's own cashier through WeixinJSBridge. Its code is a chunk of its own, fetched only here.
          const { payInWechat } = await import("./wechat-bridge");
          payInWechat(data.orderNo, data.payParams);
          return true;
        }
        // A real navigation, so WeChat's cashier receives our page as Referer. The button stays
        // disabled while the page leaves.
        window.location.assign(data.payUrl!);
        return true;
      }
      if (res.status === 409 && data?.code === "WECHAT_AUTH_REQUIRED" && data.authorizeUrl) {
        // Who pays is asked of WeChat now, on this tap: a full-page round trip through its OAuth page.
        const { leaveForWechatAuth } = await import("./wechat-pay-pending");
        if (leaveForWechatAuth(body, key, data.authorizeUrl, data.restart === true)) return true;
        setError(`${data.message ?? "微信身份确认失败"}。请稍后再试，或在手机浏览器中打开本店`);
        return false;
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
      } else if (res.status === 400 && (data?.field || data?.storeId)) {
        // The server's rules are the cart's, but the catalogue may have changed since the page loaded:
        // put its answer beside the field it names.
        const field = data.field ?? `delivery.methods.${data.storeId}`;
        focusError.current = true;
        setErrors({ [field]: data.message ?? "请检查后重试" });
        setError(describeApiError(res.status, data));
      } else {
        // Inside WeChat or another app: no order was created; the guide explains how to continue.
        if (res.status === 409 && data?.code === "OPEN_IN_BROWSER") openGuide();
        setError(describeApiError(res.status, data));
      }
      return false;
    }
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
          {subtotal(g) > 0 && (
            <Suspense fallback={null}>
              <StoreDeliveryPicker
                store={g.store}
                method={methodOf(g)}
                goodsFen={subtotal(g)}
                errors={errors}
                disabled={!loaded || submitting}
                onChange={(m) => choose(g.store.id, m)}
              />
            </Suspense>
          )}
        </section>
      ))}
      {itemCount > 0 && (
        <Suspense fallback={null}>
          <ContactAddressForm
            value={details}
            needsAddress={needsAddress}
            divisions={divisions}
            errors={errors}
            disabled={!loaded || submitting}
            remembered={remembered}
            onChange={editDetails}
            onForget={forget}
          />
        </Suspense>
      )}
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}
      {queuedSeconds !== null && (
        <div className="notice" role="status" data-testid="checkout-queue">
          排队中：当前下单人数较多，
          {queuedSeconds > 0 ? `${queuedSeconds} 秒后自动重试` : "正在重试"}
          ，请勿关闭页面
        </div>
      )}
      <div className="bar">
        <div className="bar-inner">
          <div>
            <div className="muted">
              合计（{itemCount} 件{shippingFen > 0 && <span data-testid="cart-shipping">，含运费 {formatFen(shippingFen)}</span>}）
            </div>
            <div className="total" data-testid="cart-total">
              {formatFen(totalFen)}
            </div>
          </div>
          <button type="button" className="primary" onClick={pay} disabled={!loaded || itemCount === 0 || submitting}>
            {queuedSeconds !== null ? `排队中${queuedSeconds > 0 ? ` ${queuedSeconds}s` : "…"}` : submitting ? "正在创建订单…" : "去支付"}
          </button>
        </div>
      </div>
    </>
  );
}
