// The JSAPI prepay body per mode (lib/orders/jsapi-pay.ts), built only from the stored order: partner mode names the
// provider as every sub-order's mchid and the store as sub_mchid; direct mode the store's own mchid and no sub_mchid.
// Always the 服务号 as combine_appid, the openid, the payer's IP and no h5_info; everything else as H5.
import { beforeAll, describe, expect, it, vi } from "vitest";

let jsapi: typeof import("@/lib/orders/jsapi-pay");
let h5: typeof import("@/lib/orders/pay-link");
beforeAll(async () => {
  vi.stubEnv("WECHAT_JSAPI_ENABLED", "true");
  jsapi = await import("@/lib/orders/jsapi-pay");
  h5 = await import("@/lib/orders/pay-link");
});

function order(mode: "partner" | "direct") {
  const partner = mode === "partner";
  const sub = (position: number, store: string) => ({
    outTradeNo: `C2612071200000000ABCD-${position}`,
    position,
    mchid: partner ? "1900000109" : `19000003${position}0`,
    subMchid: partner ? `19000002${position}0` : null,
    amountFen: 1290 * position,
    description: `${store}-乌龙`,
    attach: `store:${store}`,
  });
  return {
    orderNo: "C2612071200000000ABCD",
    combineAppid: "wx5f3a9c1e7b2d4068",
    combineMchid: "1900000109",
    payerIp: "14.17.22.32",
    payerOpenid: "oAbCdEfGhIjKlMnOpQrStUvWxYz0",
    expiresAt: new Date("2026-12-07T04:15:00Z"),
    subOrders: [sub(1, "chayu"), sub(2, "mumu")],
  } as unknown as Parameters<typeof jsapi.buildJsapiPrepayRequest>[0];
}

describe("JSAPI prepay body", () => {
  it.each(["partner", "direct"] as const)("%s mode: the H5 body's sub-orders and time_expire, the openid, no h5_info", (mode) => {
    const o = order(mode);
    const body = jsapi.buildJsapiPrepayRequest(o);
    const h5Body = h5.buildPrepayRequest(o);
    expect(body).toEqual({
      combine_appid: "wx5f3a9c1e7b2d4068",
      combine_mchid: "1900000109",
      combine_out_trade_no: "C2612071200000000ABCD",
      scene_info: { payer_client_ip: "14.17.22.32" },
      sub_orders: h5Body.sub_orders,
      combine_payer_info: { openid: "oAbCdEfGhIjKlMnOpQrStUvWxYz0" },
      time_expire: "2026-12-07T12:15:00+08:00",
      notify_url: h5Body.notify_url,
    });
    for (const s of body.sub_orders as { mchid: string; sub_mchid?: string }[]) {
      if (mode === "partner") expect(s).toMatchObject({ mchid: "1900000109", sub_mchid: expect.stringMatching(/^19000002/) });
      else expect(s.sub_mchid).toBeUndefined();
    }
  });

  it("refuses to build a body without the payer's openid", () => {
    expect(() => jsapi.buildJsapiPrepayRequest({ ...order("partner"), payerOpenid: null })).toThrow(/no payer openid/);
  });
});
