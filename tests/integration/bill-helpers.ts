// Orders paid at the fake on its business day, and its clock moved to when that day's bill exists:
// the set-up of the bill suites (tests/integration/bill-import.ts, tests/unit/bills/service.test.ts).
import { expect } from "vitest";
import { eventually, type Harness } from "./harness";
import { checkoutBody } from "../support/checkout-body";

/** Pays `count` two-store orders at the fake; returns them with their sub-orders and the Beijing day they were paid on. */
export async function paidOrdersOfToday(h: Harness, count = 2) {
  const orders: { orderNo: string; subs: { outTradeNo: string; storeId: string; amountFen: number }[] }[] = [];
  for (let i = 0; i < count; i++) {
    const res = await h.call("POST", "/api/checkout", {
      json: checkoutBody([
        { sku: "TEA-BC-100", quantity: 1 },
        { sku: "STA-ERASER", quantity: 2 },
      ]),
    });
    expect(res.status).toBe(201);
    const { orderNo } = (await res.json()) as { orderNo: string };
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await h.prisma.order.findUnique({ where: { orderNo } }))?.status === "PAID");
    orders.push({ orderNo, subs: await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } }) });
  }
  const { now } = await h.control<{ now: string }>("/clock");
  return { orders, billDate: new Date(Date.parse(now) + 8 * 3600_000).toISOString().slice(0, 10) };
}

/** Moves the fake's clock past 10:00 Beijing time on the day after `billDate`, when its bill can be fetched. */
export async function advancePastBillTime(h: Harness, billDate: string): Promise<void> {
  const { now } = await h.control<{ now: string }>("/clock");
  const target = Date.parse(`${billDate}T10:00:30+08:00`) + 86_400_000;
  if (target > Date.parse(now)) await h.control("/clock", { advanceSeconds: Math.ceil((target - Date.parse(now)) / 1000) });
}
