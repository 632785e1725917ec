// Refunds in the back office against the built app + the fake WeChat Pay (docs/wechatpay.md §14):
// a three-store order, one store refunded in two steps; NOT_ENOUGH explained, then the same refund number retried.
// The fake runs with FAKE_WECHATPAY_REFUND_DELAY_MS=manual: every refund result is decided here (refund-result).
import { expect, type APIRequestContext, type Page } from "@playwright/test";
import { APP_URL, checkoutBody, fake, signIn, test } from "./support";

const THREE_STORES = [
  { sku: "TEA-BC-100", quantity: 1 },
  { sku: "BAK-CK-02", quantity: 2 },
  { sku: "STA-NB-A5", quantity: 1 },
];

type OrderJson = {
  orderNo: string;
  status: string;
  subOrders: {
    outTradeNo: string;
    store: { id: string; name: string };
    amountFen: number;
    refundedFen: number;
    refunds: { refundNo: string; status: string; text: string }[];
  }[];
};
type FakeRefund = { out_refund_no: string; out_trade_no: string; status: string; amount: { refund: number } };

test.beforeEach(async () => {
  await fake("/reset", {});
});

async function paidOrder(request: APIRequestContext): Promise<OrderJson> {
  const res = await request.post("/api/checkout", { headers: { origin: APP_URL }, data: checkoutBody(THREE_STORES) });
  expect(res.status(), await res.text()).toBe(201);
  const { orderNo } = (await res.json()) as { orderNo: string };
  await fake(`/orders/${orderNo}/pay`, {});
  await expect.poll(async () => (await getOrder(request, orderNo)).status, { timeout: 20_000 }).toBe("PAID");
  return getOrder(request, orderNo);
}
async function getOrder(request: APIRequestContext, orderNo: string): Promise<OrderJson> {
  return (await (await request.get(`/api/orders/${orderNo}`)).json()) as OrderJson;
}
const fakeRefundsOf = async (outTradeNo: string) => (await fake<FakeRefund[]>("/refunds")).filter((r) => r.out_trade_no === outTradeNo);

/** Opens the store's refund form, enters the amount (blank = the default, the remaining amount), confirms. */
async function refundInBackOffice(page: Page, outTradeNo: string, amountYuan?: string, reason?: string) {
  const box = page.getByTestId(`refunds-${outTradeNo}`);
  await box.getByRole("button", { name: "退款", exact: true }).click();
  if (amountYuan !== undefined) await box.getByLabel("退款金额（元）").fill(amountYuan);
  if (reason) await box.getByLabel(/退款原因/).fill(reason);
  await box.getByRole("button", { name: "下一步" }).click();
  await expect(box.getByText(/确认从「.+」退款 ¥/)).toBeVisible();
  await box.getByRole("button", { name: "确认退款" }).click();
  return box;
}

test("three stores paid; one store refunded in part, then the rest; the shopper and the back office see 已退款", async ({
  page,
  request,
}) => {
  test.setTimeout(120_000);
  // Bought in the page's browser: the result page shows where a refund went to the buyer only.
  const order = await paidOrder(page.request);
  expect(order.subOrders).toHaveLength(3);
  const s = order.subOrders[0]!;
  await signIn(page, `/admin/orders/${order.orderNo}`);

  const box = await refundInBackOffice(page, s.outTradeNo, "1.00", "少发一件");
  await expect(box.getByRole("status")).toContainText("已提交微信支付（退款中）");
  const [first] = await fakeRefundsOf(s.outTradeNo);
  expect(first).toMatchObject({ status: "PROCESSING", amount: { refund: 100 } });
  // WeChat decides: SUCCESS, and its REFUND.SUCCESS notification reaches our refund-notify route.
  await fake(`/refunds/${first!.out_refund_no}/result`, { status: "success" });
  await expect.poll(async () => (await getOrder(request, order.orderNo)).subOrders[0]!.refundedFen, { timeout: 20_000 }).toBe(100);

  // The rest (the form defaults to the remaining amount). WeChat asks ≥ 1 minute between refunds; the e2e
  // server is configured with 1 s (REFUND_MIN_INTERVAL_SECONDS), so wait that second out.
  await page.reload();
  await expect(box.getByTestId("remaining")).toContainText(`¥${((s.amountFen - 100) / 100).toFixed(2)}`);
  await page.waitForTimeout(1_100);
  await refundInBackOffice(page, s.outTradeNo);
  await expect(box.getByRole("status")).toContainText("已提交微信支付");
  const second = (await fakeRefundsOf(s.outTradeNo)).find((r) => r.out_refund_no !== first!.out_refund_no)!;
  expect(second.amount.refund).toBe(s.amountFen - 100);
  await fake(`/refunds/${second.out_refund_no}/result`, { status: "success" });
  await expect.poll(async () => (await getOrder(request, order.orderNo)).subOrders[0]!.refundedFen, { timeout: 20_000 }).toBe(s.amountFen);

  // Back office: both refunds 已退款, nothing left to refund for this store; the other stores untouched.
  await page.reload();
  await expect(box.getByTestId("refunded")).toHaveText(`¥${(s.amountFen / 100).toFixed(2)}`);
  await expect(box.getByTestId("remaining")).toHaveText("¥0.00");
  await expect(box.getByTestId("refund-status")).toHaveText(["已退款", "已退款"]);
  await expect(box.getByText("支付用户零钱").first()).toBeVisible();
  await expect(page.getByTestId(`refunds-${order.subOrders[1]!.outTradeNo}`).getByTestId("refunded")).toHaveText("¥0.00");

  // Shopper: per-store refunds on the result page; the order stays PAID (the other stores were not refunded).
  await page.goto(`/orders/${order.orderNo}`);
  const shopper = page.getByRole("region", { name: s.store.name });
  await expect(shopper.getByText("已退款 ¥1.00，退回支付用户零钱")).toBeVisible();
  await expect(shopper.getByText(`已退款 ¥${((s.amountFen - 100) / 100).toFixed(2)}，退回支付用户零钱`)).toBeVisible();
  await expect(page.getByText("支付成功")).toBeVisible();
  expect((await getOrder(request, order.orderNo)).status).toBe("PAID");
  // Anyone else with the order number sees the refund, not where it went nor WeChat's transaction ids.
  const stranger = await (await request.get(`/orders/${order.orderNo}`)).text();
  expect(stranger).toContain("退回原支付账户");
  expect(stranger).not.toContain("支付用户零钱");
  expect(stranger).not.toContain("微信支付单号");
});

