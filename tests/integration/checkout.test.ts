import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutBody, startHarness, type Harness } from "./harness";
import { deliveryCheckoutTests } from "./delivery-checkout";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "checkout" });
});
afterAll(() => h.close());

const threeStores = checkoutBody([
  { sku: "TEA-LJ-50", quantity: 2 },
  { sku: "BAK-TS-01", quantity: 1 },
  { sku: "STA-PEN-3", quantity: 3 },
]);
const orderCount = () => h.prisma.order.count();

async function expectRejected(res: Response, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  const body = (await res.json()) as { code: string; message: string };
  expect(typeof body.message).toBe("string");
  if (code) expect(body.code).toBe(code);
  return body;
}

describe("POST /api/checkout", () => {
  it("creates one sub-order per store with catalogue prices and answers 201 with the pay URL", async () => {
    const res = await h.call("POST", "/api/checkout", { json: threeStores });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { orderNo: string; payUrl: string; expiresAt: string };
    expect(body.orderNo).toMatch(/^[0-9A-Za-z_\-|*]{6,32}$/);
    const [h5Url, redirect] = body.payUrl.split("&redirect_url=");
    expect(h5Url).toMatch(new RegExp(`^${h.fakeUrl}/cgi-bin/mmpayweb-bin/checkmweb\\?prepay_id=`));
    expect(decodeURIComponent(redirect!)).toBe(`${h.appUrl}/orders/${body.orderNo}`);
    const ms = Date.parse(body.expiresAt) - Date.now();
    expect(ms).toBeGreaterThan(14 * 60_000);
    expect(ms).toBeLessThanOrEqual(15 * 60_000);

    const order = await h.prisma.order.findUniqueOrThrow({
      where: { orderNo: body.orderNo },
      include: { subOrders: { orderBy: { position: "asc" }, include: { lines: true } } },
    });
    expect(order.status).toBe("PENDING");
    expect(order.prepayState).toBe("OK");
    expect(order.subOrders.map((s) => [s.storeId, s.amountFen, s.subMchid])).toEqual([
      ["chayu", 13600, "1900000201"],
      ["xiangxiang", 1880, "1900000202"],
      ["mumu", 3690 + 600, "1900000203"], // ¥6.00 shipping: under the ¥49.00 free-shipping threshold
    ]);
    expect(order.totalFen).toBe(13600 + 3690 + 600 + 1880);
    expect(order.subOrders.every((s) => s.mchid === order.combineMchid)).toBe(true);
  });

  it("cannot be given prices by the client", async () => {
    const before = await orderCount();
    await expectRejected(
      await h.call("POST", "/api/checkout", { json: checkoutBody([{ sku: "TEA-LJ-50", quantity: 1, priceFen: 1 } as never]) }),
      400,
      "INVALID_REQUEST",
    );
    await expectRejected(await h.call("POST", "/api/checkout", { json: { ...threeStores, totalFen: 1 } }), 400, "INVALID_REQUEST");
    expect(await orderCount()).toBe(before);
  });

  it.each([
    ["unknown sku", { items: [{ sku: "NOPE-404", quantity: 1 }] }, "UNKNOWN_SKU"],
    ["quantity 0", { items: [{ sku: "TEA-LJ-50", quantity: 0 }] }, "INVALID_REQUEST"],
    ["quantity 10,000", { items: [{ sku: "TEA-LJ-50", quantity: 10_000 }] }, "INVALID_REQUEST"],
    ["negative quantity", { items: [{ sku: "TEA-LJ-50", quantity: -1 }] }, "INVALID_REQUEST"],
    ["fractional quantity", { items: [{ sku: "TEA-LJ-50", quantity: 1.5 }] }, "INVALID_REQUEST"],
    ["quantity as string", { items: [{ sku: "TEA-LJ-50", quantity: "2" }] }, "INVALID_REQUEST"],
    ["empty cart", { items: [] }, "INVALID_REQUEST"],
    ["no items", { items: undefined }, "INVALID_REQUEST"],
    ["array body", [], "INVALID_REQUEST"],
    [
      "sum of duplicate lines over 99",
      {
        items: [
          { sku: "TEA-LJ-50", quantity: 60 },
          { sku: "TEA-LJ-50", quantity: 60 },
        ],
      },
      "INVALID_REQUEST",
    ],
  ])("rejects %s with a 4xx JSON error and no order row", async (_name, json, code) => {
    const before = await orderCount();
    await expectRejected(
      await h.call("POST", "/api/checkout", { json: Array.isArray(json) ? json : { ...checkoutBody([]), ...json } }),
      400,
      code,
    );
    expect(await orderCount()).toBe(before);
  });

  it("rejects malformed JSON and non-JSON bodies", async () => {
    const before = await orderCount();
    await expectRejected(
      await h.call("POST", "/api/checkout", { body: '{"items":[', headers: { "content-type": "application/json" } }),
      400,
      "INVALID_JSON",
    );
    await expectRejected(
      await h.call("POST", "/api/checkout", { body: "items=1", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
    );
    expect(await orderCount()).toBe(before);
  });

  it("rejects a foreign or missing Origin (official H5 combine rule) and never grants CORS", async () => {
    const before = await orderCount();
    await expectRejected(
      await h.call("POST", "/api/checkout", { json: threeStores, headers: { origin: "https://evil.example" } }),
      403,
      "ORIGIN_NOT_ALLOWED",
    );
    const noOrigin = await h.call("POST", "/api/checkout", { json: threeStores, headers: { origin: "" } });
    expect(noOrigin.status).toBe(403);
    const preflight = await h.call("OPTIONS", "/api/checkout", { headers: { origin: "https://evil.example" } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(await orderCount()).toBe(before);
  });

  it("turns a double tap (same Idempotency-Key, concurrently) into one order", async () => {
    const before = await orderCount();
    const headers = { "idempotency-key": "tap-0123456789abcdef" };
    const [a, b] = await Promise.all([
      h.call("POST", "/api/checkout", { json: threeStores, headers }),
      h.call("POST", "/api/checkout", { json: threeStores, headers }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const [ja, jb] = (await Promise.all([a.json(), b.json()])) as { orderNo: string }[];
    expect(ja!.orderNo).toBe(jb!.orderNo);
    expect(await orderCount()).toBe(before + 1);
  });

  describe("contact and delivery", () => {
    deliveryCheckoutTests(() => h);
  });

  it("answers 502 when WeChat fails, keeps the order retryable, and a retry with the same key succeeds", async () => {
    await h.control("/faults", { target: "api", kind: "system_error", count: 10, path: "/v3/combine-transactions/h5" });
    const headers = { "idempotency-key": "retry-0123456789abcdef" };
    const first = await h.call("POST", "/api/checkout", { json: threeStores, headers });
    const err = await expectRejected(first, 502, "WECHATPAY_UNAVAILABLE");
    expect(err.message).toMatch(/微信支付/);
    const failed = await h.prisma.order.findFirstOrThrow({ where: { checkoutKey: headers["idempotency-key"] } });
    expect(failed.status).toBe("PENDING");
    expect(failed.prepayState).toBe("FAILED");

    await h.control("/faults", undefined, "DELETE");
    const retry = await h.call("POST", "/api/checkout", { json: threeStores, headers });
    expect(retry.status).toBe(201);
    expect(((await retry.json()) as { orderNo: string }).orderNo).toBe(failed.orderNo);
  });
});
