import { describe, expect, it } from "vitest";
import { formatDeliveryMethods, parseDeliveryMethods, shippingFeeFor, TrackingNoSchema } from "@/lib/delivery/model";
import { AddressSchema, ContactSchema, maskName, maskPhone } from "@/lib/delivery/contact";

describe("delivery methods", () => {
  it("parses the stored list in canonical order, dropping unknown and repeated entries", () => {
    expect(parseDeliveryMethods("PICKUP,SHIPPING,BOAT,PICKUP")).toEqual(["SHIPPING", "PICKUP"]);
    expect(parseDeliveryMethods("")).toEqual([]);
    expect(formatDeliveryMethods(["NONE", "SHIPPING"])).toBe("SHIPPING,NONE");
  });

  it("charges the store's fee for shipping until the goods subtotal reaches the free-shipping threshold", () => {
    const store = { shippingFeeFen: 600, freeShippingOverFen: 4900 };
    expect(shippingFeeFor("SHIPPING", store, 4899)).toBe(600);
    expect(shippingFeeFor("SHIPPING", store, 4900)).toBe(0);
    expect(shippingFeeFor("PICKUP", store, 100)).toBe(0);
    expect(shippingFeeFor("NONE", store, 100)).toBe(0);
    expect(shippingFeeFor("SHIPPING", { shippingFeeFen: 800, freeShippingOverFen: null }, 1_000_000)).toBe(800);
  });

  it("accepts tracking numbers of 6–40 letters, digits and dashes only", () => {
    expect(TrackingNoSchema.safeParse("SF1234567890").success).toBe(true);
    expect(TrackingNoSchema.safeParse("12345").success).toBe(false);
    expect(TrackingNoSchema.safeParse("SF 123456").success).toBe(false);
    expect(TrackingNoSchema.safeParse("A".repeat(41)).success).toBe(false);
  });
});

describe("contact and address", () => {
  it("takes a 1–20 character name and a mainland mobile number", () => {
    expect(ContactSchema.safeParse({ name: "张三", phone: "13812341234" }).success).toBe(true);
    expect(ContactSchema.safeParse({ name: " ", phone: "13812341234" }).success).toBe(false);
    expect(ContactSchema.safeParse({ name: "张".repeat(21), phone: "13812341234" }).success).toBe(false);
    expect(ContactSchema.safeParse({ name: "张三", phone: "12812341234" }).success).toBe(false);
    expect(ContactSchema.safeParse({ name: "张三", phone: "1381234123" }).success).toBe(false);
  });

  it("takes an optional 6-digit postal code", () => {
    const a = { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路 1 号" };
    expect(AddressSchema.safeParse(a).success).toBe(true);
    expect(AddressSchema.safeParse({ ...a, postalCode: "310000" }).success).toBe(true);
    expect(AddressSchema.safeParse({ ...a, postalCode: "31000" }).success).toBe(false);
    expect(AddressSchema.safeParse({ ...a, detail: "" }).success).toBe(false);
  });

  it("masks the phone and the name for anyone but the buyer", () => {
    expect(maskPhone("13812341234")).toBe("138****1234");
    expect(maskName("张三")).toBe("张*");
    expect(maskName("欧阳娜娜")).toBe("欧***");
    expect(maskName("李")).toBe("李*");
  });
});
