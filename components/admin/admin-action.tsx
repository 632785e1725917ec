"use client";

// One back-office action's state, the same for every form of the admin: busy while it runs, then its outcome
// as a message (a status or an alert), and the page's server data refreshed after a success.
import { useRouter } from "next/navigation";
import { useState } from "react";

export type ActionOutcome = { ok: boolean; text: string };

/** `run(fn)`: fn does the request and answers the success text; a throw becomes the alert. */
export function useAdminAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<ActionOutcome | null>(null);
  async function run(fn: () => Promise<string>) {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await fn() });
      router.refresh();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  }
  return { busy, message, run };
}

/** An action's outcome: role="status" when it worked, role="alert" when it did not. `wrap`: long text (links) may break anywhere. */
export function ActionMessage({ message, wrap = false }: { message: ActionOutcome | null; wrap?: boolean }) {
  if (!message) return null;
  return (
    <p className={`${message.ok ? "okbox" : "alert"}${wrap && message.ok ? " wrap" : ""}`} role={message.ok ? "status" : "alert"}>
      {message.text}
    </p>
  );
}
