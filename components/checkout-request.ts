import type { DeliveryMethod } from "@/lib/delivery/methods";

/** The body of POST /api/checkout (README "HTTP surface"). */
export type CheckoutRequest = {
  items: { sku: string; quantity: number }[];
  contact: { name: string; phone: string };
  delivery: {
    methods: Record<string, DeliveryMethod>;
    address?: { province: string; city: string; district: string; detail: string; postalCode?: string };
  };
};
