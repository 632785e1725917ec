// npm run test:cloudbase — README "腾讯云 CloudBase 云托管", the parts that run without Tencent Cloud: the image
// as 云托管 runs it (settings as environment variables, key files mounted as secrets, TRUST_PROXY_HOPS=1 behind
// its gateway, no disk worth keeping), against a PostgreSQL in a private network standing in for TencentDB.
// Not part of npm test: it needs root, a running Docker engine, and the image (npm run test:docker or
// test:compose builds it; IMAGE picks another tag).
//
//   1. no DATABASE_URL (SQLite on the container's own disk): the server starts with a warning, but /api/ready
//      stays 503 and the image's doctor names DATABASE_URL, so a readiness probe never sends it traffic;
//   2. PORT=80 where unprivileged ports start at 1024 (a Kubernetes pod's default; Docker lowers it to 0): the
//      non-root server cannot listen, so the service's container port must be ≥ 1024 (3000);
//   3. DATABASE_URL to "TencentDB" (postgres:16, by its private name): `migrate` as a one-off task, then two
//      instances: both ready, the job runner alive in both; one stopped within the grace period (exit 143)
//      while the other stays ready.
//
// Output: one line per step, then a summary; exit 1 on the first failed check.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";
import { docker, ensureImage, reporter, request, requireDocker, root, until } from "./support";

const IMAGE = process.env.IMAGE ?? "wechatpay-checkout:latest";
const TAG = `wcp-cloudbase-${process.pid}`;
const PORTS = [offsetPort(3041), offsetPort(3042)];
const { step, check, finish } = reporter("test:cloudbase");

