// npm run test:compose — what README "Deploy" promises of `docker compose up`: from a clean clone, the app,
// PostgreSQL, the one-shot migrate and the fake (compose.override.yaml) come up and pay an order end to end.
// Not part of npm test: it needs root, a running Docker engine, Compose, and minutes.
//
//   1. Compose: `docker compose` (v2) or `docker-compose` (1.29, Debian's); the images compose.yaml pulls —
//      postgres:16, and node:20-bookworm-slim for the Dockerfile — pulled, or stand-ins built here
//      (stand-in-base.sh; Docker Hub cannot be reached from these machines, and the postgres stand-in is
//      Debian's PostgreSQL 15 under the 16 tag);
//   2. a clean clone of the checked-out commit (uncommitted changes are not in it) in a temporary folder;
//   3. `up -d --build` there, with CHECKOUT_PORT / FAKE_PORT shifted by TEST_PORT_OFFSET and a project name
//      of its own; /api/ready turns 200; migrate and seed exited 0; the app is healthy and not root;
//   4. one order: checkout (contact + delivery) → the fake cashier pays → the signed notification reaches the
//      app → PAID, asked of the app and of PostgreSQL itself (psql in the db container);
//   5. production: `down -v`, then compose.yaml + compose.production.yaml with a .env (a random POSTGRES_PASSWORD,
//      the TEST identity) and keys/: ready without the fake or the seed, and the image's doctor reads both;
//   6. `down -v`: containers, network and volumes gone; the clone removed.
//
// Output: one line per step, then a summary; exit 1 on the first failed check.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fakeControl } from "../fake-wechatpay/control-client";
import { checkoutBody } from "../support/checkout-body";
import { testAppEnv } from "../support/test-identity";
import { port as offsetPort } from "../support/ports";
import { docker, ensureImage, reporter, request, requireDocker, root, run, until } from "./support";

const CHECKOUT_PORT = offsetPort(3000);
const FAKE_PORT = offsetPort(3100);
const PROJECT = `wcp-compose-test-${process.pid}`;
const { step, check, finish } = reporter("test:compose");

function composeCommand(): string[] {
  if (docker(["compose", "version"], { allowFail: true }).status === 0) return ["docker", "compose"];
  if (run("docker-compose", ["version"], { allowFail: true }).status === 0) return ["docker-compose"];
  throw new Error("no Compose: `docker compose` (v2) or docker-compose (apt-get install -y docker-compose)");
}

