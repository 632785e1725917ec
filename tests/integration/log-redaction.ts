// The whole money loop with every log line captured (LOG_LEVEL=trace): sign in, checkout, pay at the fake,
// the notification, check payment, refund, the refund notification, a forged notification, a job run — over
// real HTTP through the request hook. Then the captured output is searched for every secret that passed through
// the process: it must hold none of them, and it must hold the lines operators need (one per request with its
// id, one per WeChat call with its Request-ID and number, one per job run). Shared by SQLite and PostgreSQL.
import diagnostics from "node:diagnostics_channel";
import fs from "node:fs";
import { expect, it } from "vitest";
import { SESSION_COOKIE } from "@/lib/admin/session";
import { instrumentHttpServer } from "@/lib/http/request-log";
import { eventually, type Harness } from "./harness";
import { RACE_CART } from "./payment-races";
import { captureLogs } from "../support/logs";
import { combineTransaction, notificationBody, signedHeaders } from "../support/notification-signer";
import { testApiV3Key, testAppEnv, testKeyFiles } from "../support/test-identity";

const ADMIN_TOKEN = testAppEnv({ wechatpayBaseUrl: "", appBaseUrl: "", databaseUrl: "" }).ADMIN_TOKEN;
const SHOPPER = { name: "李小龙测试", phone: "13912345678", detail: "幸福路八十八号三单元", city: "杭州市测试区" };

/** The base64 body of a PEM (its key material), without the armour lines. */
function pemBodyLines(file: string): string[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"));
}