async function main(): Promise<void> {
  requireDocker();
  if (docker(["image", "inspect", IMAGE], { allowFail: true }).status !== 0)
    throw new Error(`no image ${IMAGE}: npm run test:compose (or test:docker with IMAGE=wechatpay-checkout:test) first`);
  ensureImage("postgres:16", step);

  const password = randomBytes(12).toString("hex");
  const databaseUrl = `postgresql://checkout:${password}@tencentdb:5432/checkout`;
  // what the 云托管 service is given: settings, the key files as mounted secrets, its gateway as the one proxy
  const settings = {
    ...testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "https://shop.example.com", databaseUrl: "" }),
    WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: "/run/secrets/wechatpay/apiclient_key.pem",
    WECHATPAY_PUBLIC_KEY_FILE: "/run/secrets/wechatpay/pub_key.pem",
    TRUST_PROXY_HOPS: "1",
    ADMIN_TOKEN: "cloudbase-test-Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6Gs8A",
  };
  const envArgs = (extra: Record<string, string>) =>
    Object.entries({ ...settings, ...extra })
      .filter(([, v]) => v !== "")
      .flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const keys = path.join(root, "tests/fixtures/keys");
  const secrets = [
    ...["-v", `${keys}/merchant-private-key.pem:/run/secrets/wechatpay/apiclient_key.pem:ro`],
    ...["-v", `${keys}/wechatpay-public-key.pem:/run/secrets/wechatpay/pub_key.pem:ro`],
  ];
  const containers: string[] = [];
  docker(["network", "create", TAG]);
  try {
    // 1. SQLite on the container's disk
    const noDb = `${TAG}-nodb`;
    containers.push(noDb);
    docker(["run", "-d", "--name", noDb, "-p", `127.0.0.1:${PORTS[0]}:3000`, ...secrets, ...envArgs({ PORT: "3000" }), IMAGE]);
    await until(
      "the server answers /api/health",
      async () => ((await request(`http://127.0.0.1:${PORTS[0]}/api/health`)).status === 200 ? true : undefined),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    const notReady = await request(`http://127.0.0.1:${PORTS[0]}/api/ready`);
    check(
      notReady.status === 503,
      `no DATABASE_URL (SQLite on the container's disk): /api/health 200, /api/ready ${notReady.status} ${notReady.text}`,
    );
    const warning =
      docker(["logs", noDb])
        .out.split("\n")
        .find((l) => l.includes('"component":"entrypoint"')) ?? "";
    check(/SQLite on the container's own disk/.test(warning), `the entrypoint warns: ${warning}`);
    const doctor = docker(["run", "--rm", ...secrets, ...envArgs({}), IMAGE, "doctor", "--problems-only"], { allowFail: true });
    const dbLine = doctor.out.split("\n").filter((l) => l.includes("DATABASE_URL"));
    step(`doctor:\n${dbLine.map((l) => `    ${l}`).join("\n")}`);
    check(doctor.status === 1 && dbLine.length > 0, "the image's doctor exits 1 and names DATABASE_URL");
    docker(["rm", "-f", noDb]);

    // 2. port 80 as non-root where unprivileged ports start at 1024
    const port80 = `${TAG}-port80`;
    containers.push(port80);
    docker([
      "run",
      "-d",
      "--name",
      port80,
      "--sysctl",
      "net.ipv4.ip_unprivileged_port_start=1024",
      ...secrets,
      ...envArgs({ PORT: "80" }),
      IMAGE,
    ]);
    const exited = await until(
      "the container exits",
      async () => (docker(["inspect", "-f", "{{.State.Status}}", port80]).out === "exited" ? true : undefined),
      60_000,
    );
    const eacces =
      docker(["logs", port80])
        .out.split("\n")
        .find((l) => /EACCES/.test(l)) ?? "";
    check(exited && eacces !== "", `PORT=80 with ip_unprivileged_port_start=1024: the non-root server exits: ${eacces.slice(0, 160)}`);

    // 3. TencentDB stand-in on the private network, migrate as a one-off task, two instances
    const db = `${TAG}-db`;
    containers.push(db);
    docker([
      ...["run", "-d", "--name", db, "--network", TAG, "--network-alias", "tencentdb"],
      ...["-e", "POSTGRES_USER=checkout", "-e", `POSTGRES_PASSWORD=${password}`, "-e", "POSTGRES_DB=checkout", "postgres:16"],
    ]);
    await until(
      "the database accepts connections",
      async () =>
        docker(["exec", db, "pg_isready", "-h", "127.0.0.1", "-U", "checkout", "-d", "checkout"], { allowFail: true }).status === 0
          ? true
          : undefined,
      60_000,
    );
    const migrate = docker(["run", "--rm", "--network", TAG, "-e", `DATABASE_URL=${databaseUrl}`, IMAGE, "migrate"]);
    check(/Applied/.test(migrate.out), `one-off task \`migrate\`: ${migrate.out.split("\n").at(-1)!.slice(0, 120)}…`);
    const instances = PORTS.map((p, i) => {
      const name = `${TAG}-app-${i + 1}`;
      containers.push(name);
      docker([
        "run",
        "-d",
        "--name",
        name,
        "--network",
        TAG,
        "-p",
        `127.0.0.1:${p}:3000`,
        ...secrets,
        ...envArgs({ DATABASE_URL: databaseUrl, PORT: "3000" }),
        IMAGE,
      ]);
      return { name, url: `http://127.0.0.1:${p}` };
    });
    for (const inst of instances) {
      const ready = await until(
        `${inst.name} ready`,
        async () => {
          const r = await request(`${inst.url}/api/ready`);
          return r.status === 200 ? r.text : undefined;
        },
        90_000,
      );
      check(/"jobs":"ok"/.test(ready), `${inst.name}: /api/ready 200 ${ready}`);
    }
    const stopAt = Date.now();
    docker(["stop", "-t", "20", instances[0]!.name], { timeoutMs: 60_000 });
    const code = docker(["inspect", "-f", "{{.State.ExitCode}}", instances[0]!.name]).out;
    const other = await request(`${instances[1]!.url}/api/ready`);
    check(
      code === "143" && other.status === 200,
      `${instances[0]!.name} stopped (grace 20 s) → exit ${code} after ${Date.now() - stopAt} ms; ${instances[1]!.name} still ready (${other.status})`,
    );
  } finally {
    for (const c of containers) docker(["rm", "-f", "-v", c], { allowFail: true });
    docker(["network", "rm", TAG], { allowFail: true });
  }
}

void finish(main);
