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

/**
 * The last contact and address this browser checked out with, offered (filled in) next time. Personal
 * data: kept only in this browser's localStorage, written after a successful checkout, removed by 清除.
 */
export type SavedDetails = {
  name: string;
  phone: string;
  province: string;
  city: string;
  district: string;
  detail: string;
  postalCode: string;
};
export const EMPTY_DETAILS: SavedDetails = { name: "", phone: "", province: "", city: "", district: "", detail: "", postalCode: "" };
export const DETAILS_STORAGE_KEY = "checkout-details.v1";
const DETAIL_KEYS = ["name", "phone", "province", "city", "district", "detail", "postalCode"] as const;

export function loadDetails(): SavedDetails | null {
  try {
    const raw = JSON.parse(localStorage.getItem(DETAILS_STORAGE_KEY) ?? "null") as unknown;
    if (!raw || typeof raw !== "object") return null;
    const r = raw as Record<string, unknown>;
    // Anything odd is dropped rather than trusted: the checkout checks the rest again anyway.
    return Object.fromEntries(DETAIL_KEYS.map((k) => [k, typeof r[k] === "string" ? (r[k] as string).slice(0, 200) : ""])) as SavedDetails;
  } catch {
    return null;
  }
}

export function saveDetails(details: SavedDetails): void {
  localStorage.setItem(DETAILS_STORAGE_KEY, JSON.stringify(Object.fromEntries(DETAIL_KEYS.map((k) => [k, details[k]]))));
}

export function forgetDetails(): void {
  localStorage.removeItem(DETAILS_STORAGE_KEY);
}