export function logRedactionTests(harness: () => Harness) {
  it("an e2e run logs requests, WeChat calls and job runs, and not one secret", async () => {
    const h = harness();
    const seenSecrets = new Set<string>();
    // What went over the wire: our Authorization signatures and WeChat's response signatures, seen through undici's
    // diagnostics channels (the WeChat Pay client's HTTP and the global fetch both publish them), and the
    // notifications' signatures (at the shim).
    const text = (v: unknown): string =>
      Array.isArray(v) ? v.map((x) => String(x)).join("\n") : typeof v === "string" ? v : JSON.stringify(v ?? "");
    const onRequest = (m: unknown) => {
      const sig = /signature="([^"]+)"/.exec(text((m as { request: { headers: unknown } }).request.headers))?.[1];
      if (sig) seenSecrets.add(sig);
    };
    const onResponse = (m: unknown) => {
      const headers = (m as { response: { headers: unknown[] } }).response.headers.map((x) => String(x));
      const i = headers.findIndex((k) => k.toLowerCase() === "wechatpay-signature");
      if (i >= 0 && headers[i + 1]) seenSecrets.add(headers[i + 1]!);
    };
    diagnostics.subscribe("undici:request:create", onRequest);
    diagnostics.subscribe("undici:request:headers", onResponse);
    h.server.on("request", (req) => {
      const sig = req.headers["wechatpay-signature"];
      if (typeof sig === "string") seenSecrets.add(sig);
    });
    instrumentHttpServer(h.server);
    const capture = captureLogs();
    try {
      const http = (path: string, init: RequestInit = {}) =>
        fetch(`${h.appUrl}${path}`, { ...init, redirect: "manual", headers: { origin: h.appUrl, ...(init.headers ?? {}) } });

      // sign in: the token goes in a form body, the session comes back as a cookie
      const signIn = await http("/api/admin/session", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: ADMIN_TOKEN, next: "/admin" }).toString(),
      });
      expect(signIn.status).toBe(303);
      const session = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(signIn.headers.get("set-cookie") ?? "")![1]!;

      // checkout: the buyer cookie; then the shopper's contact and address on the order
      const checkout = await http("/api/checkout", {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "redaction-run-checkout-1" },
        body: JSON.stringify(RACE_CART),
      });
      expect(checkout.status).toBe(201);
      expect(checkout.headers.get("x-request-id")).toBe("redaction-run-checkout-1");
      const buyer = /buyer_id=([^;]+)/.exec(checkout.headers.get("set-cookie") ?? "")![1]!;
      const { orderNo } = (await checkout.json()) as { orderNo: string };
      await h.prisma.order.update({
        where: { orderNo },
        data: { contactName: SHOPPER.name, contactPhone: SHOPPER.phone, addressCity: SHOPPER.city, addressDetail: SHOPPER.detail },
      });

      // pay at the fake → the signed, encrypted notification arrives over HTTP
      await h.control(`/orders/${orderNo}/pay`, {});
      await eventually(async () => (await h.prisma.order.findUnique({ where: { orderNo } }))?.status === "PAID", 20_000);
      expect((await http(`/api/orders/${orderNo}/query`, { method: "POST", headers: { cookie: `buyer_id=${buyer}` } })).status).toBe(200);
      expect((await http(`/api/orders/${orderNo}`)).status).toBe(200);

      // a forged notification (wrong signature) is refused and counted, its signature never written down
      const subs = await h.prisma.subOrder.findMany({ where: { orderNo }, orderBy: { position: "asc" } });
      const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
      const forged = { ...signedHeaders(body), "wechatpay-signature": Buffer.from("forged-signature-bytes").toString("base64") };
      seenSecrets.add(forged["wechatpay-signature"]);
      expect((await fetch(`${h.appUrl}/api/wechatpay/notify`, { method: "POST", headers: forged, body })).status).toBe(401);

      // refund one store's part; WeChat settles it and notifies
      const sub = subs[0]!;
      const refundRes = await http(`/api/admin/orders/${orderNo}/refunds`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: `${SESSION_COOKIE}=${session}`, "idempotency-key": `redaction-${orderNo}` },
        body: JSON.stringify({ outTradeNo: sub.outTradeNo, amountFen: sub.amountFen, reason: "测试退款" }),
      });
      expect(refundRes.status).toBe(201);
      const { refund } = (await refundRes.json()) as { refund: { refundNo: string } };
      await h.control(`/refunds/${refund.refundNo}/result`, { status: "success" });
      await eventually(
        async () => (await h.prisma.refund.findUnique({ where: { refundNo: refund.refundNo } }))?.status === "SUCCESS",
        20_000,
      );

      // one job run through the runner's default logger
      const { JobRunner } = await import("@/lib/jobs/runner");
      const { configureJobs } = await import("@/lib/jobs/registry");
      const jobs = configureJobs({})
        .map((c) => c.job)
        .filter((j) => j.name === "close-expired");
      await h.prisma.jobLease.deleteMany({ where: { name: "close-expired" } });
      const runs = await new JobRunner({ db: h.prisma, jobs, owner: "redaction-test", tickMs: 1000, leaseMs: 60_000 }).runDue();
      expect(runs.map((r) => r.job)).toEqual(["close-expired"]);

      await new Promise((r) => setTimeout(r, 50)); // the last response's log line is written on "finish"
      const text = capture.text();
      const lines = capture.parsed();

      // what must be there
      const requests = lines.filter((l) => l.msg === "request");
      expect(requests.find((l) => l.route === "/api/checkout")).toMatchObject({
        method: "POST",
        status: 201,
        reqId: "redaction-run-checkout-1",
      });
      expect(requests.find((l) => l.route === "/api/wechatpay/notify" && l.status === 204)).toBeTruthy();
      expect(requests.find((l) => l.route === "/api/wechatpay/refund-notify" && l.status === 204)).toBeTruthy();
      expect(requests.every((l) => typeof l.reqId === "string" && typeof l.durationMs === "number")).toBe(true);
      const calls = lines.filter((l) => l.msg === "wechatpay call");
      expect(calls.find((l) => l.path === "/v3/combine-transactions/h5")).toMatchObject({
        status: 200,
        ref: orderNo,
        requestId: expect.any(String),
        reqId: "redaction-run-checkout-1",
      });
      expect(calls.find((l) => l.path === "/v3/refund/domestic/refunds")).toMatchObject({ status: 200, ref: refund.refundNo });
      expect(lines.find((l) => l.msg === "job run")).toMatchObject({
        component: "jobs",
        job: "close-expired",
        outcome: expect.any(String),
      });

      // what must not
      const secrets: [string, string][] = [
        ["ADMIN_TOKEN", ADMIN_TOKEN],
        ["admin session cookie", session],
        ["buyer cookie", buyer],
        ["APIv3 key", testApiV3Key],
        ["PEM armour", "PRIVATE KEY"],
        ...pemBodyLines(testKeyFiles.merchantPrivateKey).map((l, i): [string, string] => [`merchant private key line ${i + 1}`, l]),
        ...pemBodyLines(testKeyFiles.wechatpayPublicKey).map((l, i): [string, string] => [`WeChat Pay public key line ${i + 1}`, l]),
        ["shopper name", SHOPPER.name],
        ["shopper phone", SHOPPER.phone],
        ["shopper address", SHOPPER.detail],
        ["shopper city", SHOPPER.city],
        ...[...seenSecrets].map((s): [string, string] => ["a signature", s]),
      ];
      expect(seenSecrets.size).toBeGreaterThanOrEqual(6); // request, response and notification signatures were seen
      expect(lines.length).toBeGreaterThanOrEqual(10);
      for (const [what, secret] of secrets) expect(text.includes(secret), `${what} found in the log output`).toBe(false);
    } finally {
      capture.stop();
      diagnostics.unsubscribe("undici:request:create", onRequest);
      diagnostics.unsubscribe("undici:request:headers", onResponse);
    }
  });
}
