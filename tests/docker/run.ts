// npm run test:docker — builds the container image (Dockerfile) and runs it the way a deployment does, then
// checks what README "Deploy" promises. Not part of npm test: it needs root, a running Docker engine and minutes.
//
//   1. the Dockerfile's base image: pulled, or (no Docker Hub here) a stand-in built by stand-in-base.sh;
//   2. the image, with the classic builder (DOCKER_BUILDKIT=0); its size against the base (≤ 150 MB added);
//      no dev dependency, no test file and no test key inside;
//   3. a throw-away PostgreSQL (tests/support/postgres.sh, its own port and folder) and the fake WeChat Pay on
//      this host; the image's `migrate` command; the demo catalogue seeded from the checkout;
//   4. the app container (host network): Docker's HEALTHCHECK turns healthy, PID 1 is not root, one order is
//      paid through it end to end, /api/ready is 200 — and 503 once the database is stopped, while /api/health
//      stays 200; its logs are JSON lines with request ids; `docker stop` shuts it down gracefully (exit 143).
//
// Output: one line per step, then a summary; exit 1 on the first failed check.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startFakeWechatPay } from "../fake-wechatpay/server";
import { fakeControl } from "../fake-wechatpay/control-client";
import { checkoutBody } from "../support/checkout-body";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";
import { docker, ensureImage, reporter, requireDocker, root, until } from "./support";

