// Which webhook URLs this deployment may post to: https only in production, unless the explicit
// test-setup switch (WECHATPAY_UNSAFE_ALLOW_TEST_SETUP=1) is on — the same switch that lets a test run use
// plain-HTTP WeChat Pay URLs. Checked when staff save a URL and again before every send.
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

export function webhookUrlAllowed(url: string): boolean {
  return url.startsWith("https://") || (env().allowHttpWebhooks && url.startsWith("http://"));
}

export function assertWebhookUrlAllowed(url: string, field = "notifyWebhookUrl"): void {
  if (!webhookUrlAllowed(url)) {
    throw new AppError("INVALID_REQUEST", `请求参数有误（${field}: 生产环境只接受 https:// 地址）`, { field });
  }
}
