import { z } from "zod";

// Wire schemas: WeChat's snake_case, names end in Request/Response/Notification.
// Requests are strict (an unknown key is a bug on our side and would be rejected or ignored by WeChat);
// responses are loose (WeChat adds fields; extra keys pass through untouched).

/** 4-byte UTF-8 characters (emoji…) are not allowed anywhere in APIv3 JSON (§1.4). In UTF-16 they are surrogate pairs. */
const FOUR_BYTE_CHAR = /[\uD800-\uDFFF]/;

/** Characters, counted as code points (what WeChat's "字符" means). */
function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const text = (max: number, min = 1) =>
  z
    .string()
    .refine((s) => !FOUR_BYTE_CHAR.test(s), { message: "4-byte UTF-8 characters (e.g. emoji) are not allowed" })
    .refine((s) => charLength(s) >= min && charLength(s) <= max, { message: `must be ${min}–${max} characters` });

/**
 * An amount in fen as WeChat sends it: a JSON number that is a whole number of fen. A fraction is refused with a
 * message naming it — never rounded: one fen off is a real difference, and a fraction means a unit we do not know.
 */
const fen = z.number().refine(Number.isSafeInteger, { error: (iss) => `must be a whole number of fen, got ${String(iss.input)}` });
/**
 * amount.refund_fee (手续费退款金额, §14.1.3): one SDK's spec types it as any number, and the fee itself is kept to
 * 1/1000 fen in bills (§8.3), so a fraction is possible. Informational only — the app never computes with it — so it
 * is accepted as sent (not rounded), where a strict integer would make the whole refund answer unreadable.
 */
const refundFee = z.number().finite().nonnegative();

/** combine_out_trade_no / out_trade_no: 6–32 of [0-9A-Za-z_-|*] (§3.1, §12: stricter than every variant). */
export const OutTradeNoSchema = z.string().regex(/^[0-9A-Za-z_\-|*]{6,32}$/, { message: "must be 6–32 characters of 0-9 A-Z a-z _ - | *" });

const mchid = z.string().regex(/^[0-9A-Za-z]{1,32}$/, { message: "must be 1–32 alphanumeric characters" });
const appid = z.string().regex(/^[0-9A-Za-z_-]{1,32}$/, { message: "must be 1–32 characters" });

/** RFC 3339 with an explicit numeric offset, e.g. 2025-01-01T12:30:00+08:00 (§3.1 `yyyy-MM-DDTHH:mm:ss+TIMEZONE`). */
const RFC3339_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?[+-](\d{2}):(\d{2})$/;
export const Rfc3339WithOffsetSchema = z.string().refine(
  (s) => {
    const m = RFC3339_WITH_OFFSET.exec(s);
    if (!m) return false;
    const [, , mo, d, h, mi, se, oh, om] = m.map(Number) as number[];
    return (
      mo! >= 1 &&
      mo! <= 12 &&
      d! >= 1 &&
      d! <= 31 &&
      h! <= 23 &&
      mi! <= 59 &&
      se! <= 59 &&
      oh! <= 23 &&
      om! <= 59 &&
      !Number.isNaN(Date.parse(s))
    );
  },
  { message: "must be RFC 3339 with a numeric offset, e.g. 2025-01-01T12:30:00+08:00" },
);

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * §7.1: absolute HTTPS URL, no query string, at most `maxChars` characters: string(255) for the combine prepay
 * (§3.1), string(256) for a refund (§14.1.1). Deviation (shared with the fake): plain http is accepted for
 * localhost/127.0.0.1 so local development works; real WeChat rejects such URLs anyway.
 */
const notifyUrl = (maxChars: number) =>
  z
    .string()
    .max(maxChars, { message: `must be at most ${maxChars} characters` })
    .superRefine((s, ctx) => {
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        ctx.addIssue({ code: "custom", message: "must be an absolute URL" });
        return;
      }
      if (u.protocol !== "https:" && !(u.protocol === "http:" && LOCAL_HOSTS.has(u.hostname))) {
        ctx.addIssue({ code: "custom", message: "must use https" });
      }
      if (u.search !== "" || s.includes("?")) ctx.addIssue({ code: "custom", message: "must not contain a query string" });
      if (u.hash !== "" || s.includes("#")) ctx.addIssue({ code: "custom", message: "must not contain a fragment" });
      if (FOUR_BYTE_CHAR.test(s)) ctx.addIssue({ code: "custom", message: "4-byte UTF-8 characters are not allowed" });
    });
