// The typed client (lib/wechatpay) against the local fake WeChat Pay, end to end and in each of the
// fake's signing modes: prepay → pay (control API) → the notification received over HTTP and
// verified + decrypted by the client → query → close of another order → bill apply + download + hash.
import http from "node:http";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildJsapiPayParams,
  buildOauthAuthorizeUrl,
  createWechatPayClient,
  deriveCombineState,
  exchangeOauthCode,
  WechatPayBillHashError,
  WechatPayJsapiPayerError,
  type CombineNotification,
  type WechatPayClient,
} from "@/lib/wechatpay";
import { fakeControl } from "../fake-wechatpay/control-client";
import { startFakeWechatPay } from "../fake-wechatpay/server";
import { testApiV3Key, testKeyFiles, testKeys } from "../support/test-identity";
import { eventually } from "./harness";

const MODES = [
  { fake: "public-key", client: { publicKey: true, certificates: false } },
  { fake: "certificate", client: { publicKey: false, certificates: true } },
  { fake: "migration", client: { publicKey: true, certificates: true } },
] as const;

let seq = 0;
const orderNo = () => `CT${Date.now()}${String(++seq).padStart(3, "0")}`.slice(0, 32);

describe.each(MODES)("client ↔ fake in $fake mode", ({ fake: verifyMode, client: use }) => {
  let fake: Awaited<ReturnType<typeof startFakeWechatPay>>;
  let client: WechatPayClient;
  let receiver: http.Server;
  let notifyUrl: string;
  const received: { notification?: CombineNotification; error?: unknown }[] = [];

  beforeAll(async () => {
    receiver = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        received.push({ notification: await client.parseNotification(headers, Buffer.concat(chunks).toString("utf8")) });
        res.writeHead(204).end();
      } catch (error) {
        received.push({ error });
        res.writeHead(401, { "content-type": "application/json" }).end('{"code":"FAIL","message":"verification failed"}');
      }
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
    fake = await startFakeWechatPay({ port: 0, verifyMode, notifyTimeScale: 0.001 });
    client = createWechatPayClient({
      baseUrl: fake.url,
      mchid: testKeys.combineMchid,
      merchantSerialNo: testKeys.merchantSerialNo,
      merchantPrivateKey: fs.readFileSync(testKeyFiles.merchantPrivateKey, "utf8"),
      apiV3Key: testApiV3Key,
      publicKey: use.publicKey
        ? { id: testKeys.wechatpayPublicKeyId, key: fs.readFileSync(testKeyFiles.wechatpayPublicKey, "utf8") }
        : undefined,
      platformCertificates: use.certificates ? { enabled: true } : undefined,
      retry: { maxAttempts: 2, baseDelayMs: 5 },
    });
  });
  afterAll(async () => {
    await fake.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const prepay = (no: string) =>
    client.combineH5Prepay({
      combine_appid: testKeys.combineAppid,
      combine_mchid: testKeys.combineMchid,
      combine_out_trade_no: no,
      scene_info: { payer_client_ip: "203.0.113.7", device_id: "H5WEB01", h5_info: { type: "Wap" } },
      sub_orders: testKeys.subMerchants.slice(0, 2).map((m, i) => ({
        mchid: testKeys.combineMchid,
        sub_mchid: m.subMchid,
        attach: `store:${m.storeId}`,
        amount: { total_amount: 1230 * (i + 1), currency: "CNY" as const },
        out_trade_no: `${no}-${i + 1}`,
        description: `测试店铺${i + 1}-商品`,
      })),
      notify_url: notifyUrl,
    });

  it("prepay → pay → verified, decrypted notification → query → close another → bill with hash check", async () => {
    const paid = orderNo();
    const { h5_url, requestId } = await prepay(paid);
    expect(h5_url).toContain("/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=");
    expect(requestId).toBeTruthy();

    await fakeControl(fake.url, `/orders/${paid}/pay`, {});
    const got = await eventually(async () =>
      received.find(
        (r) => r.notification?.resource && (r.notification.resource as { combine_out_trade_no?: string }).combine_out_trade_no === paid,
      ),
    );
    const n = got.notification!;
    expect(n.kind).toBe("combine_transaction");
    if (n.kind !== "combine_transaction") return;
    expect(n.resource.sub_orders?.map((s) => [s.out_trade_no, s.trade_state, s.amount.total_amount, s.trade_type])).toEqual([
      [`${paid}-1`, "SUCCESS", 1230, "MWEB"],
      [`${paid}-2`, "SUCCESS", 2460, "MWEB"],
    ]);
    expect(received.filter((r) => r.error)).toHaveLength(0);

    const q = await client.combineQuery(paid);
    expect(deriveCombineState(q.sub_orders)).toBe("paid");
    expect(q.sub_orders?.every((s) => /^\d{28,32}$/.test(s.transaction_id ?? ""))).toBe(true);

    const other = orderNo();
    await prepay(other);
    expect(deriveCombineState((await client.combineQuery(other)).sub_orders)).toBe("pending");
    const closeBody = {
      combine_appid: testKeys.combineAppid,
      sub_orders: testKeys.subMerchants
        .slice(0, 2)
        .map((m, i) => ({ mchid: testKeys.combineMchid, sub_mchid: m.subMchid, out_trade_no: `${other}-${i + 1}` })),
    };
    expect(await client.combineClose(other, closeBody)).toMatchObject({ alreadyClosed: false });
    expect(await client.combineClose(other, closeBody)).toMatchObject({ alreadyClosed: true });
    expect(deriveCombineState((await client.combineQuery(other)).sub_orders)).toBe("closed");

    // The bill for a day exists from 10:00 the next morning (Beijing time).
    await fakeControl(fake.url, "/clock", { advanceSeconds: 36 * 3600 });
    const successDay = q.sub_orders![0]!.success_time!.slice(0, 10);
    const bill = await client.applyTradeBill({ bill_date: successDay, bill_type: "ALL", tar_type: "GZIP" });
    expect(bill.hash_type).toBe("SHA1");
    const text = (await client.downloadBill(bill, { tarType: "GZIP" })).toString("utf8");
    expect(text).toContain(`\`${paid}-1`);
    expect(text).toContain(`\`${paid}-2`);

    await fakeControl(fake.url, "/bills/overrides", { tamperNextDownload: true });
    const again = await client.applyTradeBill({ bill_date: successDay, bill_type: "ALL", tar_type: "GZIP" });
    await expect(client.downloadBill(again, { tarType: "GZIP" })).rejects.toBeInstanceOf(WechatPayBillHashError);
  });
  it("JSAPI: OAuth → openid → JSAPI prepay → paySign accepted by the bridge → notification and query say JSAPI, payer openid", async () => {
    const WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI";
    const authorize = buildOauthAuthorizeUrl({
      openBaseUrl: fake.url,
      appId: testKeys.mpAppid,
      redirectUri: "http://localhost:3000/api/wechat/oauth/callback",
      state: "S7ate",
    });
    const redirect = await fetch(authorize, { redirect: "manual", headers: { "User-Agent": WECHAT_UA } });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get("location")!);
    expect(back.searchParams.get("state")).toBe("S7ate");
    const { openid, isSnapshotUser } = await exchangeOauthCode({
      apiBaseUrl: fake.url,
      appId: testKeys.mpAppid,
      secret: testKeys.mpAppSecret,
      code: back.searchParams.get("code")!,
    });
    expect(isSnapshotUser).toBe(false);

    const no = orderNo();
    const subOrders = testKeys.subMerchants.slice(0, 2).map((m, i) => ({
      mchid: testKeys.combineMchid,
      sub_mchid: m.subMchid,
      attach: `store:${m.storeId}`,
      amount: { total_amount: 500 + i, currency: "CNY" as const },
      out_trade_no: `${no}-${i + 1}`,
      description: `测试店铺${i + 1}-商品`,
    }));
    const jsapi = (appid: string, number: string, payer: string) =>
      client.combineJsapiPrepay({
        combine_appid: appid,
        combine_mchid: testKeys.combineMchid,
        combine_out_trade_no: number,
        scene_info: { payer_client_ip: "203.0.113.7" },
        sub_orders: subOrders.map((s) => ({ ...s, out_trade_no: s.out_trade_no.replace(no, number) })),
        combine_payer_info: { openid: payer },
        notify_url: notifyUrl,
      });

    // an openid that was not obtained under combine_appid, and an appid that is not the 服务号
    const foreign = await jsapi(testKeys.mpAppid, orderNo(), "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o").catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(WechatPayJsapiPayerError);
    expect(foreign).toMatchObject({ problem: "OPENID_APPID_MISMATCH", reauthorize: true });
    const h5Appid = await jsapi(testKeys.combineAppid, orderNo(), openid).catch((e: unknown) => e);
    expect(h5Appid).toMatchObject({ problem: "APPID_MCHID_NOT_MATCH", reauthorize: false });

    const { prepay_id } = await jsapi(testKeys.mpAppid, no, openid);
    const params = buildJsapiPayParams({
      appId: testKeys.mpAppid,
      prepayId: prepay_id,
      privateKeyPem: fs.readFileSync(testKeyFiles.merchantPrivateKey, "utf8"),
    });
    const confirm = await fetch(`${fake.url}/jsapi/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "User-Agent": WECHAT_UA, Origin: "http://localhost:3000" },
      body: JSON.stringify({ params, action: "pay" }),
    });
    expect(await confirm.json()).toEqual({ ok: true, err_msg: "get_brand_wcpay_request:ok" });

    const got = await eventually(async () =>
      received.find(
        (r) => r.notification?.resource && (r.notification.resource as { combine_out_trade_no?: string }).combine_out_trade_no === no,
      ),
    );
    const n = got.notification!;
    if (n.kind !== "combine_transaction") throw new Error(`unexpected ${n.kind}`);
    expect(n.resource.combine_payer_info?.openid).toBe(openid);
    expect(n.resource.sub_orders?.map((s) => s.trade_type)).toEqual(["JSAPI", "JSAPI"]);
    const q = await client.combineQuery(no);
    expect(deriveCombineState(q.sub_orders)).toBe("paid");
    expect(q.combine_appid).toBe(testKeys.mpAppid);
    expect(q.combine_payer_info?.openid).toBe(openid);
  });
});
