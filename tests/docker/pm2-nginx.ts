// npm run test:pm2-nginx — README "Lighthouse / CVM with PM2 and nginx", run on this machine as far as it can be:
// deploy/ecosystem.config.cjs and deploy/nginx.conf as committed (only ports, certificate paths and the server
// name substituted), two instances of the standalone server (.next/standalone; `npm run build` first) under
// PM2, nginx in front with TLS (a self-signed certificate made here) and upstream keep-alive, a throw-away
// PostgreSQL and the fake WeChat Pay. Not part of npm test: it needs nginx (apt-get install -y nginx), the
// npm registry once for PM2 (npx), and a minute.
//
//   1. /api/ready through nginx over https, and one order paid end to end (the fake's notification comes back
//      over https through nginx);
//   2. X-Forwarded-For with TRUST_PROXY_HOPS=1: a client at 127.0.0.2 that sends its own X-Forwarded-For
//      gets its real address as payer_client_ip (not its forged one, not nginx's);
//   3. keep-alive: 200 requests through nginx reuse a few upstream connections instead of opening 200;
//   4. `pm2 reload` of each instance in turn under load (8 clients through nginx): 0 failed requests; each
//      instance logged its graceful shutdown (SIGINT → exit 130).
//
// Output: one line per step, then a summary; exit 1 on the first failed check.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { startFakeWechatPay } from "../fake-wechatpay/server";
import { fakeControl } from "../fake-wechatpay/control-client";
import { checkoutBody } from "../support/checkout-body";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";
import { reporter, root, run, runAsync, sleep, until } from "./support";

const PM2_VERSION = "7.0.4";
const DIR = path.join(root, ".data/pm2-nginx");
const CERT = path.join(DIR, "tls/localhost.crt");
const KEY = path.join(DIR, "tls/localhost.key");
const APP_PORTS = [offsetPort(3031), offsetPort(3032)];
const HTTP_PORT = offsetPort(8080);
const HTTPS_PORT = offsetPort(8443);
const FAKE_PORT = offsetPort(3131);
const PG_PORT = Number(process.env.PG_TEST_PORT ?? offsetPort(55497));
const PG_DIR = path.join(DIR, "pg");
const LOAD_CLIENTS = 8;
const { step, check, finish } = reporter("test:pm2-nginx");

// The self-signed certificate first; the fake's notifier (node:https) and fetch must trust it, and Node reads
// NODE_EXTRA_CA_CERTS only at start-up: so this script runs itself again with it set.
if (process.env.NODE_EXTRA_CA_CERTS !== CERT) {
  fs.mkdirSync(path.dirname(CERT), { recursive: true });
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"].concat([
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      KEY,
      "-out",
      CERT,
    ]),
    { stdio: "pipe" },
  );
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, NODE_EXTRA_CA_CERTS: CERT },
  });
  process.exit(r.status ?? 1);
}

const pm2Env = { PM2_HOME: path.join(DIR, "pm2-home") };
const pm2 = (args: string[], extra: Record<string, string> = {}) =>
  run("npx", ["--yes", `pm2@${PM2_VERSION}`, ...args], { env: { ...pm2Env, ...extra }, timeoutMs: 300_000 });
// a reload waits for the old process to finish its requests, which may be waiting on the fake in this process
const pm2Async = (args: string[]) => runAsync("npx", ["--yes", `pm2@${PM2_VERSION}`, ...args], { env: pm2Env, timeoutMs: 300_000 });

/** The committed nginx site with this machine's ports and certificate, inside a minimal nginx.conf of its own. */
function nginxConfig(): string {
  let site = fs.readFileSync(path.join(root, "deploy/nginx.conf"), "utf8");
  const subst: [RegExp, string][] = [
    [/127\.0\.0\.1:3001/g, `127.0.0.1:${APP_PORTS[0]}`],
    [/127\.0\.0\.1:3002/g, `127.0.0.1:${APP_PORTS[1]}`],
    [/listen 80;/g, `listen 127.0.0.1:${HTTP_PORT};`],
    [/listen 443 ssl/g, `listen ${HTTPS_PORT} ssl`],
    [/shop\.example\.com/g, "localhost"],
    [/\/etc\/nginx\/tls\/localhost\.crt/g, CERT],
    [/\/etc\/nginx\/tls\/localhost\.key/g, KEY],
  ];
  for (const [from, to] of subst) {
    if (!from.test(site)) throw new Error(`deploy/nginx.conf no longer has ${from}: update this test`);
    site = site.replace(from, to);
  }
  fs.writeFileSync(path.join(DIR, "site.conf"), site);
  return `
daemon off;
worker_processes 1;
pid ${DIR}/nginx.pid;
error_log ${DIR}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  log_format withxff '$remote_addr "$http_x_forwarded_for" $request_id "$request" $status upstream=$upstream_addr';
  access_log ${DIR}/nginx-access.log withxff;
  client_body_temp_path ${DIR}/tmp/body;
  proxy_temp_path ${DIR}/tmp/proxy;
  fastcgi_temp_path ${DIR}/tmp/fastcgi;
  uwsgi_temp_path ${DIR}/tmp/uwsgi;
  scgi_temp_path ${DIR}/tmp/scgi;
  include ${DIR}/site.conf;
}
`;
}

