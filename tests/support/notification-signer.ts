// Builds WeChat-style payment notifications with plain node:crypto (independent of lib/wechatpay),
// signed with the TEST WeChat Pay key and encrypted with the TEST APIv3 key.
import { createCipheriv, createSign, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import { testApiV3Key, testKeyFiles, testKeys } from "./test-identity";

const wechatpayPrivateKey = fs.readFileSync(testKeyFiles.wechatpayPrivateKey, "utf8");

export interface SubOrderLike {
  outTradeNo: string;
  mchid: string;
  subMchid: string | null;
  amountFen: number;
}

export function combineTransaction(orderNo: string, subs: SubOrderLike[], state = "SUCCESS") {
  return {
    combine_appid: testKeys.combineAppid,
    combine_mchid: testKeys.combineMchid,
    combine_out_trade_no: orderNo,
    scene_info: { device_id: "H5WEB01" },
    sub_orders: subs.map((s, i) => ({
      mchid: s.mchid,
      ...(s.subMchid ? { sub_mchid: s.subMchid } : {}),
      trade_type: "MWEB",
      trade_state: state,
      bank_type: "OTHERS",
      attach: "store:test",
      success_time: "2026-11-27T15:04:05+08:00",
      transaction_id: `42000012342026112700${String(Date.now() % 1e8).padStart(8, "0")}${i}`,
      out_trade_no: s.outTradeNo,
      amount: { total_amount: s.amountFen, payer_amount: s.amountFen, currency: "CNY", payer_currency: "CNY" },
    })),
    combine_payer_info: { openid: "oTEST_openid_0001" },
  };
}

export function encryptResource(plaintext: string, opts: { nonce?: string; aad?: string; key?: string } = {}) {
  const nonce = opts.nonce ?? randomBytes(6).toString("hex");
  const aad = opts.aad ?? "transaction";
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(opts.key ?? testApiV3Key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: "AEAD_AES_256_GCM", ciphertext: ct.toString("base64"), associated_data: aad, original_type: "transaction", nonce };
}

export function notificationBody(resourcePlaintext: string, opts: { id?: string } = {}): string {
  return JSON.stringify({
    id: opts.id ?? randomUUID(),
    create_time: "2026-11-27T15:04:06+08:00",
    resource_type: "encrypt-resource",
    event_type: "TRANSACTION.SUCCESS",
    summary: "支付成功",
    resource: encryptResource(resourcePlaintext),
  });
}

export function signedHeaders(body: string, opts: { timestamp?: number; serial?: string; signature?: string } = {}) {
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const signature = opts.signature ?? createSign("RSA-SHA256").update(`${ts}\n${nonce}\n${body}\n`).sign(wechatpayPrivateKey, "base64");
  return {
    "content-type": "application/json",
    "wechatpay-timestamp": ts,
    "wechatpay-nonce": nonce,
    "wechatpay-signature": signature,
    "wechatpay-serial": opts.serial ?? testKeys.wechatpayPublicKeyId,
    "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
  };
}