async function main(): Promise<void> {
  requireDocker();
  const [cmd, ...pre] = composeCommand();
  step(`compose: ${run(cmd!, [...pre, "version"]).out.split("\n")[0]}`);

  // 1. the images compose.yaml and the Dockerfile start from
  const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"))![1]!;
  const dbImage = /^\s+image: (postgres:\S+)$/m.exec(fs.readFileSync(path.join(root, "compose.yaml"), "utf8"))![1]!;
  for (const image of [nodeImage, dbImage]) ensureImage(image, step);
  const dbLabel = docker(["image", "inspect", "-f", '{{index .Config.Labels "org.opencontainers.image.description"}}', dbImage]).out;
  step(`images ready: ${nodeImage}, ${dbImage}${dbLabel.includes("stand-in") ? ` (${dbLabel})` : ""}`);

  // 2. a clean clone
  const sha = run("git", ["rev-parse", "HEAD"]).out;
  const dirty = run("git", ["status", "--porcelain"]).out;
  if (dirty) step(`warning: uncommitted changes are not in the clean clone (testing ${sha.slice(0, 12)} as committed)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "wcp-compose-"));
  const clone = path.join(tmp, "wechatpay-checkout");
  run("git", ["clone", "--quiet", "--no-hardlinks", root, clone]);
  run("git", ["checkout", "--quiet", "--detach", sha], { cwd: clone });
  step(`clean clone of ${sha.slice(0, 12)} in a temporary folder`);

  const env = { COMPOSE_PROJECT_NAME: PROJECT, CHECKOUT_PORT: String(CHECKOUT_PORT), FAKE_PORT: String(FAKE_PORT) };
  // the demo reads compose.yaml + compose.override.yaml (the default); production names its two files
  let files: string[] = [];
  const compose = (args: string[], opts: { timeoutMs?: number; allowFail?: boolean } = {}) =>
    run(cmd!, [...pre, ...files, ...args], { cwd: clone, env, ...opts });
  const container = (service: string) => compose(["ps", "-q", service]).out.split("\n")[0]!;
  try {
    // 3. up
    step(`${[cmd, ...pre].join(" ")} up -d --build (CHECKOUT_PORT=${CHECKOUT_PORT}, FAKE_PORT=${FAKE_PORT})`);
    const upAt = Date.now();
    const up = compose(["up", "-d", "--build"], { timeoutMs: 3_600_000, allowFail: true });
    fs.mkdirSync(path.join(root, ".data"), { recursive: true });
    fs.writeFileSync(path.join(root, ".data/test-compose-up.log"), up.out);
    const upLines = up.out.split("\n").filter((l) => /^(Creating|Starting|Recreating|Successfully tagged|\s*Container)\b/.test(l));
    console.log(upLines.map((l) => `    ${l}`).join("\n"));
    if (up.status !== 0)
      throw new Error(`up failed (${up.status}); the end of .data/test-compose-up.log:\n${up.out.split("\n").slice(-30).join("\n")}`);
    step(`up returned after ${Math.round((Date.now() - upAt) / 1000)} s`);

    const appUrl = `http://127.0.0.1:${CHECKOUT_PORT}`;
    const appOrigin = `http://localhost:${CHECKOUT_PORT}`;
    const ready = await until(
      "GET /api/ready answers 200",
      async () => {
        const r = await request(`${appUrl}/api/ready`);
        return r.status === 200 ? r.text : undefined;
      },
      120_000,
    );
    check(true, `GET /api/ready → 200 ${ready}`);
    console.log(compose(["ps"]).out.replace(/^/gm, "    "));

    const exitCode = (service: string) => docker(["inspect", "-f", "{{.State.ExitCode}}", container(service)]).out;
    const migrateLog = compose(["logs", "--no-color", "migrate"]).out.split("\n");
    step(
      `migrate: ${migrateLog
        .filter((l) => /migration|Applied|pending/i.test(l))
        .slice(-2)
        .join(" / ")}`,
    );
    check(exitCode("migrate") === "0", "the one-shot migrate service ran after db was healthy and exited 0");
    const seedLog = compose(["logs", "--no-color", "seed"]).out.split("\n");
    step(`seed: ${seedLog.filter((l) => /Seeded/.test(l)).at(-1) ?? "(no output)"}`);
    check(exitCode("seed") === "0", "the demo catalogue was seeded (compose.override.yaml) and seed exited 0");
    const dbVersion = compose(["exec", "-T", "db", "postgres", "-V"]).out;
    check(/PostgreSQL/.test(dbVersion), `db answers: ${dbVersion}${dbLabel.includes("stand-in") ? " — the stand-in, not 16" : ""}`);
    const app = container("app");
    const health = await until(
      "the app's HEALTHCHECK reports healthy",
      async () => {
        const s = docker(["inspect", "-f", "{{.State.Health.Status}}", app]).out;
        return s === "healthy" ? s : undefined;
      },
      90_000,
    );
    const uid = /^Uid:\s+(\d+)/m.exec(docker(["exec", app, "cat", "/proc/1/status"]).out)![1]!;
    check(health === "healthy" && uid !== "0", `app container ${health}, PID 1 uid ${uid} (not root)`);
    const writable = docker(
      ["exec", app, "sh", "-c", "touch /app/.data/images/.probe && rm /app/.data/images/.probe && stat -c '%U' /app/.data/images"],
      {
        allowFail: true,
      },
    );
    check(writable.status === 0, `the images volume (/app/.data/images) is writable by the app's user (owner ${writable.out})`);

    // 4. one order, end to end
    const res = await request(`${appUrl}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: appOrigin, "x-request-id": "compose-test-checkout-1" },
      body: JSON.stringify(
        checkoutBody([
          { sku: "TEA-BC-100", quantity: 1 },
          { sku: "STA-NB-A5", quantity: 1 },
        ]),
      ),
    });
    const created = JSON.parse(res.text) as { orderNo?: string; h5Url?: string; message?: string };
    check(res.status === 201 && !!created.orderNo, `checkout → ${res.status} ${created.orderNo ?? created.message}`);
    const orderNo = created.orderNo!;
    await fakeControl(`http://127.0.0.1:${FAKE_PORT}`, `/orders/${orderNo}/pay`, {});
    step(`the fake cashier (fake service, in the app's network) paid ${orderNo}; its notification goes to the app`);
    const paid = await until(
      "the order turns PAID",
      async () => {
        const o = JSON.parse((await request(`${appUrl}/api/orders/${orderNo}`)).text) as { status: string; totalFen: number };
        return o.status === "PAID" ? o : undefined;
      },
      60_000,
    );
    check(true, `GET /api/orders/${orderNo} → PAID, ¥${(paid.totalFen / 100).toFixed(2)}`);
    const row = compose([
      "exec",
      "-T",
      "db",
      "psql",
      "-U",
      "checkout",
      "-d",
      "checkout",
      "-tA",
      "-c",
      `SELECT o."status", o."totalFen", o."paidAt" IS NOT NULL, string_agg(s."tradeState", ',' ORDER BY s."position") ` +
        `FROM "Order" o JOIN "SubOrder" s ON s."orderNo" = o."orderNo" WHERE o."orderNo" = '${orderNo}' GROUP BY o."orderNo"`,
    ]).out;
    step(`psql in the db container: status|totalFen|paidAt set|sub-orders → ${row}`);
    check(/^PAID\|\d+\|t\|SUCCESS(,SUCCESS)*$/.test(row), `PostgreSQL has ${orderNo} PAID with every sub-order SUCCESS`);
    const notified = compose(["logs", "--no-color", "fake"])
      .out.split("\n")
      .filter((l) => /notif/i.test(l));
    if (notified.length) step(`fake's log: ${notified.at(-1)!.trim()}`);
    const appLines = compose(["logs", "--no-color", "app"]).out.split("\n");
    const notifyLine = appLines.find((l) => l.includes('"route":"/api/wechatpay/notify"'));
    if (notifyLine) step(`app's log: ${notifyLine.replace(/^[^{]*/, "")}`);

    // 5. production: compose.yaml + compose.production.yaml, the settings in .env, the key files in keys/
    compose(["down", "-v", "--remove-orphans"], { timeoutMs: 180_000 });
    files = ["-f", "compose.yaml", "-f", "compose.production.yaml"];
    fs.mkdirSync(path.join(clone, "keys"));
    const fixtures = path.join(root, "tests/fixtures/keys");
    fs.copyFileSync(path.join(fixtures, "merchant-private-key.pem"), path.join(clone, "keys/apiclient_key.pem"));
    fs.copyFileSync(path.join(fixtures, "wechatpay-public-key.pem"), path.join(clone, "keys/pub_key.pem"));
    const settings = {
      ...testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "https://shop.example.com", databaseUrl: "" }),
      WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: "/run/keys/apiclient_key.pem",
      WECHATPAY_PUBLIC_KEY_FILE: "/run/keys/pub_key.pem",
      ADMIN_TOKEN: "compose-production-Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6Gs8A",
      TRUST_PROXY_HOPS: "1",
      POSTGRES_PASSWORD: randomBytes(12).toString("hex"),
    };
    fs.writeFileSync(
      path.join(clone, ".env"),
      Object.entries(settings)
        .filter(([, v]) => v !== "")
        .map(([k, v]) => `${k}=${v}`)
        .join("\n") + "\n",
    );
    step(`production: ${[cmd, ...pre, ...files].join(" ")} up -d (.env with a random POSTGRES_PASSWORD, TEST keys in keys/)`);
    compose(["up", "-d"], { timeoutMs: 600_000 });
    const prodReady = await until(
      "production /api/ready answers 200",
      async () => {
        const r = await request(`${appUrl}/api/ready`);
        return r.status === 200 ? r.text : undefined;
      },
      120_000,
    );
    const services = compose(["ps", "--services"]).out.split("\n").filter(Boolean).sort();
    check(
      services.join(",") === "app,db,migrate",
      `production: /api/ready 200 ${prodReady}; services ${services.join(", ")} (no fake, no seed)`,
    );
    const doctor = compose(["run", "--rm", "--no-deps", "-T", "app", "doctor", "--problems-only"], { allowFail: true });
    const problems = doctor.out.split("\n").filter((l) => /^\s*✗/.test(l));
    step(`production doctor:\n${problems.map((l) => `    ${l.trim()}`).join("\n")}`);
    check(
      doctor.status === 1 &&
        problems.some((l) => /WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: is a committed TEST key/.test(l)) &&
        !problems.some((l) => /DATABASE_URL/.test(l)),
      "production doctor reads .env and keys/ (names the TEST key files) and finds the database migrated",
    );
  } catch (e) {
    const logs = compose(["logs", "--no-color", "--tail", "80"], { allowFail: true }).out;
    fs.writeFileSync(path.join(root, ".data/test-compose-logs.txt"), logs);
    step("the services' last log lines are in .data/test-compose-logs.txt");
    throw e;
  } finally {
    // 6. down -v
    const down = compose(["down", "-v", "--remove-orphans"], { allowFail: true, timeoutMs: 180_000 });
    const left = [
      ...docker(["ps", "-aq", "--filter", `label=com.docker.compose.project=${PROJECT}`]).out.split("\n"),
      ...docker(["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]).out.split("\n"),
      ...docker(["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]).out.split("\n"),
    ].filter(Boolean);
    fs.rmSync(tmp, { recursive: true, force: true });
    check(down.status === 0 && left.length === 0, "down -v: no container, volume or network of the project left; clone removed");
  }
}

void finish(main);
