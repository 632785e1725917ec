import http from "node:http";
import { expect } from "@playwright/test";
import { APP_URL, confirmPaid, fake, fillCheckoutDetails, test } from "./support";

test.beforeEach(async () => {
  await fake("/reset", {});
});

test("with CSP (nonce), Permissions-Policy, HSTS and Referrer-Policy on, a payment still completes and nothing is blocked", async ({
  page,
}) => {
  const violations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  const first = await page.goto("/");
  const h = first!.headers();
  expect(h["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
  expect(h["content-security-policy"]).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  expect(h["permissions-policy"]).toContain("camera=()");
  expect(h["strict-transport-security"]).toMatch(/^max-age=\d+/); // next start runs NODE_ENV=production
  // a fresh nonce per response
  const again = await page.request.get("/");
  expect(again.headers()["content-security-policy"]).not.toBe(h["content-security-policy"]);

  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByRole("button", { name: "增加 明前西湖龙井 50g" }).click();
  await page.getByRole("button", { name: "增加 抹茶红豆吐司" }).click();
  // Shipping: the 省/市/区县 dataset and the form's rules are chunks loaded on demand, under the same CSP.
  await fillCheckoutDetails(page, { methods: { 茶语轩茶叶铺: "快递配送" } });
  await page.getByRole("button", { name: "去支付" }).click();
  // The fake cashier checks the Referer's origin like WeChat's H5 check: reaching it proves the origin went along.
  await page.waitForURL(/\/cgi-bin\/mmpayweb-bin\/checkmweb/);
  const orderNo = new URL(page.url()).searchParams.get("redirect_url")!.split("/orders/")[1]!;
  await page.getByRole("button", { name: "确认支付" }).click();
  await page.waitForURL(`${APP_URL}/orders/${orderNo}`);
  await confirmPaid(page);
  expect(violations).toEqual([]);
});

test("malformed percent-encoding in an order number is a 404, not a 500", async ({ request }) => {
  const api = await request.get("/api/orders/%C0%AE");
  expect(api.status()).toBe(404);
  expect(await api.json()).toMatchObject({ code: "ORDER_NOT_FOUND" });
  expect(await (await request.get("/api/admin/products/%C0%AE")).json()).toMatchObject({ code: "NOT_FOUND" });
  expect((await request.get("/media/%C0%AE")).headers()["content-security-policy"]).toBe("default-src 'none'; sandbox");
  for (const path of ["/api/orders/%C0%AE/query", "/orders/%C0%AE", "/orders/%E4%B8"]) {
    const res = path.endsWith("/query") ? await request.post(path, { headers: { origin: APP_URL } }) : await request.get(path);
    expect(res.status(), path).toBe(404);
  }
});

/**
 * POSTs `totalBytes` to the app in 64 KiB chunks, one every 20 ms (a slow client), and reports the
 * answer and how much had been written when it came. Declared: with a Content-Length; else chunked.
 */
function slowUpload(path: string, totalBytes: number, declared: boolean): Promise<{ status: number; body: string; sentBytes: number }> {
  const u = new URL(path, APP_URL);
  const headers: Record<string, string> = { "content-type": "application/json", origin: APP_URL };
  if (declared) headers["content-length"] = String(totalBytes);
  else headers["transfer-encoding"] = "chunked";
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers }, (res) => {
      answered = true;
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body, sentBytes });
        req.destroy();
      });
    });
    req.on("error", (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const next = () => {
      if (answered) return;
      if (sentBytes >= totalBytes) return void req.end();
      req.write(chunk);
      sentBytes += chunk.length;
      setTimeout(next, 20);
    };
    next();
  });
}

test("a slow 9.5 MB upload to checkout is refused with 413 long before it finishes: the proxy never buffers an API body", async () => {
  const total = Math.round(9.5 * 1024 * 1024);
  for (const declared of [false, true]) {
    const r = await slowUpload("/api/checkout", total, declared);
    expect(r.status, declared ? "Content-Length" : "chunked").toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    // The route stops at its 16 KiB cap; a proxy in front would have buffered the whole body first.
    expect(r.sentBytes, declared ? "Content-Length" : "chunked").toBeLessThan(total / 4);
  }
});

test("unknown API paths (also next to the notification endpoints) are JSON 404s with the API's security headers", async ({ request }) => {
  for (const path of ["/api/wechatpay/notifyx", "/api/wechatpay/refund-notify/x", "/api/nope"]) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND" });
    const h = res.headers();
    expect(h["content-security-policy"], path).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["x-frame-options"], path).toBe("DENY");
    expect(h["permissions-policy"], path).toContain("camera=()");
  }
  const post = await request.post("/api/wechatpay/notify-x", { data: "{}" });
  expect(post.status()).toBe(404);
  expect(post.headers()["content-security-policy"]).toBe("default-src 'none'; frame-ancestors 'none'");
});
