export type CombineState = "paid" | "closed" | "pending";

const PAID_STATES = new Set(["SUCCESS", "REFUND"]);

/**
 * §5.2: there is no top-level state and sub-orders succeed or fail together.
 * paid ⇔ every sub-order SUCCESS/REFUND (REFUND means it had been paid); closed ⇔ any CLOSED; anything else,
 * including unknown values and an empty/missing list, is still pending (never guess "paid").
 */
export function deriveCombineState(subOrders: readonly { trade_state: string }[] | undefined | null): CombineState {
  if (!subOrders || subOrders.length === 0) return "pending";
  if (subOrders.some((s) => s.trade_state === "CLOSED")) return "closed";
  if (subOrders.every((s) => PAID_STATES.has(s.trade_state))) return "paid";
  return "pending";
}
