// What of an order's personal data each viewer sees (README "Delivery and fulfilment" → "The shopper's
// view"). Full contact, address, pickup code and tracking number only for the buyer's own browser; anyone
// else with the order number sees a masked contact, the address cut to province and city, the delivery
// state without the pickup code or tracking number. Pure: the one place these rules live.
import { maskName, maskPhone } from "@/lib/delivery/contact";
import type { DeliveryMethod, FulfilmentStatus } from "@/lib/delivery/model";
import type { AddressView, ContactView, FulfilmentView, OrderViewer } from "./view-types";

export interface StoredContact {
  contactName: string | null;
  contactPhone: string | null;
  addressProvince: string | null;
  addressCity: string | null;
  addressDistrict: string | null;
  addressDetail: string | null;
  addressPostalCode: string | null;
}

export function contactFor(viewer: OrderViewer, o: StoredContact): ContactView | null {
  if (o.contactName === null || o.contactPhone === null) return null;
  return viewer === "buyer"
    ? { name: o.contactName, phone: o.contactPhone }
    : { name: maskName(o.contactName), phone: maskPhone(o.contactPhone) };
}

export function addressFor(viewer: OrderViewer, o: StoredContact): AddressView | null {
  if (o.addressProvince === null || o.addressCity === null) return null;
  if (viewer !== "buyer") return { province: o.addressProvince, city: o.addressCity };
  return {
    province: o.addressProvince,
    city: o.addressCity,
    ...(o.addressDistrict !== null ? { district: o.addressDistrict } : {}),
    ...(o.addressDetail !== null ? { detail: o.addressDetail } : {}),
    ...(o.addressPostalCode !== null ? { postalCode: o.addressPostalCode } : {}),
  };
}

export interface StoredFulfilment {
  deliveryMethod: string;
  fulfilmentStatus: string;
  carrier: string | null;
  trackingNo: string | null;
  shippedAt: Date | null;
  pickupCode: string | null;
  pickupAddress: string | null;
  pickupHours: string | null;
}

/** Null until the sub-order is paid: before that nothing is being delivered. */
export function fulfilmentFor(viewer: OrderViewer, paid: boolean, s: StoredFulfilment): FulfilmentView | null {
  if (!paid) return null;
  const buyer = viewer === "buyer";
  return {
    method: s.deliveryMethod as DeliveryMethod,
    status: s.fulfilmentStatus as FulfilmentStatus,
    ...(s.carrier !== null ? { carrier: s.carrier } : {}),
    ...(buyer && s.trackingNo !== null ? { trackingNo: s.trackingNo } : {}),
    ...(s.shippedAt !== null ? { shippedAt: s.shippedAt.toISOString() } : {}),
    ...(buyer && s.pickupCode !== null ? { pickupCode: s.pickupCode } : {}),
    ...(s.pickupAddress !== null ? { pickupAddress: s.pickupAddress } : {}),
    ...(s.pickupHours !== null ? { pickupHours: s.pickupHours } : {}),
  };
}
