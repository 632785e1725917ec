import { notFound } from "next/navigation";
import { OrderResult } from "@/components/order-result";
import { AppError } from "@/lib/http/errors";
import { ORDER_NO_PATTERN } from "@/lib/orders/order-numbers";
import { closeIfExpired } from "@/lib/orders/close";
import { getOrderView } from "@/lib/orders/view";

export const dynamic = "force-dynamic";

// The shopper lands here from WeChat's cashier (redirect_url). Arriving here proves nothing about
// the payment, so the page shows our database and lets the shopper ask for a check.
export default async function OrderPage({ params }: { params: Promise<{ orderNo: string }> }) {
  const { orderNo } = await params;
  if (!ORDER_NO_PATTERN.test(orderNo)) notFound();
  await closeIfExpired(orderNo);
  try {
    const order = await getOrderView(orderNo);
    return (
      <main>
        <OrderResult initial={order} />
      </main>
    );
  } catch (e) {
    if (e instanceof AppError && e.code === "ORDER_NOT_FOUND") notFound();
    throw e;
  }
}
