"use client";
import { useHydrated } from "@/components/use-hydrated";

/** 打印: the browser's print dialog (the page's print stylesheet leaves only the slip). */
export function PrintButton() {
  const hydrated = useHydrated();
  return (
    <button type="button" className="btn no-print" disabled={!hydrated} onClick={() => window.print()}>
      打印发货单
    </button>
  );
}