const IMAGE = "wechatpay-checkout:test";
const CONTAINER = `wcp-test-app-${process.pid}`;
const APP_PORT = offsetPort(3017);
const FAKE_PORT = offsetPort(3117);
const PG_PORT = offsetPort(55499);
const PG_DIR = path.join(root, ".data/pg-docker");
const MAX_ADDED_MB = 150;
const { step, check, summary, finish } = reporter("test:docker");
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  requireDocker();

  // 1. the base image
  const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(fs.readFileSync(path.join(root, "Dockerfile"), "utf8"))![1]!;
  ensureImage(base, step);
  step(`base image ${base} ready`);

  // 2. the image
  step(`docker build (classic builder) -t ${IMAGE}`);
  const built = Date.now();
  docker(["build", "-t", IMAGE, "."], { env: { DOCKER_BUILDKIT: "0" }, timeoutMs: 3_600_000 });
  step(`built in ${Math.round((Date.now() - built) / 1000)} s`);
  const size = (image: string) => Number(docker(["image", "inspect", "-f", "{{.Size}}", image]).out);
  const baseMb = mb(size(base));
  const imageMb = mb(size(IMAGE));
  const added = Math.round((imageMb - baseMb) * 10) / 10;
  summary.push(
    `image ${IMAGE}: ${imageMb} MiB; base ${base}: ${baseMb} MiB; added ${added} MiB (limit ${MAX_ADDED_MB} MB = ${mb(MAX_ADDED_MB * 1e6)} MiB)`,
  );
  check(added <= mb(MAX_ADDED_MB * 1e6), `the image adds ${added} MiB to its base (≤ ${MAX_ADDED_MB} MB)`);
  const keyLine = fs
    .readFileSync(path.join(root, "tests/fixtures/keys/merchant-private-key.pem"), "utf8")
    .split("\n")
    .find((l) => l.length > 40)!;
  const inside = docker([
    "run",
    "--rm",
    "--entrypoint",
    "sh",
    IMAGE,
    "-c",
    `ls -d /app/tests /app/node_modules/typescript /app/node_modules/vitest /app/node_modules/@playwright /app/node_modules/eslint 2>/dev/null; ` +
      `grep -rlF '${keyLine}' /app 2>/dev/null; echo done`,
  ]).out;
  check(inside === "done", "no dev dependency, no tests/ and no test key in the final image");

  // 3. PostgreSQL, the fake, migrations, the catalogue
  const pgEnv = { ...process.env, PG_TEST_PORT: String(PG_PORT), PG_TEST_DIR: PG_DIR };
  const databaseUrl = execFileSync(path.join(root, "tests/support/postgres.sh"), ["start", "wcp_docker"], {
    env: pgEnv,
    encoding: "utf8",
  }).trim();
  step(`PostgreSQL (throw-away, ${PG_DIR}) at ${databaseUrl}`);
  const fake = await startFakeWechatPay({
    port: FAKE_PORT,
    host: "127.0.0.1",
    notifyTimeScale: 0.01,
    h5Domains: ["127.0.0.1", "localhost"],
  });
  try {
    const migrate = docker(["run", "--rm", "--network", "host", "-e", `DATABASE_URL=${databaseUrl}`, IMAGE, "migrate"]);
    step(`docker run ${IMAGE} migrate → ${migrate.out.split("\n").at(-1)}`);
    check(/Applied|No pending migrations/.test(migrate.out), "migrations applied by the image's separate `migrate` command");
    execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: "pipe",
    });

    // 4. the app
    const appBaseUrl = `http://127.0.0.1:${APP_PORT}`;
    const env = {
      ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl, databaseUrl }),
      WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: "/run/test-keys/merchant-private-key.pem",
      WECHATPAY_PUBLIC_KEY_FILE: "/run/test-keys/wechatpay-public-key.pem",
      ADMIN_TOKEN: "docker-test-Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6",
      PORT: String(APP_PORT),
      HOSTNAME: "127.0.0.1",
      JOBS_TICK_MS: "1000",
    };
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const keysMount = ["-v", `${path.join(root, "tests/fixtures/keys")}:/run/test-keys:ro`];
    docker(["run", "-d", "--name", CONTAINER, "--network", "host", ...keysMount, ...envArgs, IMAGE]);
    try {
      await until(
        "GET /api/health answers 200",
        async () => ((await fetch(`${appBaseUrl}/api/health`)).status === 200 ? true : undefined),
        90_000,
      );
      check(true, "GET /api/health → 200");
      const health = await until(
        "Docker's HEALTHCHECK reports healthy",
        async () => {
          const s = docker(["inspect", "-f", "{{.State.Health.Status}}", CONTAINER]).out;
          return s === "healthy" ? s : undefined;
        },
        90_000,
      );
      check(health === "healthy", "Docker HEALTHCHECK (GET /api/health) → healthy");
      const uid = /^Uid:\s+(\d+)/m.exec(docker(["exec", CONTAINER, "cat", "/proc/1/status"]).out)![1]!;
      const user = docker(["exec", CONTAINER, "id", "-un"]).out;
      check(uid !== "0", `the server runs as non-root: PID 1 uid ${uid} (${user})`);

      const ready = await fetch(`${appBaseUrl}/api/ready`);
      const readyBody = await ready.text();
      check(ready.status === 200, `GET /api/ready → ${ready.status} ${readyBody}`);

      const checkout = await fetch(`${appBaseUrl}/api/checkout`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: appBaseUrl, "x-request-id": "docker-test-checkout-1" },
        body: JSON.stringify(
          checkoutBody([
            { sku: "TEA-BC-100", quantity: 1 },
            { sku: "BAK-CK-02", quantity: 2 },
          ]),
        ),
      });
      const { orderNo } = (await checkout.json()) as { orderNo: string };
      check(
        checkout.status === 201 && checkout.headers.get("x-request-id") === "docker-test-checkout-1",
        `checkout → 201 ${orderNo}, X-Request-Id returned`,
      );
      await fakeControl(fake.url, `/orders/${orderNo}/pay`, {});
      const paid = await until(
        "the order turns PAID",
        async () => {
          const o = (await (await fetch(`${appBaseUrl}/api/orders/${orderNo}`)).json()) as { status: string; totalFen: number };
          return o.status === "PAID" ? o : undefined;
        },
        30_000,
      );
      check(
        true,
        `one order paid end to end: ${orderNo} PAID, ¥${(paid.totalFen / 100).toFixed(2)} (fake cashier → signed notification → the container)`,
      );

      const doctor = docker(["run", "--rm", "--network", "host", ...keysMount, ...envArgs, IMAGE, "doctor", "--live", "--problems-only"], {
        allowFail: true,
      });
      step(`docker run ${IMAGE} doctor --live (production mode with the TEST keys, so errors are expected):`);
      console.log(doctor.out.replace(/^/gm, "    "));
      check(
        doctor.status === 1 && /committed TEST key/.test(doctor.out),
        "the image's doctor runs, names the TEST keys as errors and exits 1",
      );

      // the database goes away
      execFileSync(path.join(root, "tests/support/postgres.sh"), ["stop"], { env: pgEnv, stdio: "pipe" });
      const stoppedAt = Date.now();
      const notReady = await until(
        "/api/ready turns 503",
        async () => {
          const r = await fetch(`${appBaseUrl}/api/ready`);
          return r.status === 503 ? `${r.status} ${await r.text()}` : undefined;
        },
        15_000,
      );
      check(true, `database stopped → GET /api/ready ${notReady} (after ${Date.now() - stoppedAt} ms)`);
      const liveness = await fetch(`${appBaseUrl}/api/health`);
      check(liveness.status === 200, `GET /api/health still ${liveness.status} (liveness never touches the database)`);

      const logs = docker(["logs", CONTAINER]).out.split("\n");
      const requestLines = logs.filter((l) => l.startsWith("{") && l.includes('"msg":"request"'));
      const checkoutLine = requestLines.find((l) => l.includes("docker-test-checkout-1"));
      step(`a request line from the container's stdout: ${checkoutLine}`);
      check(
        requestLines.length > 0 && checkoutLine !== undefined,
        `logs are JSON lines, one per request with its id (${requestLines.length} request lines)`,
      );

      const stopAt = Date.now();
      docker(["stop", "-t", "20", CONTAINER], { timeoutMs: 60_000 });
      const exitCode = docker(["inspect", "-f", "{{.State.ExitCode}}", CONTAINER]).out;
      check(exitCode === "143", `docker stop → graceful exit ${exitCode} after ${Date.now() - stopAt} ms`);
    } finally {
      docker(["rm", "-f", CONTAINER], { allowFail: true });
    }
  } finally {
    await fake.close();
    execFileSync(path.join(root, "tests/support/postgres.sh"), ["destroy"], { env: pgEnv, stdio: "pipe" });
  }
}

void finish(main);
