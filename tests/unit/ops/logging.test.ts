// Structured logs (lib/log.ts) and the request hook (lib/http/request-log.ts): one JSON line per request with
// method, route, status, duration and request id; X-Request-Id kept when sane, made otherwise, and returned;
// every line a request causes carries its id; secrets never reach a line.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { logger, prettyLine, scrubLine } from "@/lib/log";
import { instrumentHttpServer, pathOf, saneRequestId } from "@/lib/http/request-log";
import { route, json } from "@/lib/http/respond";
import { allowConsoleError } from "../../support/console";
import { captureLogs } from "../../support/logs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let capture: ReturnType<typeof captureLogs>;
afterEach(() => capture?.stop());

describe("X-Request-Id through the server hook", () => {
  let server: http.Server;
  let base: string;
  const inner = logger("test-handler");
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      inner.info({ step: "inside" }, "handler ran");
      res.statusCode = req.url?.startsWith("/missing") ? 404 : 200;
      res.end("ok");
    });
    // The hook on this one server (lib/startup.ts installs it on http.Server.prototype).
    instrumentHttpServer(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("keeps a sane id from the proxy, returns it, and logs one line with it", async () => {
    capture = captureLogs();
    const res = await fetch(`${base}/api/products?resume=secret-token`, { headers: { "x-request-id": "nginx-0123456789abcdef" } });
    expect(res.headers.get("x-request-id")).toBe("nginx-0123456789abcdef");
    await res.text();
    await new Promise((r) => setTimeout(r, 20));
    const lines = capture.parsed();
    const request = lines.find((l) => l.msg === "request")!;
    expect(request).toMatchObject({
      component: "http",
      method: "GET",
      route: "/api/products",
      status: 200,
      reqId: "nginx-0123456789abcdef",
    });
    expect(typeof request.durationMs).toBe("number");
    expect(typeof request.time).toBe("string");
    expect(request.level).toBe(30);
    // the handler's own line carries the request id too; the query string (tokens) is never logged
    expect(lines.find((l) => l.msg === "handler ran")).toMatchObject({ reqId: "nginx-0123456789abcdef" });
    expect(capture.text()).not.toContain("secret-token");
  });

  it.each([
    ["absent", undefined],
    ["too short", "abc"],
    ["with spaces (log forging)", "abc def ghi jkl"],
    ["with a newline", "abcdefgh\\nlevel=60"],
    ["too long", "a".repeat(129)],
  ])("replaces an id that is %s with a fresh UUID", async (_label, sent) => {
    capture = captureLogs();
    const res = await fetch(`${base}/missing`, { headers: sent ? { "x-request-id": sent } : {} });
    const id = res.headers.get("x-request-id")!;
    expect(id).toMatch(UUID);
    await res.text();
    await new Promise((r) => setTimeout(r, 20));
    expect(capture.parsed().find((l) => l.msg === "request")).toMatchObject({ reqId: id, status: 404, route: "/missing" });
  });

  it("two requests never share an id", async () => {
    const [a, b] = await Promise.all([fetch(`${base}/x`), fetch(`${base}/y`)]);
    expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
  });
});

describe("draining keep-alive connections once shutdown has begun", () => {
  it("answers carry Connection: close from then on, so a busy pooled connection is closed after its answer", async () => {
    let draining = false;
    const server = http.createServer((_req, res) => res.end("ok"));
    instrumentHttpServer(server, { draining: () => draining });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true });
    const get = () =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, agent, path: "/" }, (res) => res.resume().on("end", () => resolve(res))).on("error", reject);
      });
    try {
      expect((await get()).headers.connection).toBe("keep-alive");
      draining = true;
      const res = await get();
      expect(res.headers.connection).toBe("close");
    } finally {
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("route() outside the server (handlers called directly)", () => {
  it("takes the caller's sane id, answers it, and logs under it", async () => {
    capture = captureLogs();
    const handler = route(async (_request: Request) => {
      logger("test-route").info("inside route");
      return json({ ok: true });
    });
    const res = await handler(new Request("http://x/api/t", { headers: { "x-request-id": "caller-id-12345678" } }));
    expect(res.headers.get("x-request-id")).toBe("caller-id-12345678");
    expect(capture.parsed().find((l) => l.msg === "inside route")).toMatchObject({ reqId: "caller-id-12345678" });
  });

  it("makes one when there is none, also for an error answer", async () => {
    const handler = route(async (_request: Request) => {
      throw Object.assign(new Error("x"), { code: "DATABASE_BUSY" });
    });
    const res = await handler(new Request("http://x/api/t"));
    expect(res.status).toBe(503);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });
});

describe("redaction", () => {
  const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";

  it("fields named like secrets are replaced, at the top level and one level down", () => {
    capture = captureLogs();
    logger("test").info(
      {
        token: "t0p-s3cret",
        cookie: "buyer_id=abc",
        authorization: 'WECHATPAY2-SHA256-RSA2048 signature="sig"',
        apiV3Key: "k".repeat(32),
        headers: { cookie: "admin_session=xyz", "wechatpay-signature": "c2lnbmF0dXJl" },
        order: { contactPhone: "13800138000", contactName: "张三", addressDetail: "某路 1 号", totalFen: 100 },
      },
      "secrets everywhere",
    );
    const text = capture.text();
    for (const secret of [
      "t0p-s3cret",
      "buyer_id=abc",
      "signature=",
      "k".repeat(32),
      "admin_session",
      "c2lnbmF0dXJl",
      "13800138000",
      "张三",
      "某路",
    ])
      expect(text).not.toContain(secret);
    expect(capture.parsed()[0]).toMatchObject({ order: { totalFen: 100, contactPhone: "[redacted]" } });
  });

  it("a PEM block is cut out of any line, even inside a message", () => {
    capture = captureLogs();
    allowConsoleError(/could not use/); // an error-level line counts as a console error (tests/support/logs.ts)
    logger("test").error({ err: new Error(`bad key ${PEM}`) }, `could not use ${PEM}`);
    expect(capture.text()).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
    expect(capture.text()).toContain("[PEM redacted]");
    expect(scrubLine(JSON.stringify({ m: PEM }))).toBe('{"m":"[PEM redacted]"}');
  });

  it("the development format is one short readable line", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 30,
        time: "2026-12-06T10:11:12.345Z",
        pid: 1,
        component: "jobs",
        msg: "job run",
        job: "close-expired",
        reqId: "r1",
      }),
    );
    expect(line).toBe("10:11:12.345 INFO  [jobs] job run job=close-expired reqId=r1\n");
  });
});

describe("helpers", () => {
  it("pathOf drops the query and caps the length", () => {
    expect(pathOf("/a/b?token=1")).toBe("/a/b");
    // an invite link's token is the credential: never logged
    expect(pathOf("/admin/invite/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd")).toBe("/admin/invite/[token]");
    expect(pathOf("/api/admin/invites/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd")).toBe("/api/admin/invites/[token]");
    expect(pathOf(`/${"x".repeat(300)}`)).toHaveLength(201);
  });
  it("saneRequestId", () => {
    expect(saneRequestId("0123456789abcdef0123456789abcdef")).toBe("0123456789abcdef0123456789abcdef");
    expect(saneRequestId(["first-id-123456", "second"])).toBe("first-id-123456");
    expect(saneRequestId("短id中文字符的请求编号")).toBeUndefined();
  });
});
