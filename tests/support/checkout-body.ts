// One valid POST /api/checkout body for tests, benches and e2e specs: the items, a contact, a method for
// every seeded store (the server ignores methods of stores not in the cart) and an address from the
// bundled division dataset. Override any part; a test that creates its own store names its method.
import type { DeliveryMethod } from "@/lib/delivery/model";

export type CheckoutItem = { sku: string; quantity: number };
export type TestAddress = { province: string; city: string; district: string; detail: string; postalCode?: string };

export const TEST_CONTACT = { name: "张三", phone: "13812341234" };
export const TEST_ADDRESS: TestAddress = {
  province: "浙江省",
  city: "杭州市",
  district: "西湖区",
  detail: "文三路 90 号 1 幢 101 室",
  postalCode: "310012",
};

/** prisma/catalogue.json: 茶语轩 ships or offers pickup, 香香烘焙 pickup only, 木木文具 ships, 城南咖啡 nothing to deliver. */
export const SEEDED_METHODS: Record<string, DeliveryMethod> = {
  chayu: "SHIPPING",
  xiangxiang: "PICKUP",
  mumu: "SHIPPING",
  chengnan: "NONE",
};

export function checkoutBody(
  items: readonly CheckoutItem[] | { items: readonly CheckoutItem[] },
  overrides: { contact?: { name: string; phone: string }; methods?: Record<string, DeliveryMethod>; address?: TestAddress | null } = {},
) {
  const address = overrides.address === undefined ? TEST_ADDRESS : overrides.address;
  return {
    items: "items" in items ? [...items.items] : [...items],
    contact: overrides.contact ?? TEST_CONTACT,
    delivery: { methods: { ...SEEDED_METHODS, ...overrides.methods }, ...(address ? { address } : {}) },
  };
}
