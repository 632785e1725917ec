// The standalone server (next.config.ts `output: "standalone"`, completed by lib/cli/assemble-standalone.mjs):
// `node .next/standalone/server.js` from its own folder, as the container image runs it, serves the cart with
// every script and stylesheet the page references, the files of public/, and a ready /api/ready; its own
// `node prisma/migrate.mjs deploy` migrated the database. Forgetting to copy .next/static or public/ is the classic 404-on-assets bug this catches.
// Needs `npm run build` first (reuses its output); SQLite, no PostgreSQL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { port as offsetPort } from "../support/ports";
import { testAppEnv } from "../support/test-identity";

const root = path.resolve(import.meta.dirname, "../..");
const standalone = path.join(root, ".next/standalone");
const PORT = offsetPort(3015);
const base = `http://127.0.0.1:${PORT}`;

describe("the standalone server", () => {
  let child: ChildProcess;
  const out: string[] = [];
  const dir = path.join(root, ".data", `standalone-${process.pid}`);
  const databaseUrl = `file:${path.join(dir, "app.db")}`;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(standalone, "server.js"))) throw new Error("no standalone build: run `npm run build` first");
    fs.mkdirSync(dir, { recursive: true });
    const env = { ...process.env, DATABASE_URL: databaseUrl };
    // The migrate command shipped in the standalone folder (the image's `migrate`), then the demo catalogue.
    execFileSync(process.execPath, ["prisma/migrate.mjs", "deploy"], { cwd: standalone, env, stdio: "pipe" });
    execFileSync(process.execPath, ["--conditions=react-server", "--import", "tsx", "prisma/seed.ts"], { cwd: root, env, stdio: "pipe" });
    // Absolute paths only: server.js changes into its own folder (the image's /app), away from this checkout.
    child = spawn(process.execPath, ["server.js"], {
      cwd: standalone,
      env: {
        PATH: process.env.PATH,
        ...testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: base, databaseUrl }),
        NODE_ENV: "production",
        PORT: String(PORT),
        HOSTNAME: "127.0.0.1",
        JOBS_ENABLED: "false",
        CATALOG_IMAGE_DIR: path.join(dir, "images"),
        NEXT_TELEMETRY_DISABLED: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.on("data", (d: Buffer) => out.push(String(d)));
    child.stderr!.on("data", (d: Buffer) => out.push(String(d)));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server.js exited:\n${out.join("")}`);
      const res = await fetch(`${base}/api/health`).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`server.js did not start:\n${out.join("")}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("serves the cart and every script and stylesheet it references", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("去支付");
    const assets = [...new Set([...html.matchAll(/(?:src|href)="(\/_next\/static\/[^"]+)"/g)].map((m) => m[1]!))];
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
    for (const asset of assets) {
      const r = await fetch(`${base}${asset}`);
      expect([asset, r.status]).toEqual([asset, 200]);
      expect(r.headers.get("cache-control")).toContain("immutable");
      expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it("ships no test file (the TEST-ONLY keys are traced in, and lib/cli/assemble-standalone.mjs removes them)", () => {
    expect(fs.existsSync(path.join(standalone, "tests"))).toBe(false);
    const keys = fs.readdirSync(path.join(root, "tests/fixtures/keys")).filter((f) => f.endsWith(".pem"));
    const shipped = fs.readdirSync(standalone, { recursive: true, encoding: "utf8" });
    expect(shipped.filter((f) => keys.includes(path.basename(f)))).toEqual([]);
  });

  it("serves the files of public/ byte for byte", async () => {
    const files = ["favicon.ico", "manifest.webmanifest", "apple-touch-icon.png", "icons/icon-192.v1.png"];
    const stores = fs.readdirSync(path.join(root, "public/images/stores"));
    files.push(`images/stores/${stores[0]!}`);
    for (const f of files) {
      const r = await fetch(`${base}/${f}`);
      expect([f, r.status]).toEqual([f, 200]);
      expect(Buffer.from(await r.arrayBuffer()).equals(fs.readFileSync(path.join(root, "public", f)))).toBe(true);
    }
  });

  it("carries the doctor: node doctor.mjs checks the same settings from the standalone folder", () => {
    const env = {
      PATH: process.env.PATH,
      ...testAppEnv({ wechatpayBaseUrl: "http://127.0.0.1:9", appBaseUrl: "https://shop.example.com", databaseUrl }),
      ADMIN_TOKEN: "Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6Gs8A=",
      NODE_ENV: "development" as const,
    };
    const report = execFileSync(process.execPath, ["doctor.mjs"], { cwd: standalone, env, encoding: "utf8" });
    expect(report).toMatch(/✓ DATABASE_URL: reachable; all \d+ migrations applied/);
    expect(report).toMatch(/✓ WECHATPAY_PUBLIC_KEY_ID: looks like PUB_KEY_ID_/);
    expect(report).toMatch(/no errors/);
  });

  it("is ready (database, migrations shipped with it, WeChat Pay configuration) and logs JSON lines", async () => {
    const res = await fetch(`${base}/api/ready`, { headers: { "x-request-id": "standalone-ready-0001" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("standalone-ready-0001");
    expect(await res.json()).toEqual({ status: "ready", checks: { database: "ok", migrations: "ok", wechatpay: "ok", jobs: "off" } });
    await fetch(`${base}/api/products`, { headers: { "x-request-id": "standalone-products-01" } });
    await new Promise((r) => setTimeout(r, 100));
    const lines = out
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.reqId === "standalone-products-01")).toMatchObject({ msg: "request", route: "/api/products", status: 200 });
  });
});