/** An https request through nginx from a chosen local address (a second "client" on this machine). */
function httpsFrom(localAddress: string, method: string, urlPath: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = https.request(
      { host: "127.0.0.1", servername: "localhost", port: HTTPS_PORT, path: urlPath, method, localAddress, headers, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Established + TIME_WAIT TCP connections to the two app ports (nginx's upstream side). */
function upstreamConnections(): { established: number; timeWait: number } {
  const out = run("ss", ["-Htan"]).out.split("\n");
  const mine = out.filter((l) => APP_PORTS.some((p) => l.split(/\s+/)[4] === `127.0.0.1:${p}`));
  return {
    established: mine.filter((l) => l.startsWith("ESTAB")).length,
    timeWait: mine.filter((l) => l.startsWith("TIME-WAIT")).length,
  };
}

/** Two stub instances behind the committed upstream block: a retry goes to the instance that came back. */
async function upstreamFailover(): Promise<void> {
  const sockets = [new Set<import("node:net").Socket>(), new Set<import("node:net").Socket>()];
  const stub = (i: number) => {
    const server = http.createServer((req, res) => {
      if (req.url !== "/slow") return void res.end(`stub-${i + 1}`);
      // stub 1 answers slowly; stub 2 never: its requests are the ones a dying instance cuts
      if (i === 0) setTimeout(() => res.end("stub-1 slow"), 1000);
    });
    server.on("connection", (c) => {
      sockets[i]!.add(c);
      c.on("close", () => sockets[i]!.delete(c));
    });
    return new Promise<http.Server>((r) => server.listen(APP_PORTS[i], "127.0.0.1", () => r(server)));
  };
  const get = async (p: string) => {
    const r = await httpsFrom("127.0.0.1", "GET", p, {}).catch((e: Error) => ({ status: 0, text: e.message }));
    return `${r.status} ${r.text.split("\n")[0]!.slice(0, 24)}`;
  };
  const closeStub = (i: number, server: http.Server) =>
    new Promise<void>((r) => {
      server.close(() => r());
      for (const c of sockets[i]!) c.destroy();
    });
  let one = await stub(0);
  const two = await stub(1);
  await until("nginx answers", async () => ((await get("/")).startsWith("200") ? true : undefined), 15_000);
  await closeStub(0, one);
  const whileDown = [await get("/"), await get("/")];
  one = await stub(0);
  // longer than a fail_timeout of 5 s: under max_fails=1 the next request to stub 1 would be its one probe
  await sleep(6000);
  const cut = [get("/slow"), get("/slow"), get("/slow")];
  await sleep(500);
  for (const c of sockets[1]!) c.destroy();
  const cutAnswers = await Promise.all(cut);
  const after = [];
  for (let i = 0; i < 4; i++) after.push(await get("/"));
  await closeStub(0, one);
  await closeStub(1, two);
  step(
    `upstream with stubs: instance 1 refusing → ${whileDown.join(", ")}; requests cut by instance 2 → ${cutAnswers.join(", ")}; then ${after.join(", ")}`,
  );
  check(
    [...whileDown, ...cutAnswers, ...after].every((a) => a.startsWith("200")),
    "upstream failover: a refused or cut request is retried on the other instance, which is never left out (max_fails=0)",
  );
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(root, ".next/standalone/server.js"))) throw new Error("no .next/standalone/server.js: npm run build first");
  const nginxBin = run("sh", ["-c", "command -v nginx || echo /usr/sbin/nginx"]).out;
  if (!fs.existsSync(nginxBin)) throw new Error("no nginx: apt-get install -y nginx");
  step(
    `nginx ${run(nginxBin, ["-v"]).out.replace(/^nginx version: /, "")}, PM2 ${pm2(["--version"]).out.split("\n").at(-1)}, Node ${process.version}`,
  );

  // PostgreSQL, the fake, the settings file the ecosystem file reads
  const pgEnv = { PG_TEST_PORT: String(PG_PORT), PG_TEST_DIR: PG_DIR };
  const databaseUrl = run(path.join(root, "tests/support/postgres.sh"), ["start", "wcp_pm2"], { env: pgEnv }).out.split("\n").at(-1)!;
  const fake = await startFakeWechatPay({ port: FAKE_PORT, host: "127.0.0.1", notifyTimeScale: 0.01, h5Domains: ["localhost"] });
  const appBaseUrl = `https://localhost:${HTTPS_PORT}`;
  const envFile = path.join(DIR, "shared.env");
  const settings = {
    ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl, databaseUrl }),
    TRUST_PROXY_HOPS: "1",
    CATALOG_IMAGE_DIR: path.join(DIR, "images"),
    ADMIN_TOKEN: "pm2-nginx-test-Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6",
    LOG_LEVEL: "info",
    JOBS_TICK_MS: "1000",
  };
  fs.writeFileSync(
    envFile,
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
  );
  let nginx: ReturnType<typeof spawn> | undefined;
  try {
    const migrate = run(process.execPath, ["prisma/migrate.mjs", "deploy"], {
      cwd: path.join(root, ".next/standalone"),
      env: { DATABASE_URL: databaseUrl },
    });
    step(`migrate (standalone prisma/migrate.mjs deploy): ${migrate.out.split("\n").at(-1)}`);
    run(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], { env: { DATABASE_URL: databaseUrl } });

    // nginx: the committed site
    fs.mkdirSync(path.join(DIR, "tmp"), { recursive: true });
    fs.writeFileSync(path.join(DIR, "nginx.conf"), nginxConfig());
    for (const f of ["nginx-access.log", "nginx-error.log"]) fs.rmSync(path.join(DIR, f), { force: true });
    run(nginxBin, ["-t", "-p", DIR, "-c", path.join(DIR, "nginx.conf")]);
    nginx = spawn(nginxBin, ["-p", DIR, "-c", path.join(DIR, "nginx.conf")], { stdio: "inherit" });

    // 0. the upstream block alone, with two stub instances on the app's ports: an instance that refused
    // connections (restarting) is used again at once, so requests cut on the other one are retried on it
    await upstreamFailover();

    // PM2: the committed ecosystem file (its own PM2_HOME, emptied: a daemon or logs of an earlier run)
    pm2(["kill"]);
    fs.rmSync(pm2Env.PM2_HOME, { recursive: true, force: true });
    const start = pm2(["start", "deploy/ecosystem.config.cjs"], {
      CHECKOUT_DIR: root,
      CHECKOUT_ENV_FILE: envFile,
      CHECKOUT_PORTS: APP_PORTS.join(","),
    });
    step(`pm2 start deploy/ecosystem.config.cjs (two instances on ${APP_PORTS.join(", ")})`);
    console.log(
      start.out
        .replace(/\x1b\[[0-9;]*m/g, "")
        .split("\n")
        .filter((l) => /│/.test(l))
        .map((l) => `    ${l}`)
        .join("\n"),
    );
    for (const p of APP_PORTS)
      await until(
        `instance :${p} ready`,
        async () => ((await fetch(`http://127.0.0.1:${p}/api/ready`)).status === 200 ? true : undefined),
        60_000,
      );
    check(true, "both PM2 instances answer /api/ready 200");

    await until("nginx answers", async () => ((await fetch(`${appBaseUrl}/api/health`)).ok ? true : undefined), 15_000);
    const redirect = await fetch(`http://127.0.0.1:${HTTP_PORT}/cart`, { redirect: "manual" });
    const location = redirect.headers.get("location") ?? "";
    check(redirect.status === 301 && /^https:\/\/[^/]+\/cart$/.test(location), `plain http → ${redirect.status} ${location}`);
    const ready = await fetch(`${appBaseUrl}/api/ready`);
    const reqId = ready.headers.get("x-request-id") ?? "";
    check(
      ready.status === 200 && /^[0-9a-f]{32}$/.test(reqId),
      `GET ${appBaseUrl}/api/ready → 200 over TLS (self-signed), X-Request-Id ${reqId} = nginx's $request_id`,
    );

    // 1 + 2. one order, from a second client address that forges its own X-Forwarded-For
    const checkout = await httpsFrom(
      "127.0.0.2",
      "POST",
      "/api/checkout",
      { "content-type": "application/json", origin: appBaseUrl, "x-forwarded-for": "203.0.113.7" },
      JSON.stringify(
        checkoutBody([
          { sku: "TEA-BC-100", quantity: 1 },
          { sku: "STA-NB-A5", quantity: 2 },
        ]),
      ),
    );
    const { orderNo } = JSON.parse(checkout.text) as { orderNo: string };
    check(checkout.status === 201, `checkout through nginx from 127.0.0.2 (sending X-Forwarded-For: 203.0.113.7) → 201 ${orderNo}`);
    // nginx writes the line once the answer is sent, which may be just after the client has it
    const accessLine = await until(
      "nginx logs the checkout",
      async () =>
        fs
          .readFileSync(path.join(DIR, "nginx-access.log"), "utf8")
          .split("\n")
          .find((l) => l.includes("POST /api/checkout")),
      5_000,
    );
    step(`nginx access log: ${accessLine}`);
    const atWechat = (await fakeControl<{ order: { payer_client_ip: string } }>(fake.url, `/orders/${orderNo}`)).order.payer_client_ip;
    const { Client } = await import("pg");
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const stored = (await db.query<{ payerIp: string }>(`SELECT "payerIp" FROM "Order" WHERE "orderNo" = $1`, [orderNo])).rows[0]!.payerIp;
    check(
      atWechat === "127.0.0.2" && stored === "127.0.0.2",
      `TRUST_PROXY_HOPS=1: the app took the client as 127.0.0.2 (the entry nginx appended), not the forged 203.0.113.7 nor nginx's 127.0.0.1: Order.payerIp ${stored}, payer_client_ip at WeChat ${atWechat}`,
    );
    await fakeControl(fake.url, `/orders/${orderNo}/pay`, {});
    const paid = await until(
      "the order turns PAID",
      async () => {
        const r = await db.query<{ status: string }>(`SELECT "status" FROM "Order" WHERE "orderNo" = $1`, [orderNo]);
        return r.rows[0]!.status === "PAID" ? r.rows[0]! : undefined;
      },
      30_000,
    );
    await db.end();
    const notifyLine = fs
      .readFileSync(path.join(DIR, "nginx-access.log"), "utf8")
      .split("\n")
      .find((l) => l.includes("/api/wechatpay/notify"));
    step(`nginx access log: ${notifyLine}`);
    check(
      paid.status === "PAID" && !!notifyLine,
      `one order paid end to end: ${orderNo} PAID (the fake's notification over https through nginx)`,
    );

    // 3. keep-alive to the app
    await sleep(1000);
    const before = upstreamConnections();
    for (let i = 0; i < 200; i++) await (await fetch(`${appBaseUrl}/api/products`)).arrayBuffer();
    const after = upstreamConnections();
    check(
      after.timeWait - before.timeWait < 20 && after.established <= 32,
      `keep-alive: 200 requests through nginx → ${after.established} open upstream connections, ${after.timeWait - before.timeWait} closed (TIME-WAIT before ${before.timeWait}, after ${after.timeWait})`,
    );

    // 4. pm2 reload, one instance at a time, under load
    let stop = false;
    const counts = new Map<string, number>();
    const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    const clients = Array.from({ length: LOAD_CLIENTS }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        try {
          const r =
            i % 5 === 4
              ? await fetch(`${appBaseUrl}/api/checkout`, {
                  method: "POST",
                  headers: { "content-type": "application/json", origin: appBaseUrl },
                  body: JSON.stringify(checkoutBody([{ sku: "STA-ERASER", quantity: 1 + (c % 3) }])),
                })
              : await fetch(`${appBaseUrl}/api/products`);
          await r.arrayBuffer();
          count(`${i % 5 === 4 ? "POST /api/checkout" : "GET /api/products"} ${r.status}`);
        } catch (e) {
          count(`transport error ${(e as Error).cause ?? (e as Error).message}`);
        }
      }
    });
    await sleep(2000);
    for (const [i, p] of APP_PORTS.entries()) {
      const t = Date.now();
      await pm2Async(["reload", `checkout-${i + 1}`]);
      await until(
        `checkout-${i + 1} ready again`,
        async () => ((await fetch(`http://127.0.0.1:${p}/api/ready`)).status === 200 ? true : undefined),
        60_000,
      );
      step(`pm2 reload checkout-${i + 1} → /api/ready 200 on :${p} after ${Date.now() - t} ms`);
    }
    await sleep(2000);
    stop = true;
    await Promise.all(clients);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const failed = [...counts.entries()].filter(([k]) => !/ 20[01]$/.test(k));
    step(`load during the reloads: ${[...counts.entries()].map(([k, v]) => `${k}: ${v}`).join(", ")}`);
    check(
      total > 0 && failed.length === 0,
      `pm2 reload of both instances under ${LOAD_CLIENTS} clients through nginx: ${total} requests, 0 failed`,
    );
    const logs = APP_PORTS.map((_, i) => {
      const file = path.join(pm2Env.PM2_HOME, "logs", `checkout-${i + 1}-out.log`);
      return fs.readFileSync(file, "utf8").split("\n");
    });
    const shutdownLines = logs.map((l) => l.find((x) => x.includes('"signal":"SIGINT"')) && l.find((x) => x.includes("shutdown complete")));
    for (const l of shutdownLines) if (l) step(`pm2 log: ${l}`);
    check(shutdownLines.every(Boolean), "each instance logged its graceful shutdown on the reload (SIGINT)");
  } finally {
    nginx?.kill("SIGQUIT");
    pm2(["kill"]);
    await fake.close();
    run(path.join(root, "tests/support/postgres.sh"), ["destroy"], { env: pgEnv, allowFail: true });
  }
}

void finish(main);