/** The combine prepay's notify_url (§3.1, §7.1): string(255). */
export const NotifyUrlSchema = notifyUrl(255);
/** A refund's notify_url (§14.1.1): string(256). */
export const RefundNotifyUrlSchema = notifyUrl(256);

const AmountRequest = z.strictObject({
  total_amount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z.literal("CNY"),
});

export const H5InfoRequestSchema = z.strictObject({
  type: z.enum(["Wap", "iOS", "Android"]),
  app_name: text(64).optional(),
  app_url: text(128).optional(),
  bundle_id: text(128).optional(),
  package_name: text(128).optional(),
});

export const SceneInfoRequestSchema = z.strictObject({
  payer_client_ip: z.union([z.ipv4(), z.ipv6()], { message: "must be an IPv4 or IPv6 address" }),
  /** 7–16 satisfies both the old [7,16] and the new string(32) rule (§3.1). */
  device_id: z.string().regex(/^[\x21-\x7e]{7,16}$/, { message: "must be 7–16 printable ASCII characters" }),
  h5_info: H5InfoRequestSchema,
});

const subOrderCommon = {
  mchid,
  attach: text(128),
  amount: AmountRequest,
  out_trade_no: OutTradeNoSchema,
  description: text(127),
  settle_info: z.strictObject({ profit_sharing: z.boolean().optional() }).optional(),
  goods_tag: text(32).optional(),
};

export const CombineH5DirectSubOrderRequestSchema = z.strictObject(subOrderCommon);
export const CombineH5PartnerSubOrderRequestSchema = z.strictObject({
  ...subOrderCommon,
  sub_mchid: mchid,
  sub_appid: appid.optional(),
});

const prepayCommon = {
  combine_appid: appid,
  combine_mchid: mchid,
  combine_out_trade_no: OutTradeNoSchema,
  scene_info: SceneInfoRequestSchema,
  time_expire: Rfc3339WithOffsetSchema.optional(),
  notify_url: NotifyUrlSchema,
};

function checkOrderNumbers(v: { combine_out_trade_no: string; sub_orders: { out_trade_no: string }[] }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>([v.combine_out_trade_no]);
  v.sub_orders.forEach((s, i) => {
    if (seen.has(s.out_trade_no)) {
      ctx.addIssue({ code: "custom", path: ["sub_orders", i, "out_trade_no"], message: "order numbers must be unique within the request" });
    }
    seen.add(s.out_trade_no);
  });
}

/** Direct mode (普通商户): 2–10 sub-orders, each with the participant's own mchid, no sub_mchid. */
export const CombineH5PrepayDirectRequestSchema = z
  .strictObject({ ...prepayCommon, sub_orders: z.array(CombineH5DirectSubOrderRequestSchema).min(2).max(10) })
  .superRefine(checkOrderNumbers);

/** Partner mode (普通服务商): 1–50 sub-orders, each with mchid = combine_mchid and a sub_mchid. */
export const CombineH5PrepayPartnerRequestSchema = z
  .strictObject({ ...prepayCommon, sub_orders: z.array(CombineH5PartnerSubOrderRequestSchema).min(1).max(50) })
  .superRefine((v, ctx) => {
    checkOrderNumbers(v, ctx);
    v.sub_orders.forEach((s, i) => {
      if (s.mchid !== v.combine_mchid) {
        ctx.addIssue({ code: "custom", path: ["sub_orders", i, "mchid"], message: "must equal combine_mchid in partner mode" });
      }
    });
  });

