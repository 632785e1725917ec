// Integration harness: the fake WeChat Pay on a random port, a private copy of the seeded database,
// and our route handlers called with real `Request` objects. A small node:http shim serves the same
// handlers so the fake can deliver notifications to notify_url exactly as WeChat would.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fakeControl } from "../fake-wechatpay/control-client";
import { startFakeWechatPay } from "../fake-wechatpay/server";
import { freshDatabaseUrl } from "../support/test-db";
import { testAppEnv, testWechatMpEnv } from "../support/test-identity";

/** A valid checkout body (contact, a method per seeded store, an address): tests/support/checkout-body.ts. */
export { checkoutBody, SEEDED_METHODS, TEST_ADDRESS, TEST_CONTACT } from "../support/checkout-body";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
type RouteModule = Record<string, Handler | unknown>;

const ROUTES: [RegExp, string[], () => Promise<RouteModule>][] = [
  [/^\/api\/products$/, [], () => import("@/app/api/products/route")],
  [/^\/api\/health$/, [], () => import("@/app/api/health/route")],
  [/^\/api\/ready$/, [], () => import("@/app/api/ready/route")],
  [/^\/api\/checkout$/, [], () => import("@/app/api/checkout/route")],
  [/^\/api\/wechatpay\/notify$/, [], () => import("@/app/api/wechatpay/notify/route")],
  [/^\/api\/cron\/close-expired$/, [], () => import("@/app/api/cron/close-expired/route")],
  [/^\/api\/orders\/([^/]+)$/, ["orderNo"], () => import("@/app/api/orders/[orderNo]/route")],
  [/^\/api\/orders\/([^/]+)\/query$/, ["orderNo"], () => import("@/app/api/orders/[orderNo]/query/route")],
  [/^\/api\/orders\/([^/]+)\/close$/, ["orderNo"], () => import("@/app/api/orders/[orderNo]/close/route")],
  [/^\/api\/orders\/([^/]+)\/pay$/, ["orderNo"], () => import("@/app/api/orders/[orderNo]/pay/route")],
  [/^\/api\/wechat\/oauth\/callback$/, [], () => import("@/app/api/wechat/oauth/callback/route")],
  // catalogue back office
  [/^\/api\/admin\/stores$/, [], () => import("@/app/api/admin/stores/route")],
  [/^\/api\/admin\/stores\/([^/]+)$/, ["id"], () => import("@/app/api/admin/stores/[id]/route")],
  [/^\/api\/admin\/stores\/([^/]+)\/test-message$/, ["id"], () => import("@/app/api/admin/stores/[id]/test-message/route")],
  [/^\/api\/admin\/products$/, [], () => import("@/app/api/admin/products/route")],
  [/^\/api\/admin\/products\/([^/]+)$/, ["sku"], () => import("@/app/api/admin/products/[sku]/route")],
  [/^\/api\/admin\/images$/, [], () => import("@/app/api/admin/images/route")],
  [/^\/media\/([^/]+)$/, ["file"], () => import("@/app/media/[file]/route")],
  [/^\/api\/wechatpay\/refund-notify$/, [], () => import("@/app/api/wechatpay/refund-notify/route")],
  [/^\/api\/admin\/orders\/([^/]+)\/refunds$/, ["orderNo"], () => import("@/app/api/admin/orders/[orderNo]/refunds/route")],
  [/^\/api\/admin\/refunds\/([^/]+)\/query$/, ["refundNo"], () => import("@/app/api/admin/refunds/[refundNo]/query/route")],
  [/^\/api\/admin\/refunds\/([^/]+)\/abnormal$/, ["refundNo"], () => import("@/app/api/admin/refunds/[refundNo]/abnormal/route")],
  [/^\/api\/admin\/session$/, [], () => import("@/app/api/admin/session/route")],
  [/^\/api\/admin\/sign-out$/, [], () => import("@/app/api/admin/sign-out/route")],
  [/^\/api\/admin\/orders\/([^/]+)\/query$/, ["orderNo"], () => import("@/app/api/admin/orders/[orderNo]/query/route")],
  // fulfilment (README "Delivery and fulfilment")
  [/^\/api\/admin\/orders\/([^/]+)\/fulfilments$/, ["orderNo"], () => import("@/app/api/admin/orders/[orderNo]/fulfilments/route")],
  [/^\/api\/admin\/orders\/export$/, [], () => import("@/app/api/admin/orders/export/route")],
  [/^\/api\/admin\/stats$/, [], () => import("@/app/api/admin/stats/route")],
  [/^\/api\/admin\/fulfilments\/bulk-ship$/, [], () => import("@/app/api/admin/fulfilments/bulk-ship/route")],
  // staff accounts (README "Staff accounts")
  [/^\/api\/admin\/accounts$/, [], () => import("@/app/api/admin/accounts/route")],
  [/^\/api\/admin\/accounts\/([^/]+)$/, ["id"], () => import("@/app/api/admin/accounts/[id]/route")],
  [/^\/api\/admin\/invites\/([^/]+)$/, ["token"], () => import("@/app/api/admin/invites/[token]/route")],
  [/^\/api\/admin\/me$/, [], () => import("@/app/api/admin/me/route")],
  [/^\/api\/admin\/me\/totp$/, [], () => import("@/app/api/admin/me/totp/route")],
  [/^\/api\/admin\/me\/totp\/confirm$/, [], () => import("@/app/api/admin/me/totp/confirm/route")],
  [/^\/api\/admin\/orders\/([^/]+)\/close$/, ["orderNo"], () => import("@/app/api/admin/orders/[orderNo]/close/route")],
];

