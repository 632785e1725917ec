// Paying inside WeChat with JSAPI (README "Paying inside WeChat (JSAPI)"), shared by the SQLite suite
// (wechat-jsapi.test.ts) and the PostgreSQL suite (postgres/wechat-jsapi.test.ts). The harness runs with JSAPI on and
// the fake as the 服务号's OAuth. Each test starts with an empty cookie jar and its own Idempotency-Keys; every store
// is JSAPI-ready unless a test says otherwise (and puts it back).
import { createVerify, randomUUID } from "node:crypto";
import fs from "node:fs";
import { expect, it } from "vitest";
import { checkoutBody, eventually, type Harness } from "./harness";
import { testKeyFiles, testKeys } from "../support/test-identity";
import { captureLogs } from "../support/logs";

export const WECHAT_IPHONE_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2b) NetType/WIFI Language/zh_CN";
const SAFARI_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
const CART = [
  { sku: "TEA-LJ-50", quantity: 1 },
  { sku: "BAK-TS-01", quantity: 2 },
];

type FakeRequest = { method: string; path: string; status: number };
type PayParams = { appId: string; timeStamp: string; nonceStr: string; package: string; signType: string; paySign: string };
type Answer = { code?: string; message?: string; authorizeUrl?: string; orderNo?: string; channel?: string; payParams?: PayParams };

async function calls(h: Harness, path: string): Promise<number> {
  return (await h.control<FakeRequest[]>("/requests")).filter((r) => r.method !== "GET" && r.path.startsWith(path)).length;
}
const jsapiPrepays = (h: Harness) => calls(h, "/v3/combine-transactions/jsapi");

function tap(h: Harness, key: string, opts: { ua?: string; body?: unknown } = {}) {
  return h.call("POST", "/api/checkout", {
    json: opts.body ?? checkoutBody(CART),
    headers: { "user-agent": opts.ua ?? WECHAT_IPHONE_UA, "idempotency-key": key },
  });
}

/** WeChat's authorize page (the fake, consent-less) answers with a redirect to our callback carrying code and state. */
async function wechatRedirect(authorizeUrl: string): Promise<URL> {
  expect(authorizeUrl.endsWith("#wechat_redirect")).toBe(true);
  const res = await fetch(authorizeUrl.replace(/#wechat_redirect$/, ""), {
    redirect: "manual",
    headers: { "user-agent": WECHAT_IPHONE_UA },
  });
  expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(300);
  return new URL(res.headers.get("location")!);
}

function callback(h: Harness, url: URL) {
  return h.call("GET", `${url.pathname}${url.search}`, { headers: { "user-agent": WECHAT_IPHONE_UA } });
}

/** The tap, WeChat's OAuth and our callback: the browser then holds the openid cookie. Returns the key used. */
async function signInByTap(h: Harness, key = randomUUID()): Promise<string> {
  const first = await tap(h, key);
  expect(first.status).toBe(409);
  const back = await callback(h, await wechatRedirect(((await first.json()) as Answer).authorizeUrl!));
  expect(back.status).toBe(303);
  return key;
}

function verifyPaySign(p: PayParams): boolean {
  const v = createVerify("RSA-SHA256");
  v.update(`${p.appId}\n${p.timeStamp}\n${p.nonceStr}\n${p.package}\n`);
  return v.verify(fs.readFileSync(testKeyFiles.merchantPublicKey, "utf8"), p.paySign, "base64");
}

