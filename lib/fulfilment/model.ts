// The fulfilment state machine as data, the admin API's request shape and the reply's view. Client-safe
// (zod and lib/delivery only): the back office's action forms use the same schema and labels.
// README "Delivery and fulfilment" → "Fulfilment".
import { z } from "zod";
import {
  CARRIERS,
  FULFILMENT_STATUS_LABELS,
  PICKUP_CODE_RE,
  TrackingNoSchema,
  type DeliveryMethod,
  type FulfilmentStatus,
} from "@/lib/delivery/model";

/** What staff can do to a sub-order (POST /api/admin/orders/{orderNo}/fulfilments). */
export const FULFILMENT_ACTIONS = ["SHIP", "UPDATE_TRACKING", "DELIVERED", "READY_FOR_PICKUP", "PICKED_UP"] as const;
export type FulfilmentAction = (typeof FULFILMENT_ACTIONS)[number];
/** Moves made by the app itself, never by a request: the auto-deliver job. */
export type FulfilmentMoveName = FulfilmentAction | "AUTO_DELIVERED";

export interface Move {
  method: DeliveryMethod;
  from: FulfilmentStatus;
  to: FulfilmentStatus;
  /**
   * Goods would leave the store: refused once the sub-order is fully refunded (SUB_ORDER_REFUNDED). Moves
   * that follow a hand-over (delivered, a corrected tracking number) stay allowed: a shipped sub-order may
   * be refunded (a return) and its fulfilment still completes.
   */
  handsOver: boolean;
}

/**
 * Forward only: each move has exactly one predecessor state, and the conditional UPDATE names it, so a
 * second SHIP, a pickup confirmed twice or any step backwards finds no row to change (FULFILMENT_CONFLICT).
 * UPDATE_TRACKING is the one move that stays in its state (corrects the carrier or tracking number).
 */
export const MOVES: Record<FulfilmentMoveName, Move> = {
  SHIP: { method: "SHIPPING", from: "UNFULFILLED", to: "SHIPPED", handsOver: true },
  UPDATE_TRACKING: { method: "SHIPPING", from: "SHIPPED", to: "SHIPPED", handsOver: false },
  DELIVERED: { method: "SHIPPING", from: "SHIPPED", to: "DELIVERED", handsOver: false },
  AUTO_DELIVERED: { method: "SHIPPING", from: "SHIPPED", to: "DELIVERED", handsOver: false },
  READY_FOR_PICKUP: { method: "PICKUP", from: "UNFULFILLED", to: "READY_FOR_PICKUP", handsOver: true },
  PICKED_UP: { method: "PICKUP", from: "READY_FOR_PICKUP", to: "PICKED_UP", handsOver: true },
};

/** What the back office calls each action (buttons, audit trail, error messages). */
export const FULFILMENT_ACTION_LABELS: Record<FulfilmentMoveName | "PICKUP_CODE_MISMATCH" | "FULFILLED", string> = {
  SHIP: "发货",
  UPDATE_TRACKING: "修改运单号",
  DELIVERED: "确认送达",
  AUTO_DELIVERED: "自动确认送达",
  READY_FOR_PICKUP: "备货完成，通知自提",
  PICKED_UP: "确认自提",
  PICKUP_CODE_MISMATCH: "取件码错误",
  FULFILLED: "无需配送",
};

/** Staff's name for a state: the shopper's (lib/delivery/model.ts), except that an unprepared pickup is 待备货. */
export function adminFulfilmentLabel(method: string, status: string): string {
  if (method === "NONE") return FULFILMENT_STATUS_LABELS.FULFILLED;
  if (method === "PICKUP" && status === "UNFULFILLED") return "待备货";
  return FULFILMENT_STATUS_LABELS[status as FulfilmentStatus] ?? status;
}

/** Which actions make sense for a sub-order now (the back office shows these forms). */
export function availableActions(method: string, status: string): FulfilmentAction[] {
  return FULFILMENT_ACTIONS.filter((a) => MOVES[a].method === method && MOVES[a].from === status);
}

