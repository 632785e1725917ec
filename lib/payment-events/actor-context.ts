// Who is acting, for the audit rows written deep inside the payment and refund paths (a close, a query,
// a refund sent or re-sent from the back office). The back-office gate (lib/admin/guard.ts) runs each
// admin request inside runAsActor(); notifications and jobs run outside it, so their rows carry no
// person. Authorisation never reads this: store access is the AdminActor passed explicitly.
import { AsyncLocalStorage } from "node:async_hooks";

const store = new AsyncLocalStorage<string>();

/** Runs fn with `actor` ("account:<id>:<username>" or "break-glass:<session>") as the person behind its audit rows. */
export function runAsActor<T>(actor: string, fn: () => Promise<T>): Promise<T> {
  return store.run(actor, fn);
}

/** The person behind the current request, or null (WeChat, the job runner, a CLI). */
export function currentActor(): string | null {
  return store.getStore() ?? null;
}
