// Composition root: the one WeChat Pay client of this process, built from env.
import "server-only"; // holds the merchant private key and APIv3 key
import { createWechatPayClient, type WechatPayClient } from "@/lib/wechatpay";
import { env } from "@/lib/env";

let client: WechatPayClient | undefined;

export function wechatpay(): WechatPayClient {
  if (!client) {
    const { wechatpay: w } = env();
    client = createWechatPayClient({
      baseUrl: w.baseUrl,
      mchid: w.combineMchid,
      merchantSerialNo: w.merchantSerialNo,
      merchantPrivateKey: w.merchantPrivateKey,
      apiV3Key: w.apiV3Key,
      publicKey: w.publicKey,
      platformCertificates: w.usePlatformCertificates ? { enabled: true } : undefined,
      timeoutMs: 8_000,
      userAgent: "wechatpay-combine-checkout/0.1 (+node)",
      onResponse: ({ method, path, status, requestId, durationMs }) => {
        // Request-ID is what WeChat Pay support asks for; the path never carries secrets.
        if (status >= 400) console.warn(`wechatpay ${method} ${path} → ${status} request-id=${requestId ?? "-"} ${durationMs}ms`);
      },
    });
  }
  return client;
}