async function dispatch(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  for (const [re, names, load] of ROUTES) {
    const m = re.exec(pathname);
    if (!m) continue;
    const mod = await load();
    const handler = mod[request.method] as Handler | undefined;
    if (!handler) return new Response(null, { status: 405 });
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    return handler(request, { params: Promise.resolve(params) });
  }
  return new Response(null, { status: 404 });
}

export interface Harness {
  appUrl: string;
  fakeUrl: string;
  /** Calls our route handler directly. JSON bodies get the right content type and our Origin by default. */
  call(method: string, path: string, opts?: { json?: unknown; body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  /** Cookies the app set (name → value), sent with every later call like a browser would. */
  cookies: Map<string, string>;
  /** The fake's control API (/__fake/…). */
  control<T = unknown>(path: string, body?: unknown, method?: string): Promise<T>;
  prisma: typeof import("@/lib/db").prisma;
  /** The node:http shim serving appUrl (the fake delivers notifications to it). */
  server: http.Server;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    mode?: "partner" | "direct";
    label?: string;
    /** default: a private copy of the SQLite template */ databaseUrl?: string;
    /** the fake's refund result delay; default null: tests decide results with /refunds/{no}/result */
    refundDelayMs?: number | null;
    /**
     * WeChat's minute between two refunds of one sub-order, at the fake; default 0: the suites step over the app's
     * own minute (REFUND_MIN_INTERVAL_SECONDS) by ageing the ledger's lastRefundAt, which the fake cannot see.
     * tests/integration/refund-frequency.ts runs with WeChat's 60 s.
     */
    fakeRefundMinIntervalSeconds?: number;
    /** environment variables on top of the test identity (e.g. the production limits) */
    env?: Record<string, string>;
    /** JSAPI inside WeChat on, with the fake as the 服务号's OAuth (README "Paying inside WeChat (JSAPI)") */
    jsapi?: boolean;
  } = {},
): Promise<Harness> {
  // Handlers still running: close() waits for them. A client that hangs up (the fake closing its notification
  // sockets) ends the connection, and with it server.close(), while the handler may still be using the database.
  const inFlight = new Set<Promise<void>>();
  const shim = http.createServer((req, res) => {
    const handled = handle(req, res).finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
    });
    const response = await dispatch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }
  await new Promise<void>((r) => shim.listen(0, "127.0.0.1", r));
  const appUrl = `http://127.0.0.1:${(shim.address() as AddressInfo).port}`;

  const fake = await startFakeWechatPay({
    port: 0,
    host: "127.0.0.1",
    notifyTimeScale: 0.001,
    h5Domains: ["127.0.0.1", "localhost"],
    refundDelayMs: opts.refundDelayMs === undefined ? null : opts.refundDelayMs,
    refundMinIntervalSeconds: opts.fakeRefundMinIntervalSeconds ?? 0,
  });
  Object.assign(
    process.env,
    testAppEnv({
      wechatpayBaseUrl: fake.url,
      appBaseUrl: appUrl,
      databaseUrl: opts.databaseUrl ?? freshDatabaseUrl(opts.label),
      mode: opts.mode,
    }),
    opts.jsapi ? { WECHAT_JSAPI_ENABLED: "true", ...testWechatMpEnv(fake.url) } : {},
    opts.env,
  );
  const { prisma } = await import("@/lib/db");
  const jar = new Map<string, string>();

  return {
    appUrl,
    fakeUrl: fake.url,
    prisma,
    server: shim,
    cookies: jar,
    async call(method, path, o = {}) {
      // Like a browser: cookies set by earlier answers go along (the buyer cookie from checkout);
      // an explicit `cookie` header (even "") replaces them.
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      const headers: Record<string, string> = { origin: appUrl, ...(cookie ? { cookie } : {}), ...(o.headers ?? {}) };
      let body = o.body;
      if (o.json !== undefined) {
        body = JSON.stringify(o.json);
        headers["content-type"] ??= "application/json";
      }
      const init = { method, headers, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) };
      const res = await dispatch(new Request(`${appUrl}${path}`, init as RequestInit));
      for (const line of res.headers.getSetCookie()) {
        const m = /^([^=;]+)=([^;]*)/.exec(line);
        if (!m) continue;
        if (/max-age=0\b/i.test(line)) jar.delete(m[1]!);
        else jar.set(m[1]!, m[2]!);
      }
      return res;
    },
    control: (path, body, method) => fakeControl<never>(fake.url, path, body, method),
    async close() {
      // Junk-notification and funnel counts are flushed on a timer: write them before the database goes away.
      await (await import("@/lib/notify/junk")).flushJunkCounters().catch(() => undefined);
      await (await import("@/lib/stats/counters")).flushDailyCounters().catch(() => undefined);
      await fake.close();
      await new Promise<void>((r) => shim.close(() => r()));
      await Promise.allSettled([...inFlight]);
      await prisma.$disconnect();
    },
  };
}

/** Polls until `check` returns a truthy value (notifications arrive asynchronously). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