/** The WeChat trade states of a paid sub-order: only these move (a partly or fully refunded one is REFUND). */
export const PAID_TRADE_STATES = ["SUCCESS", "REFUND"] as const;

/** out_trade_no: WeChat's 6–32 characters of [0-9A-Za-z_-|*] (same rule as lib/orders/order-numbers.ts). */
const OutTradeNoSchema = z.string().regex(/^[0-9A-Za-z_\-|*]{6,32}$/, "子单号格式不正确");
export const CarrierInputSchema = z.enum(CARRIERS, { error: `快递公司须为：${CARRIERS.join("、")}` });
export const TrackingNoInputSchema = z.string().trim().pipe(TrackingNoSchema);
export const PickupCodeInputSchema = z.string().trim().regex(PICKUP_CODE_RE, "取件码为 6 位数字");

/** The admin API's body: one object per action, nothing else accepted (a bad field → 400 naming it). */
export const FulfilmentRequestSchema = z.discriminatedUnion(
  "action",
  [
    z
      .object({ outTradeNo: OutTradeNoSchema, action: z.literal("SHIP"), carrier: CarrierInputSchema, trackingNo: TrackingNoInputSchema })
      .strict(),
    z
      .object({
        outTradeNo: OutTradeNoSchema,
        action: z.literal("UPDATE_TRACKING"),
        carrier: CarrierInputSchema,
        trackingNo: TrackingNoInputSchema,
      })
      .strict(),
    z.object({ outTradeNo: OutTradeNoSchema, action: z.literal("DELIVERED") }).strict(),
    z.object({ outTradeNo: OutTradeNoSchema, action: z.literal("READY_FOR_PICKUP") }).strict(),
    z.object({ outTradeNo: OutTradeNoSchema, action: z.literal("PICKED_UP"), pickupCode: PickupCodeInputSchema }).strict(),
  ],
  { error: `action 须为 ${FULFILMENT_ACTIONS.join(" | ")}` },
);
export type FulfilmentRequest = z.infer<typeof FulfilmentRequestSchema>;

/** The reply's view of one sub-order's fulfilment (times as ISO strings). Never the pickup code: staff type it. */
export interface FulfilmentView {
  method: DeliveryMethod;
  status: FulfilmentStatus;
  carrier?: string;
  trackingNo?: string;
  shippedAt?: string;
  deliveredAt?: string;
  pickedUpAt?: string;
}

export interface FulfilmentColumns {
  deliveryMethod: string;
  fulfilmentStatus: string;
  carrier: string | null;
  trackingNo: string | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  pickedUpAt: Date | null;
}

export function toFulfilmentView(s: FulfilmentColumns): FulfilmentView {
  return {
    method: s.deliveryMethod as DeliveryMethod,
    status: s.fulfilmentStatus as FulfilmentStatus,
    ...(s.carrier ? { carrier: s.carrier } : {}),
    ...(s.trackingNo ? { trackingNo: s.trackingNo } : {}),
    ...(s.shippedAt ? { shippedAt: s.shippedAt.toISOString() } : {}),
    ...(s.deliveredAt ? { deliveredAt: s.deliveredAt.toISOString() } : {}),
    ...(s.pickedUpAt ? { pickedUpAt: s.pickedUpAt.toISOString() } : {}),
  };
}

/** The columns toFulfilmentView reads, for Prisma selects. */
export const FULFILMENT_SELECT = {
  deliveryMethod: true,
  fulfilmentStatus: true,
  carrier: true,
  trackingNo: true,
  shippedAt: true,
  deliveredAt: true,
  pickedUpAt: true,
} as const;

/** "浙江省 杭州市 西湖区 文三路 90 号（310012）", or "" when the order has no address. */
export function formatAddress(o: {
  addressProvince: string | null;
  addressCity: string | null;
  addressDistrict: string | null;
  addressDetail: string | null;
  addressPostalCode: string | null;
}): string {
  const parts = [o.addressProvince, o.addressCity, o.addressDistrict, o.addressDetail].filter(Boolean).join(" ");
  return parts && o.addressPostalCode ? `${parts}（${o.addressPostalCode}）` : parts;
}