export type CombineH5PrepayMode = "direct" | "partner";
export type CombineH5PrepayDirectRequest = z.input<typeof CombineH5PrepayDirectRequestSchema>;
export type CombineH5PrepayPartnerRequest = z.input<typeof CombineH5PrepayPartnerRequestSchema>;
export type CombineH5PrepayRequest = CombineH5PrepayDirectRequest | CombineH5PrepayPartnerRequest;

/** The schema for a mode. The client picks the mode from the request: sub_mchid on every sub-order = partner, on none = direct. */
export function CombineH5PrepayRequestSchema(mode: CombineH5PrepayMode) {
  return mode === "partner" ? CombineH5PrepayPartnerRequestSchema : CombineH5PrepayDirectRequestSchema;
}

export const CombineH5PrepayResponseSchema = z.looseObject({ h5_url: z.string().url() });
export type CombineH5PrepayResponse = z.output<typeof CombineH5PrepayResponseSchema>;

// --- combine JSAPI prepay (inside WeChat): docs/wechatpay.md "JSAPI" -------------------------------------------

/** JSAPI has no h5_info; device_id is optional (same 7–16 rule as H5 when sent). */
export const JsapiSceneInfoRequestSchema = z.strictObject({
  payer_client_ip: z.union([z.ipv4(), z.ipv6()], { message: "must be an IPv4 or IPv6 address" }),
  device_id: z
    .string()
    .regex(/^[\x21-\x7e]{7,16}$/, { message: "must be 7–16 printable ASCII characters" })
    .optional(),
});

/** The payer's openid under combine_appid (from OAuth snsapi_base with that same appid). */
export const CombinePayerInfoRequestSchema = z.strictObject({
  openid: z.string().regex(/^[0-9A-Za-z_-]{1,128}$/, { message: "must be 1–128 characters of 0-9 A-Z a-z _ -" }),
});

const jsapiPrepayCommon = {
  combine_appid: appid,
  combine_mchid: mchid,
  combine_out_trade_no: OutTradeNoSchema,
  scene_info: JsapiSceneInfoRequestSchema,
  combine_payer_info: CombinePayerInfoRequestSchema,
  time_start: Rfc3339WithOffsetSchema.optional(),
  time_expire: Rfc3339WithOffsetSchema.optional(),
  notify_url: NotifyUrlSchema,
};

/** Direct mode: 2–10 sub-orders, as H5. */
export const CombineJsapiPrepayDirectRequestSchema = z
  .strictObject({ ...jsapiPrepayCommon, sub_orders: z.array(CombineH5DirectSubOrderRequestSchema).min(2).max(10) })
  .superRefine(checkOrderNumbers);

/** Partner mode: 1–50 sub-orders, mchid = combine_mchid (the SP), sub_mchid = the store, as H5. */
export const CombineJsapiPrepayPartnerRequestSchema = z
  .strictObject({ ...jsapiPrepayCommon, sub_orders: z.array(CombineH5PartnerSubOrderRequestSchema).min(1).max(50) })
  .superRefine((v, ctx) => {
    checkOrderNumbers(v, ctx);
    v.sub_orders.forEach((s, i) => {
      if (s.mchid !== v.combine_mchid) {
        ctx.addIssue({ code: "custom", path: ["sub_orders", i, "mchid"], message: "must equal combine_mchid in partner mode" });
      }
    });
  });

export type CombineJsapiPrepayDirectRequest = z.input<typeof CombineJsapiPrepayDirectRequestSchema>;
export type CombineJsapiPrepayPartnerRequest = z.input<typeof CombineJsapiPrepayPartnerRequestSchema>;
export type CombineJsapiPrepayRequest = CombineJsapiPrepayDirectRequest | CombineJsapiPrepayPartnerRequest;

/** The schema for a mode (picked from the request like H5: sub_mchid on every sub-order = partner, on none = direct). */
export function CombineJsapiPrepayRequestSchema(mode: CombineH5PrepayMode) {
  return mode === "partner" ? CombineJsapiPrepayPartnerRequestSchema : CombineJsapiPrepayDirectRequestSchema;
}

