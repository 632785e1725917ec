// Who gets the order, and where: the checkout's contact and address rules (server and cart share them, so
// the cart's inline errors and the API's 400s say the same thing) and the masks used for anyone who is not
// the buyer. Client-safe.
import { z } from "zod";

/** Mainland China mobile numbers. */
export const PHONE_RE = /^1[3-9]\d{9}$/;

export const ContactSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, "请填写姓名")
      .refine((s) => Array.from(s).length <= 20, "姓名最多 20 个字"),
    phone: z.string().trim().regex(PHONE_RE, "请填写 11 位大陆手机号"),
  })
  .strict();
export type Contact = z.infer<typeof ContactSchema>;

/**
 * One shipping address. Province / city / district must be a combination of the bundled administrative
 * division dataset (checked by the checkout, which owns the dataset); here only their shape.
 */
export const AddressSchema = z
  .object({
    province: z.string().trim().min(1, "请选择省份").max(20),
    city: z.string().trim().min(1, "请选择城市").max(20),
    district: z.string().trim().min(1, "请选择区县").max(20),
    detail: z
      .string()
      .trim()
      .min(1, "请填写详细地址")
      .refine((s) => Array.from(s).length <= 120, "详细地址最多 120 个字"),
    postalCode: z
      .string()
      .trim()
      .regex(/^\d{6}$/, "邮编为 6 位数字")
      .optional(),
  })
  .strict();
export type Address = z.infer<typeof AddressSchema>;

/** "13812341234" → "138****1234"; anything else is fully starred. */
export function maskPhone(phone: string): string {
  return PHONE_RE.test(phone) ? `${phone.slice(0, 3)}****${phone.slice(7)}` : "*".repeat(Math.min(phone.length, 11));
}

/** "张三" → "张*", "欧阳娜娜" → "欧***": the first character and one star per remaining character. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  if (chars.length === 0) return "";
  return chars[0] + "*".repeat(Math.max(1, chars.length - 1));
}
