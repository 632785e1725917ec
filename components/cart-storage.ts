// The cart lives in localStorage so it survives reloads; quantities only, never prices.
export type CartQuantities = Record<string, number>;
export const CART_STORAGE_KEY = "cart.v1";

export function loadCart(): CartQuantities {
  try {
    const raw = JSON.parse(localStorage.getItem(CART_STORAGE_KEY) ?? "{}") as unknown;
    if (!raw || typeof raw !== "object") return {};
    return Object.fromEntries(
      Object.entries(raw as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === "number" && Number.isInteger(e[1]) && e[1] > 0 && e[1] <= 99,
      ),
    );
  } catch {
    return {};
  }
}

export function saveCart(cart: CartQuantities): void {
  localStorage.setItem(CART_STORAGE_KEY, JSON.stringify(cart));
}