/** prepay_id lives 2 hours; the page gets it only inside the signed `package` (jsapi.ts). */
export const CombineJsapiPrepayResponseSchema = z.looseObject({ prepay_id: z.string().regex(/^[\x21-\x7e]{1,64}$/) });
export type CombineJsapiPrepayResponse = z.output<typeof CombineJsapiPrepayResponseSchema>;

export const CombineCloseSubOrderRequestSchema = z.strictObject({
  mchid,
  out_trade_no: OutTradeNoSchema,
  sub_mchid: mchid.optional(),
  sub_appid: appid.optional(),
});

/** §6: all sub-orders exactly as at prepay (no partial close). sub_mchid on all (partner) or none (direct). */
export const CombineCloseRequestSchema = z
  .strictObject({
    combine_appid: appid,
    sub_orders: z.array(CombineCloseSubOrderRequestSchema).min(1).max(50),
  })
  .superRefine((v, ctx) => {
    const withSub = v.sub_orders.filter((s) => s.sub_mchid !== undefined).length;
    if (withSub !== 0 && withSub !== v.sub_orders.length) {
      ctx.addIssue({
        code: "custom",
        path: ["sub_orders"],
        message: "sub_mchid must be set on every sub-order (partner) or on none (direct)",
      });
    }
    v.sub_orders.forEach((s, i) => {
      if (s.sub_appid !== undefined && s.sub_mchid === undefined) {
        ctx.addIssue({ code: "custom", path: ["sub_orders", i, "sub_appid"], message: "sub_appid requires sub_mchid" });
      }
    });
  });
export type CombineCloseRequest = z.input<typeof CombineCloseRequestSchema>;

/** §5.2 plus what deriveCombineState must tolerate: any other string is kept (and treated as still open). */
export const KNOWN_TRADE_STATES = ["SUCCESS", "REFUND", "NOTPAY", "CLOSED", "PAYERROR", "USERPAYING", "ACCEPT"] as const;
export type KnownTradeState = (typeof KNOWN_TRADE_STATES)[number];
export type TradeState = KnownTradeState | (string & {});

export const CombineSubOrderAmountResponseSchema = z.looseObject({
  total_amount: fen,
  payer_amount: fen.optional(),
  currency: z.string().optional(),
  payer_currency: z.string().optional(),
  settlement_rate: z.number().optional(),
});

export const CombineSubOrderResponseSchema = z.looseObject({
  mchid: z.string(),
  sub_mchid: z.string().optional(),
  sub_appid: z.string().optional(),
  sub_openid: z.string().optional(),
  out_trade_no: z.string(),
  transaction_id: z.string().optional(),
  trade_type: z.string().optional(),
  trade_state: z.string().min(1) as z.ZodType<TradeState>,
  bank_type: z.string().optional(),
  attach: z.string().optional(),
  success_time: z.string().optional(),
  // "as created" (§5.1): the app checks it against the order, so its absence is a malformed answer.
  amount: CombineSubOrderAmountResponseSchema,
  promotion_detail: z.array(z.looseObject({})).optional(),
});
export type CombineSubOrderResponse = z.output<typeof CombineSubOrderResponseSchema>;

/** §5.1 combine query 200 body, also the decrypted notification plaintext (§7.4). */
export const CombineTransactionResponseSchema = z.looseObject({
  combine_appid: z.string(),
  combine_mchid: z.string(),
  combine_out_trade_no: z.string(),
  combine_payer_info: z.looseObject({ openid: z.string().optional() }).optional(),
  scene_info: z.looseObject({ device_id: z.string().optional() }).optional(),
  sub_orders: z.array(CombineSubOrderResponseSchema).optional(),
});
export type CombineTransaction = z.output<typeof CombineTransactionResponseSchema>;

/** The notification plaintext must carry the sub-orders (one notification per combine order, §7.4). */
export const CombineTransactionNotificationSchema = CombineTransactionResponseSchema.extend({
  sub_orders: z.array(CombineSubOrderResponseSchema).min(1),
});
export type CombineTransactionNotification = z.output<typeof CombineTransactionNotificationSchema>;