export function wechatJsapiTests(harness: () => Harness) {
  const fresh = () => {
    const h = harness();
    h.cookies.clear();
    return h;
  };

  it("the tap asks WeChat who pays (snsapi_base, state cookie) and creates no order; back from WeChat the same request pays with JSAPI", async () => {
    const h = fresh();
    const orders = await h.prisma.order.count();
    const key = randomUUID();
    const first = await tap(h, key);
    expect(first.status).toBe(409);
    const auth = (await first.json()) as Answer;
    expect(auth.code).toBe("WECHAT_AUTH_REQUIRED");
    const redirectUri = encodeURIComponent(`${h.appUrl}/api/wechat/oauth/callback`);
    expect(auth.authorizeUrl).toMatch(
      new RegExp(
        `^${h.fakeUrl}/connect/oauth2/authorize\\?appid=${testKeys.mpAppid}&redirect_uri=${redirectUri.replace(/[.%]/g, "\\$&")}&response_type=code&scope=snsapi_base&state=[0-9A-Za-z]{32}#wechat_redirect$`,
      ),
    );
    const state = new URL(auth.authorizeUrl!.replace("#wechat_redirect", "")).searchParams.get("state");
    expect(first.headers.getSetCookie().join("\n")).toMatch(
      new RegExp(`^wx_oauth=${state}\\.[A-Za-z0-9_-]{43}; Path=/api/wechat/oauth/callback; Max-Age=600; HttpOnly; SameSite=Lax`, "m"),
    );
    expect(await h.prisma.order.count()).toBe(orders);

    const back = await callback(h, await wechatRedirect(auth.authorizeUrl!));
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe(`${h.appUrl}/?wxpay=continue`);
    const setCookies = back.headers.getSetCookie().join("\n");
    expect(setCookies).toMatch(/^wx_openid=v1\.o[0-9A-Za-z_-]{27}\.\d+\.[A-Za-z0-9_-]+; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax/m);
    expect(setCookies).toMatch(/^wx_oauth=; Path=\/api\/wechat\/oauth\/callback; Max-Age=0/m);
    // Only the openid is kept: the access_token appears nowhere in the answer.
    expect(setCookies).not.toMatch(/access_token|ACCESS/);

    const before = await jsapiPrepays(h);
    const paid = await tap(h, key);
    expect(paid.status).toBe(201);
    const body = (await paid.json()) as Answer & { expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(["channel", "expiresAt", "orderNo", "payParams"]);
    expect(body.channel).toBe("jsapi");
    const p = body.payParams!;
    expect(Object.keys(p).sort()).toEqual(["appId", "nonceStr", "package", "paySign", "signType", "timeStamp"]);
    expect(p.appId).toBe(testKeys.mpAppid);
    expect(p.signType).toBe("RSA");
    expect(p.timeStamp).toMatch(/^\d{10}$/);
    expect(p.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(p.package).toMatch(/^prepay_id=wx/);
    expect(verifyPaySign(p)).toBe(true);
    expect(await jsapiPrepays(h)).toBe(before + 1);
    const order = await h.prisma.order.findUniqueOrThrow({ where: { orderNo: body.orderNo! } });
    expect(order).toMatchObject({ payChannel: "JSAPI", combineAppid: testKeys.mpAppid, prepayState: "OK" });
    expect(order.payerOpenid).toMatch(/^o[0-9A-Za-z_-]{27}$/);
    expect(`prepay_id=${order.prepayId}`).toBe(p.package);
    expect(order.prepayIdExpiresAt!.getTime() - Date.now()).toBeGreaterThan(119 * 60_000);
    const atWechat = (await h.control<{ order: { channel: string; prepay_openid: string } }>(`/orders/${body.orderNo}`)).order;
    expect(atWechat).toMatchObject({ channel: "JSAPI", prepay_openid: order.payerOpenid });
  });

  it("the JSAPI prepay body: combine_appid the 服务号, the openid, the payer's IP and no h5_info; otherwise the H5 body", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const { orderNo } = (await (await tap(h, key)).json()) as Answer;
    const { buildJsapiPrepayRequest } = await import("@/lib/orders/jsapi-pay");
    const { buildPrepayRequest, loadOrder } = await import("@/lib/orders/pay-link");
    const order = (await loadOrder(orderNo!))!;
    const jsapi = buildJsapiPrepayRequest(order);
    const h5 = buildPrepayRequest(order);
    expect(jsapi).toEqual({
      combine_appid: testKeys.mpAppid,
      combine_mchid: testKeys.combineMchid,
      combine_out_trade_no: orderNo,
      scene_info: { payer_client_ip: order.payerIp },
      sub_orders: h5.sub_orders,
      combine_payer_info: { openid: order.payerOpenid },
      time_expire: h5.time_expire,
      notify_url: `${h.appUrl}/api/wechatpay/notify`,
    });
    expect(JSON.stringify(jsapi)).not.toContain("h5_info");
    for (const s of jsapi.sub_orders) {
      expect(s.mchid).toBe(testKeys.combineMchid);
      expect((s as { sub_mchid?: string }).sub_mchid).toMatch(/^\d+$/);
    }
  });

  it("a re-tap, and 继续支付, within the prepay_id's 2 hours make no WeChat call: the same prepay_id, signed afresh", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const first = (await (await tap(h, key)).json()) as Answer;
    const before = await jsapiPrepays(h);
    const again = (await (await tap(h, key)).json()) as Answer;
    expect(again.orderNo).toBe(first.orderNo);
    expect(again.payParams!.package).toBe(first.payParams!.package);
    expect(again.payParams!.nonceStr).not.toBe(first.payParams!.nonceStr);
    expect(verifyPaySign(again.payParams!)).toBe(true);
    const repay = await h.call("POST", `/api/orders/${first.orderNo}/pay`, { headers: { "user-agent": WECHAT_IPHONE_UA } });
    expect(repay.status).toBe(200);
    const r = (await repay.json()) as Answer;
    expect(r.channel).toBe("jsapi");
    expect(r.payParams!.package).toBe(first.payParams!.package);
    expect(await jsapiPrepays(h)).toBe(before);
  });

  it("a switch from JSAPI to H5 (重新支付 in a real browser) closes the attempt at WeChat first, then re-issues the order under a new number", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const { orderNo } = (await (await tap(h, key)).json()) as Answer;
    const old = await h.prisma.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: { include: { lines: true } } } });
    const stock = async () =>
      (await h.prisma.product.findMany({ where: { sku: { in: CART.map((c) => c.sku) } }, orderBy: { sku: "asc" } })).map((p) => p.stock);
    const stockBefore = await stock();
    const logBefore = (await h.control<FakeRequest[]>("/requests")).length;
    // Several taps at once: one close, one successor, one H5 prepay.
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => h.call("POST", `/api/orders/${orderNo}/pay`, { headers: { "user-agent": SAFARI_UA } })),
    );
    const bodies = (await Promise.all(replies.map((r) => r.json()))) as (Answer & { payUrl?: string })[];
    for (const [i, r] of replies.entries()) expect([200, 429], JSON.stringify(bodies[i])).toContain(r.status);
    const successors = new Set(bodies.map((b) => b.orderNo).filter(Boolean));
    expect(successors.size).toBe(1);
    const newNo = [...successors][0]!;
    expect(newNo).not.toBe(orderNo);
    expect(bodies.find((b) => b.payUrl)!.payUrl).toContain(encodeURIComponent(`/orders/${newNo}`));

    // At WeChat: the old number closed before anything was prepaid for the new one.
    const log = (await h.control<FakeRequest[]>("/requests")).slice(logBefore).filter((r) => r.method === "POST");
    const closeAt = log.findIndex((r) => r.path === `/v3/combine-transactions/out-trade-no/${orderNo}/close`);
    const prepayAt = log.findIndex((r) => r.path === "/v3/combine-transactions/h5");
    expect(closeAt).toBeGreaterThanOrEqual(0);
    expect(prepayAt).toBeGreaterThan(closeAt);
    expect(log.filter((r) => r.path.endsWith("/close"))).toHaveLength(1);
    expect(log.filter((r) => r.path === "/v3/combine-transactions/h5")).toHaveLength(1);

    expect(await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).toMatchObject({
      status: "CLOSED",
      closeReason: "CHANNEL_SWITCH",
      payChannel: "JSAPI",
    });
    const next = await h.prisma.order.findUniqueOrThrow({
      where: { orderNo: newNo },
      include: { subOrders: { include: { lines: true } } },
    });
    expect(next).toMatchObject({
      status: "PENDING",
      payChannel: "H5",
      payerOpenid: null,
      combineAppid: testKeys.combineAppid,
      totalFen: old.totalFen,
      expiresAt: old.expiresAt,
      buyerIdHash: old.buyerIdHash,
      contactPhone: old.contactPhone,
    });
    const shape = (o: typeof old) =>
      o.subOrders.map((s) => [s.position, s.storeId, s.amountFen, s.lines.map((l) => [l.sku, l.quantity, l.amountFen])]);
    expect(shape(next)).toEqual(shape(old));
    // The stock moved from the old order to the new one: nothing sold twice, nothing lost.
    expect(await stock()).toEqual(stockBefore);
    const audit = await h.prisma.paymentEvent.findMany({ where: { orderNo, source: "CLOSE" } });
    expect(audit.some((e) => e.reason === `CHANNEL_SWITCH: re-issued as ${newNo} (H5)`)).toBe(true);
  });

  it("another app's webview cannot re-pay a JSAPI order: refused before any WeChat call", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const { orderNo } = (await (await tap(h, key)).json()) as Answer;
    const calls = (await h.control<FakeRequest[]>("/requests")).length;
    const alipay =
      "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/20B82 Ariver/1.1.0 AliApp(AP/10.3.10.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.3.10.6000 Language/zh-Hans Region/CN NebulaX/1.0.0";
    const res = await h.call("POST", `/api/orders/${orderNo}/pay`, { headers: { "user-agent": alipay } });
    expect(res.status).toBe(409);
    expect(((await res.json()) as Answer).code).toBe("PAY_CHANNEL_MISMATCH");
    expect((await h.control<FakeRequest[]>("/requests")).length).toBe(calls);
  });

  it("a switch from H5 to JSAPI (重新支付 inside WeChat, payer known) closes the H5 attempt first and pays the re-issued order with JSAPI", async () => {
    const h = fresh();
    await signInByTap(h); // the openid cookie
    const created = await tap(h, randomUUID(), { ua: SAFARI_UA });
    expect(created.status).toBe(201);
    const { orderNo } = (await created.json()) as Answer;
    const res = await h.call("POST", `/api/orders/${orderNo}/pay`, { headers: { "user-agent": WECHAT_IPHONE_UA } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Answer;
    expect(body.channel).toBe("jsapi");
    expect(body.orderNo).not.toBe(orderNo);
    expect(verifyPaySign(body.payParams!)).toBe(true);
    expect(await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).toMatchObject({
      status: "CLOSED",
      closeReason: "CHANNEL_SWITCH",
    });
    expect(await h.prisma.order.findUniqueOrThrow({ where: { orderNo: body.orderNo! } })).toMatchObject({
      payChannel: "JSAPI",
      combineAppid: testKeys.mpAppid,
      prepayState: "OK",
    });
    expect((await h.control<{ order: { status: string } }>(`/orders/${orderNo}`)).order.status).toMatch(/CLOSED/);
  });

  it("the result page pays through WeChat's cashier for a JSAPI order in WeChat, and for an unpaid H5 order there once the payer is known", async () => {
    const h = fresh();
    const { paysInWechat } = await import("@/lib/in-app/repay");
    const key = await signInByTap(h);
    const cookie = [...h.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const { orderNo: jsapiNo } = (await (await tap(h, key)).json()) as Answer;
    expect(await paysInWechat(jsapiNo!, "PENDING", WECHAT_IPHONE_UA, null)).toBe(true);
    expect(await paysInWechat(jsapiNo!, "PENDING", SAFARI_UA, cookie)).toBe(false);
    const { orderNo: h5No } = (await (await tap(h, randomUUID(), { ua: SAFARI_UA })).json()) as Answer;
    expect(await paysInWechat(h5No!, "PENDING", WECHAT_IPHONE_UA, cookie)).toBe(true);
    expect(await paysInWechat(h5No!, "PENDING", WECHAT_IPHONE_UA, null)).toBe(false); // payer unknown: the guide, as before
    expect(await paysInWechat(h5No!, "PAID", WECHAT_IPHONE_UA, cookie)).toBe(false);
    await h.prisma.store.update({ where: { id: "chayu" }, data: { jsapiEnabled: false } });
    try {
      expect(await paysInWechat(h5No!, "PENDING", WECHAT_IPHONE_UA, cookie)).toBe(false);
    } finally {
      await h.prisma.store.update({ where: { id: "chayu" }, data: { jsapiEnabled: true } });
    }
  });

  it("20 concurrent taps with one key: one order, one JSAPI prepay", async () => {
    const h = fresh();
    await signInByTap(h);
    const key = randomUUID();
    const before = await jsapiPrepays(h);
    const orders = await h.prisma.order.count();
    const replies = await Promise.all(Array.from({ length: 20 }, () => tap(h, key)));
    const bodies = (await Promise.all(replies.map((r) => r.json()))) as Answer[];
    const ok = bodies.filter((_, i) => replies[i]!.status === 201);
    // A loser of the prepay lease either got the winner's prepay_id or was told to retry; never another order or call.
    for (const [i, r] of replies.entries()) expect([201, 429], JSON.stringify(bodies[i])).toContain(r.status);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(bodies.map((b) => b.orderNo).filter(Boolean)).size).toBe(1);
    expect(new Set(ok.map((b) => b.payParams!.package)).size).toBe(1);
    expect(await h.prisma.order.count()).toBe(orders + 1);
    expect(await jsapiPrepays(h)).toBe(before + 1);
  });

  it("a payment notification naming another payer than the order's openid is audited, and the payment still applies", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const { orderNo } = (await (await tap(h, key)).json()) as Answer;
    // As if the order had been prepaid for someone else: WeChat's notification names the real payer.
    await h.prisma.order.update({ where: { orderNo }, data: { payerOpenid: "oSomebodyElse0000000000000000" } });
    await h.control(`/orders/${orderNo}/pay`, {});
    const order = await eventually(async () => {
      const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo } });
      return o.status === "PAID" ? o : undefined;
    });
    expect(order.status).toBe("PAID");
    const events = await h.prisma.paymentEvent.findMany({ where: { orderNo, source: "NOTIFY" } });
    expect(events.filter((e) => e.reason?.startsWith("PAYER_MISMATCH"))).toHaveLength(1);
    expect(events.some((e) => e.outcome === "APPLIED")).toBe(true);
    // The openids stay out of the audit trail.
    expect(JSON.stringify(events)).not.toContain("oSomebodyElse");
  });

  it("a payment by the order's own payer leaves no payer audit row", async () => {
    const h = fresh();
    const key = await signInByTap(h);
    const { orderNo } = (await (await tap(h, key)).json()) as Answer;
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await h.prisma.order.findUniqueOrThrow({ where: { orderNo } })).status === "PAID");
    const events = await h.prisma.paymentEvent.findMany({ where: { orderNo } });
    expect(events.filter((e) => e.reason?.startsWith("PAYER_MISMATCH"))).toEqual([]);
  });

  it("WeChat refusing the openid (appid与openid不匹配) restarts the OAuth once; the same key then pays the same order", async () => {
    const h = fresh();
    // A signed cookie for an openid minted under no appid of ours: the prepay is refused by WeChat.
    const { openidCookie } = await import("@/lib/in-app/wechat-oauth");
    h.cookies.set("wx_openid", /^wx_openid=([^;]+)/.exec(openidCookie("oNotMintedForThisAppid000000"))![1]!);
    const key = randomUUID();
    const refused = await tap(h, key);
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as Answer & { restart?: boolean };
    expect(body).toMatchObject({ code: "WECHAT_AUTH_REQUIRED", restart: true });
    expect(body.message).toMatch(/不匹配/);
    expect(h.cookies.has("wx_openid")).toBe(false);
    const order = await h.prisma.order.findFirstOrThrow({ where: { checkoutKey: key } });
    expect(order).toMatchObject({ payerOpenid: null, prepayState: "FAILED" });

    const back = await callback(h, await wechatRedirect(body.authorizeUrl!));
    expect(back.status).toBe(303);
    const paid = await tap(h, key);
    expect(paid.status).toBe(201);
    expect(((await paid.json()) as Answer).orderNo).toBe(order.orderNo);
  });

  it("a store not JSAPI-ready sends the cart to the open-in-browser guide, as before JSAPI existed", async () => {
    const h = fresh();
    await h.prisma.store.update({ where: { id: "chayu" }, data: { jsapiEnabled: false } });
    try {
      const before = [await h.prisma.order.count(), await jsapiPrepays(h)];
      const res = await tap(h, randomUUID());
      expect(res.status).toBe(409);
      expect(((await res.json()) as Answer).code).toBe("OPEN_IN_BROWSER");
      expect([await h.prisma.order.count(), await jsapiPrepays(h)]).toEqual(before);
    } finally {
      await h.prisma.store.update({ where: { id: "chayu" }, data: { jsapiEnabled: true } });
    }
  });

  it("a mini-program web-view and WeCom get the guide even with JSAPI on", async () => {
    const h = fresh();
    for (const ua of [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI Language/zh_CN miniProgram/wx3f1ac0d3c4f1e2b8",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light",
    ]) {
      const res = await tap(h, randomUUID(), { ua });
      expect(res.status).toBe(409);
      expect(((await res.json()) as Answer).code).toBe("OPEN_IN_BROWSER");
    }
  });

  it("nothing secret reaches the logs: not the AppSecret, the OAuth code, the openid cookie or the paySign", async () => {
    const h = fresh();
    const logs = captureLogs();
    try {
      const key = randomUUID();
      const first = (await (await tap(h, key)).json()) as Answer;
      const redirect = await wechatRedirect(first.authorizeUrl!);
      // A failed exchange logs its errcode: still without the code or the secret.
      await h.control("/faults", { target: "oauth", kind: "invalid_code" });
      expect((await callback(h, redirect)).status).toBe(400);
      h.cookies.clear();
      const again = await signInByTap(h);
      const paid = (await (await tap(h, again)).json()) as Answer;
      const text = logs.text();
      expect(text).not.toContain(testKeys.mpAppSecret);
      expect(text).not.toContain(redirect.searchParams.get("code")!);
      expect(text).not.toContain(h.cookies.get("wx_openid")!);
      expect(text).not.toContain(paid.payParams!.paySign);
      const openid = (await h.prisma.order.findUniqueOrThrow({ where: { orderNo: paid.orderNo! } })).payerOpenid!;
      expect(text).not.toContain(openid);
    } finally {
      logs.stop();
    }
  });

  // --- Every OAuth failure: a 4xx page with a retry button, no order, no prepay ---

  async function expectFailurePage(h: Harness, res: Response, failure: string, status = 400) {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain(`data-failure="${failure}"`);
    expect(html).toContain('href="/?wxpay=retry"');
    expect(html).not.toMatch(/<script/i);
    expect(h.cookies.has("wx_openid")).toBe(false);
  }

  async function startAuth(h: Harness): Promise<URL> {
    const res = await tap(h, randomUUID());
    return wechatRedirect(((await res.json()) as Answer).authorizeUrl!);
  }

  it("OAuth failures: no state cookie, another state, a reused state, an expired state → 400 page, no order", async () => {
    const h = fresh();
    const before = [await h.prisma.order.count(), await jsapiPrepays(h)];

    const url = await startAuth(h);
    const saved = h.cookies.get("wx_oauth")!;
    h.cookies.delete("wx_oauth");
    await expectFailurePage(h, await callback(h, url), "STATE_MISSING");

    h.cookies.set("wx_oauth", saved);
    const forged = new URL(url);
    forged.searchParams.set("state", "A".repeat(32));
    await expectFailurePage(h, await callback(h, forged), "STATE_MISMATCH");

    // The state is single use: once consumed, the same callback (or a replay of it) is refused.
    h.cookies.set("wx_oauth", saved);
    expect((await callback(h, url)).status).toBe(303);
    h.cookies.delete("wx_openid");
    h.cookies.set("wx_oauth", saved);
    await expectFailurePage(h, await callback(h, url), "STATE_USED_OR_EXPIRED");

    // Older than 10 minutes: expired, decided by the database.
    h.cookies.clear();
    const late = await startAuth(h);
    const token = h.cookies.get("wx_oauth")!.split(".")[1]!;
    const { hashDraftToken } = await import("@/lib/in-app/cart-drafts");
    await h.prisma.cartDraft.update({
      where: { tokenHash: hashDraftToken(token) },
      data: { createdAt: new Date(Date.now() - 11 * 60_000) },
    });
    await expectFailurePage(h, await callback(h, late), "STATE_USED_OR_EXPIRED");

    // Only the successful callback made an order possible; none was created by any of these.
    expect([await h.prisma.order.count(), await jsapiPrepays(h)]).toEqual(before);
  });

  it("OAuth failures: WeChat errcode (40029, 40163), a snapshot-page user, no code → 400 page, no order", async () => {
    const h = fresh();
    const before = [await h.prisma.order.count(), await jsapiPrepays(h)];
    for (const [fault, failure] of [
      ["invalid_code", "EXCHANGE_FAILED"],
      ["code_used", "EXCHANGE_FAILED"],
      ["snapshot_user", "SNAPSHOT_USER"],
    ] as const) {
      h.cookies.clear();
      const url = await startAuth(h);
      await h.control("/faults", { target: "oauth", kind: fault });
      await expectFailurePage(h, await callback(h, url), failure);
    }
    h.cookies.clear();
    const url = await startAuth(h);
    url.searchParams.delete("code");
    await expectFailurePage(h, await callback(h, url), "NO_CODE");
    expect([await h.prisma.order.count(), await jsapiPrepays(h)]).toEqual(before);
  });

  it("a forged or expired openid cookie counts as none: the tap asks WeChat again", async () => {
    const h = fresh();
    h.cookies.set("wx_openid", "v1.oForged000000000000000000000.9999999999.bad");
    expect(((await (await tap(h, randomUUID())).json()) as Answer).code).toBe("WECHAT_AUTH_REQUIRED");
    const { openidCookie } = await import("@/lib/in-app/wechat-oauth");
    const old = /^wx_openid=([^;]+)/.exec(openidCookie("o".padEnd(28, "x"), Date.now() - 8 * 24 * 3600_000))![1]!;
    h.cookies.set("wx_openid", old);
    expect(((await (await tap(h, randomUUID())).json()) as Answer).code).toBe("WECHAT_AUTH_REQUIRED");
  });
}

/** Every seeded store JSAPI-ready (the suites' starting point). */
export async function allStoresJsapiReady(h: Harness) {
  await h.prisma.store.updateMany({ data: { jsapiEnabled: true } });
}
