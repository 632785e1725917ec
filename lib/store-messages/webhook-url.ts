// A store's notification webhook URL (企业微信 group robot: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…).
// Its key= is a secret: anyone holding the URL can post into the staff's group. Client-safe (zod only).
import { z } from "zod";

export const WEBHOOK_URL_MAX_CHARS = 500;

/** Shape only; whether http:// is acceptable depends on the deployment (./policy.ts). */
export const WebhookUrlSchema = z
  .string()
  .trim()
  .max(WEBHOOK_URL_MAX_CHARS, `must be at most ${WEBHOOK_URL_MAX_CHARS} characters`)
  .refine((u) => {
    try {
      const url = new URL(u);
      return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" && !url.username && !url.password;
    } catch {
      return false;
    }
  }, "must be an absolute http(s):// URL without user or password");

const SECRET_PARAM = /^(key|token|access_token|secret|sign|signature)$/i;

/** "https://host/path?key=abc" → "https://host/path?key=****": what pages, answers and audit rows show. */
export function maskWebhookUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "****";
  }
  const params = [...u.searchParams.keys()];
  for (const name of params) if (SECRET_PARAM.test(name)) u.searchParams.set(name, "****");
  // URLSearchParams encodes "*" as-is; the result reads like the original.
  return `${u.origin}${u.pathname}${u.search}`;
}