test("NOT_ENOUGH is explained; the retry uses the same refund number and succeeds", async ({ page, request }) => {
  test.setTimeout(120_000);
  const order = await paidOrder(request);
  const s = order.subOrders[1]!;
  await fake("/faults", { target: "api", kind: "not_enough", orderNo: order.orderNo, path: "/v3/refund/domestic/refunds" });
  await signIn(page, `/admin/orders/${order.orderNo}`);

  const box = await refundInBackOffice(page, s.outTradeNo);
  const alert = box.getByRole("alert");
  await expect(alert).toContainText("可用退款余额不足");
  await expect(alert).toContainText("同一退款单号重试");
  const refundNo = /退款单 (R\w+)/.exec((await alert.textContent()) ?? "")![1]!;
  const row = box.getByTestId(`refund-${refundNo}`);
  await expect(row.getByTestId("refund-status")).toHaveText("待受理");
  await expect(row).toContainText("余额不足");
  expect(await fakeRefundsOf(s.outTradeNo)).toHaveLength(0); // refused before anything was created

  // The store topped up: retry — the same out_refund_no, the identical body.
  await row.getByRole("button", { name: "重试（同一退款单号）" }).click();
  await expect(box.getByRole("status")).toContainText(`退款单 ${refundNo}：退款中`);
  const atWechat = await fakeRefundsOf(s.outTradeNo);
  expect(atWechat.map((r) => r.out_refund_no)).toEqual([refundNo]);
  await fake(`/refunds/${refundNo}/result`, { status: "success" });
  await expect.poll(async () => (await getOrder(request, order.orderNo)).subOrders[1]!.refundedFen, { timeout: 20_000 }).toBe(s.amountFen);
  await page.reload();
  await expect(box.getByTestId(`refund-${refundNo}`).getByTestId("refund-status")).toHaveText("已退款");
});

test("ABNORMAL: the merchant sends the refund to its own bank account; the result completes it", async ({ page, request }) => {
  test.setTimeout(120_000);
  const order = await paidOrder(request);
  const s = order.subOrders[2]!;
  await signIn(page, `/admin/orders/${order.orderNo}`);
  const box = await refundInBackOffice(page, s.outTradeNo, "0.50");
  await expect(box.getByRole("status")).toContainText("已提交微信支付");
  const refundNo = /退款单 (R\w+)/.exec((await box.getByRole("status").textContent()) ?? "")![1]!;
  await fake(`/refunds/${refundNo}/result`, { status: "abnormal" });
  const row = box.getByTestId(`refund-${refundNo}`);
  await expect
    .poll(async () => (await page.reload(), await row.getByTestId("refund-status").textContent()), { timeout: 20_000 })
    .toBe("退款异常");
  await expect(row).toContainText("退至商户银行卡");

  page.once("dialog", (d) => void d.accept());
  await row.getByRole("button", { name: "退至商户银行卡" }).click();
  await expect(box.getByRole("status")).toContainText(`退款单 ${refundNo}：已申请退至商户银行卡`);
  await expect(row).toContainText("已申请退至商户银行卡，等待微信支付处理");
  await expect(row.getByRole("button", { name: "退至商户银行卡" })).toHaveCount(0);
  expect((await fakeRefundsOf(s.outTradeNo)).map((r) => [r.out_refund_no, r.status])).toEqual([[refundNo, "PROCESSING"]]);

  await fake(`/refunds/${refundNo}/result`, { status: "success" });
  await expect
    .poll(async () => (await page.reload(), await row.getByTestId("refund-status").textContent()), { timeout: 20_000 })
    .toBe("已退款");
  await expect(row).toContainText("商户银行账户");
});