/** §7.2 envelope. associated_data may be empty or (leniently) absent. */
export const CombineNotificationEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  create_time: z.string(),
  event_type: z.string().min(1),
  resource_type: z.string(),
  summary: z.string().optional(),
  resource: z.looseObject({
    algorithm: z.string(),
    ciphertext: z.string(),
    associated_data: z.string().optional(),
    original_type: z.string().optional(),
    nonce: z.string().min(1),
  }),
});
export type CombineNotificationEnvelope = z.output<typeof CombineNotificationEnvelopeSchema>;

export const TradeBillRequestSchema = z.strictObject({
  bill_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be yyyy-MM-dd" })
    .refine(
      (s) => {
        const d = new Date(`${s}T00:00:00Z`);
        return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
      },
      { message: "must be a real calendar date" },
    ),
  bill_type: z.enum(["ALL", "SUCCESS", "REFUND"]).optional(),
  tar_type: z.literal("GZIP").optional(),
  sub_mchid: z
    .string()
    .regex(/^[0-9]{1,12}$/, { message: "must be 1–12 digits" })
    .optional(),
});
export type TradeBillRequest = z.input<typeof TradeBillRequestSchema>;

export const TradeBillResponseSchema = z.looseObject({
  hash_type: z.string(),
  hash_value: z.string().min(1),
  download_url: z.string().url(),
});
export type TradeBillResponse = z.output<typeof TradeBillResponseSchema>;

export const CertificatesResponseSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      serial_no: z.string().min(1),
      effective_time: z.string().optional(),
      expire_time: z.string().optional(),
      encrypt_certificate: z.looseObject({
        algorithm: z.string(),
        nonce: z.string(),
        associated_data: z.string().optional(),
        ciphertext: z.string(),
      }),
    }),
  ),
});
export type CertificatesResponse = z.output<typeof CertificatesResponseSchema>;

/** §9.1, parsed leniently: every field optional, unknown keys kept. */
export const ApiErrorResponseSchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
  detail: z.looseObject({}).optional(),
});

// --- refunds (docs/wechatpay.md §14) ----------------------------------------------------------------------------

/** out_refund_no: ≤ 64 of [0-9A-Za-z_-|*@] (§14.1.1). */
export const OutRefundNoSchema = z
  .string()
  .regex(/^[0-9A-Za-z_\-|*@]{1,64}$/, { message: "must be 1–64 characters of 0-9 A-Z a-z _ - | * @" });

/** WeChat's refund id (§14.1.3 refund_id, string(32)): the path segment of the abnormal-refund call. */
export const RefundIdSchema = z.string().regex(/^[0-9A-Za-z]{1,32}$/, { message: "must be 1–32 alphanumeric characters" });

/** "reason" is limited in BYTES (80, UTF-8), not characters (§14.1.1). */
export const RefundReasonSchema = z
  .string()
  .min(1)
  .refine((s) => !FOUR_BYTE_CHAR.test(s), { message: "4-byte UTF-8 characters (e.g. emoji) are not allowed" })
  .refine((s) => Buffer.byteLength(s, "utf8") <= 80, { message: "must be at most 80 bytes (UTF-8)" });

const refundRequestCommon = {
  transaction_id: z
    .string()
    .regex(/^[0-9A-Za-z]{1,32}$/, { message: "must be 1–32 alphanumeric characters" })
    .optional(),
  out_trade_no: OutTradeNoSchema.optional(),
  out_refund_no: OutRefundNoSchema,
  reason: RefundReasonSchema.optional(),
  notify_url: RefundNotifyUrlSchema.optional(),
  // §14.1.1: omit funds_account in a normal shop; typed so a deliberate caller can still send it.
  funds_account: z.enum(["AVAILABLE", "UNSETTLED"]).optional(),
  amount: z.strictObject({
    refund: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    total: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    currency: z.literal("CNY"),
  }),
};

function checkRefundRequest(
  v: { transaction_id?: string; out_trade_no?: string; amount: { refund: number; total: number } },
  ctx: z.RefinementCtx,
) {
  if (v.transaction_id === undefined && v.out_trade_no === undefined) {
    ctx.addIssue({ code: "custom", path: ["out_trade_no"], message: "transaction_id or out_trade_no is required" });
  }
  if (v.amount.refund > v.amount.total)
    ctx.addIssue({ code: "custom", path: ["amount", "refund"], message: "must not exceed amount.total" });
}

