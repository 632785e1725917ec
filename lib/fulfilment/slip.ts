// 发货单 (packing slip) of one store's sub-order: what goes in the parcel and to whom. Full contact and
// address: it is printed to go with the goods, from a signed-in back-office session only.
import { assertCan, subOrderWhere, type AdminActor } from "@/lib/admin/scope";
import { prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";

export async function getPackingSlip(who: AdminActor, orderNo: string, outTradeNo: string) {
  assertCan(who, "fulfilment");
  // Another store's sub-order is not found (lib/admin/scope.ts).
  const sub = await prisma.subOrder.findFirst({
    where: { outTradeNo, ...subOrderWhere(who) },
    select: {
      orderNo: true,
      outTradeNo: true,
      amountFen: true,
      shippingFeeFen: true,
      refundedFen: true,
      deliveryMethod: true,
      fulfilmentStatus: true,
      carrier: true,
      trackingNo: true,
      pickupAddress: true,
      pickupHours: true,
      successTime: true,
      store: { select: { name: true } },
      lines: { orderBy: { id: "asc" }, select: { id: true, sku: true, name: true, unitPriceFen: true, quantity: true, amountFen: true } },
      order: {
        select: {
          paidAt: true,
          createdAt: true,
          contactName: true,
          contactPhone: true,
          addressProvince: true,
          addressCity: true,
          addressDistrict: true,
          addressDetail: true,
          addressPostalCode: true,
          piiPurgedAt: true,
        },
      },
    },
  });
  if (!sub || sub.orderNo !== orderNo) throw new AppError("ORDER_NOT_FOUND", "订单不存在");
  return sub;
}
