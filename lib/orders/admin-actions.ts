// The back office's order actions (立即查询, 关闭订单), scoped to the caller (lib/admin/scope.ts).
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { assertCan, canSeeStore, orderWhere, seesAllStores, type AdminActor } from "@/lib/admin/scope";
import { closeOrder } from "./close";
import { queryAndApply } from "./query";
import { getOrderView } from "./view";

/** The store ids of an order the actor sees, or 404 ORDER_NOT_FOUND (another store's order reads as none). */
async function visibleOrderStores(actor: AdminActor, orderNo: string): Promise<string[]> {
  assertCan(actor, "orders");
  const order = await prisma.order.findFirst({
    where: { orderNo, ...orderWhere(actor) },
    select: { subOrders: { select: { storeId: true } } },
  });
  if (!order) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return order.subOrders.map((s) => s.storeId);
}

/** The order's public view (masked contact), with only the actor's sub-orders. */
export async function adminOrderView(actor: AdminActor, orderNo: string) {
  const view = await getOrderView(orderNo, "stranger");
  if (seesAllStores(actor)) return view;
  const subOrders = view.subOrders.filter((s) => canSeeStore(actor, s.store.id));
  return { ...view, totalFen: subOrders.reduce((a, s) => a + s.amountFen, 0), subOrders };
}

/** 立即查询: anyone who sees the order may refresh its state from WeChat (it changes nothing WeChat does not say). */
export async function queryOrderAs(actor: AdminActor, orderNo: string) {
  await visibleOrderStores(actor, orderNo);
  return queryAndApply(orderNo);
}

/**
 * 关闭订单 closes every store's sub-order at once, so a store's staff may close only an order that is
 * wholly their stores' (403 FORBIDDEN for a shared one).
 */
export async function closeOrderAs(actor: AdminActor, orderNo: string) {
  const stores = await visibleOrderStores(actor, orderNo);
  if (!stores.every((s) => canSeeStore(actor, s))) throw new AppError("FORBIDDEN", "该订单含其他店铺的子单，只有店主或运营可以关闭");
  return closeOrder(orderNo, "MERCHANT");
}