/** §14.1.1 partner mode: sub_mchid = the sub-order's store, REQUIRED (several SDK samples forget it). */
export const RefundPartnerRequestSchema = z.strictObject({ sub_mchid: mchid, ...refundRequestCommon }).superRefine(checkRefundRequest);
/** Direct mode: the participant calls with its own key; sub_mchid must be absent ("普通商户不允许传sub_mch_id"). */
export const RefundDirectRequestSchema = z.strictObject(refundRequestCommon).superRefine(checkRefundRequest);
export type RefundPartnerRequest = z.input<typeof RefundPartnerRequestSchema>;
export type RefundDirectRequest = z.input<typeof RefundDirectRequestSchema>;
export type RefundRequest = RefundPartnerRequest | RefundDirectRequest;

/**
 * §14.3 abnormal refund, to the merchant's own bank account only: USER_BANK_CARD would need the payer's
 * bank account and name, encrypted with the platform key (§10) — personal data this app never collects.
 */
export const AbnormalRefundRequestSchema = z.strictObject({
  /** partner mode: the store; absent in direct mode */
  sub_mchid: mchid.optional(),
  out_refund_no: OutRefundNoSchema,
  type: z.literal("MERCHANT_BANK_CARD"),
});
export type AbnormalRefundRequest = z.input<typeof AbnormalRefundRequestSchema>;

/** §14.1.4. Unknown values are kept (and handled like PROCESSING by the app). */
export const KNOWN_REFUND_STATUSES = ["PROCESSING", "SUCCESS", "CLOSED", "ABNORMAL"] as const;
export type RefundStatus = (typeof KNOWN_REFUND_STATUSES)[number] | (string & {});

/** §14.1.3: create and query answer with this object. Loose: WeChat adds fields. */
export const RefundResponseSchema = z.looseObject({
  refund_id: z.string().min(1),
  out_refund_no: z.string().min(1),
  transaction_id: z.string().optional(),
  out_trade_no: z.string().optional(),
  channel: z.string().optional(),
  user_received_account: z.string().optional(),
  success_time: z.string().optional(),
  create_time: z.string().optional(),
  status: z.string().min(1) as z.ZodType<RefundStatus>,
  funds_account: z.string().optional(),
  amount: z.looseObject({
    total: fen,
    refund: fen,
    payer_total: fen.optional(),
    payer_refund: fen.optional(),
    settlement_refund: fen.optional(),
    settlement_total: fen.optional(),
    discount_refund: fen.optional(),
    refund_fee: refundFee.optional(),
    currency: z.string().optional(),
    from: z.array(z.looseObject({})).optional(),
  }),
  promotion_detail: z.array(z.looseObject({})).optional(),
});
export type RefundResponse = z.output<typeof RefundResponseSchema>;

/**
 * §14.4.3 decrypted REFUND.* plaintext. Ids are lenient (§14.10): SP notifications carry sp_mchid + sub_mchid,
 * one official example carries mchid instead; at least one of them must be present.
 */
export const RefundNotificationSchema = z
  .looseObject({
    sp_mchid: z.string().optional(),
    sub_mchid: z.string().optional(),
    mchid: z.string().optional(),
    out_trade_no: z.string().min(1),
    transaction_id: z.string().optional(),
    out_refund_no: z.string().min(1),
    refund_id: z.string().min(1),
    refund_status: z.string().min(1) as z.ZodType<RefundStatus>,
    success_time: z.string().optional(),
    user_received_account: z.string().optional(),
    channel: z.string().optional(),
    amount: z.looseObject({
      total: fen,
      refund: fen,
      payer_total: fen.optional(),
      payer_refund: fen.optional(),
    }),
  })
  .refine((v) => v.sp_mchid !== undefined || v.mchid !== undefined, { message: "sp_mchid or mchid is required", path: ["sp_mchid"] });
export type RefundNotification = z.output<typeof RefundNotificationSchema>;
