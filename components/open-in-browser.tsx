"use client";

// The "open in browser" guide (docs/wechatpay.md §15.2), shown over the page — which stays visible
// under it — whenever the server saw an in-app browser. The words come from the server as children;
// this component only adds what needs the client: copying the link, the focus trap, close/reopen.
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { loadCart } from "./cart-storage";
import { OPEN_GUIDE_EVENT } from "./guide-event";
import { useHydrated } from "@/components/use-hydrated";

/** With a cart, the link is a resume URL (a server-side draft of the cart); otherwise pageUrl. */
async function linkToShare(pageUrl: string, cartLink: boolean): Promise<{ url: string; note?: string }> {
  const items = cartLink ? Object.entries(loadCart()).map(([sku, quantity]) => ({ sku, quantity })) : [];
  if (items.length === 0) return { url: pageUrl };
  try {
    const res = await fetch("/api/checkout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ items }),
    });
    const data = (await res.json().catch(() => null)) as { resumeUrl?: string; message?: string } | null;
    if (data?.resumeUrl) return { url: data.resumeUrl };
    return { url: pageUrl, note: `${data?.message ?? "暂时无法保存购物车"}（已复制本店链接）` };
  } catch {
    return { url: pageUrl, note: "网络连接失败，已复制本店链接" };
  }
}

export function OpenInBrowserGuide({
  children,
  pageUrl,
  cartLink,
  banner,
  standby = false,
}: {
  children: ReactNode;
  pageUrl: string;
  cartLink: boolean;
  banner: string;
  /** Hidden (banner included) until something calls openGuide(): inside WeChat when the cart may pay with JSAPI. */
  standby?: boolean;
}) {
  const hydrated = useHydrated();
  const [open, setOpen] = useState(!standby);
  const [shown, setShown] = useState(!standby);
  const [note, setNote] = useState("");
  const [manual, setManual] = useState<string | null>(null);
  const dialog = useRef<HTMLDivElement>(null);
  const reopen = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    const show = () => {
      setShown(true);
      setOpen(true);
    };
    window.addEventListener(OPEN_GUIDE_EVENT, show);
    return () => window.removeEventListener(OPEN_GUIDE_EVENT, show);
  }, []);

  useEffect(() => {
    if (!hydrated) return; // its buttons are still disabled, and a disabled button cannot take focus
    if (!open) {
      // Closing hands focus back to the banner's button, which reopens the guide.
      if (wasOpen.current) reopen.current?.focus();
      wasOpen.current = false;
      return;
    }
    wasOpen.current = true;
    const d = dialog.current!;
    const first = () => d.querySelector("button")?.focus();
    first();
    // Focus trap: whatever moves focus outside the modal (a click behind it, a screen reader) brings it back.
    const keep = (e: FocusEvent) => !d.contains(e.target as Node) && first();
    document.addEventListener("focusin", keep);
    return () => document.removeEventListener("focusin", keep);
  }, [open, hydrated]);

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === "Escape") return setOpen(false);
    if (e.key !== "Tab") return;
    const items = [...dialog.current!.querySelectorAll<HTMLElement>("button, input")];
    const edge = e.shiftKey ? items[0] : items[items.length - 1];
    if (document.activeElement === edge) {
      e.preventDefault();
      (e.shiftKey ? items[items.length - 1] : items[0])!.focus();
    }
  }

  async function copy() {
    setNote("正在生成链接…");
    const { url, note: problem } = await linkToShare(pageUrl, cartLink);
    try {
      await navigator.clipboard.writeText(url);
      setManual(null);
      setNote(problem ?? "链接已复制。请打开手机浏览器，粘贴到地址栏后前往。");
    } catch {
      // Some webviews refuse the clipboard API: show the link to copy by hand.
      setManual(url);
      setNote("无法自动复制，请长按下方链接手动复制");
    }
  }

  if (!shown) return null;
  return (
    <>
      <div className="inapp-banner">
        <span>{banner}</span>
        <button disabled={!hydrated} type="button" className="secondary" ref={reopen} onClick={() => setOpen(true)}>
          查看打开方法
        </button>
      </div>
      {open && (
        <div className="inapp-backdrop">
          <svg className="inapp-arrow" viewBox="0 0 64 64" aria-hidden="true">
            <path d="M8 58C30 52 44 38 50 12" />
            <path d="M38 18 50 8 58 22" />
          </svg>
          <div
            className="inapp-dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="inapp-title"
            aria-describedby="inapp-lead"
            ref={dialog}
            onKeyDown={onKeyDown}
          >
            {children}
            <button disabled={!hydrated} type="button" className="primary" onClick={copy}>
              复制链接
            </button>
            {manual && (
              <input className="inapp-link" readOnly value={manual} aria-label="本页链接" onFocus={(e) => e.currentTarget.select()} />
            )}
            <p className="muted" role="status">
              {note}
            </p>
            <button disabled={!hydrated} type="button" className="secondary" onClick={() => setOpen(false)}>
              关闭
            </button>
          </div>
        </div>
      )}
    </>
  );
}
