import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN_ORDER } from "../../../.dependency-cruiser.mjs";

// Proves the import-graph rules of .dependency-cruiser.mjs (run by `npm run lint`) exist and fire: a scratch
// tree with the repository's layout and one violation per rule is cruised with the project's own rules.
const root = path.resolve(import.meta.dirname, "../../..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "import-graph-"));

const FILES: Record<string, string> = {
  // allowed: the domain uses the foundation and lib/http; lib/wechatpay uses node:*; app uses everything below it
  "lib/errors.ts": "export class AppError extends Error {}\n",
  "lib/db.ts": 'import { AppError } from "./errors";\nexport const db = AppError;\n',
  "lib/http/respond.ts": 'import { AppError } from "@/lib/errors";\nexport const respond = AppError;\n',
  "lib/orders/checkout.ts":
    'import { db } from "@/lib/db";\nimport { respond } from "../http/respond";\nexport const checkout = [db, respond];\n',
  "lib/wechatpay/sign.ts": 'import { createHash } from "node:crypto";\nexport const sign = createHash;\n',
  "components/cart.tsx": "export const Cart = 1;\n",
  "app/page.tsx":
    'import { Cart } from "@/components/cart";\nimport { checkout } from "@/lib/orders/checkout";\nexport default [Cart, checkout];\n',
  // one violation per rule
  "lib/orders/ping.ts": 'import { pong } from "./pong";\nexport const ping = () => pong;\n',
  "lib/orders/pong.ts": 'import { ping } from "./ping";\nexport const pong = () => ping;\n',
  "lib/wechatpay/client.ts": 'import { AppError } from "../errors";\nexport const client = AppError;\n',
  "lib/money.ts": 'import { respond } from "./http/respond";\nexport const money = respond;\n',
  "lib/http/guard.ts": 'import { checkout } from "@/lib/orders/checkout";\nexport const guard = checkout;\n',
  "lib/orders/view.ts": 'import { runJobs } from "@/lib/jobs/runner";\nexport const view = runJobs;\n',
  "lib/jobs/runner.ts": 'import Page from "@/app/page";\nexport const runJobs = Page;\n',
  "components/back.tsx": 'import Page from "@/app/page";\nexport const Back = Page;\n',
  "lib/orders/fixture.ts": 'import { sample } from "@/tests/sample";\nexport const fixture = sample;\n',
  "tests/sample.ts": "export const sample = 1;\n",
  // the domain folders: the dispatcher above orders and refunds may use both, and refunds may use orders (down);
  // orders dispatching into refunds was the back-arrow lib/notify/ removed, and must fail
  "lib/refunds/ledger.ts": 'import { checkout } from "@/lib/orders/checkout";\nexport const ledger = checkout;\n',
  "lib/notify/dispatch.ts":
    'import { ledger } from "@/lib/refunds/ledger";\nimport { checkout } from "../orders/checkout";\nexport const dispatch = [ledger, checkout];\n',
  "lib/orders/notify.ts": 'import { ledger } from "@/lib/refunds/ledger";\nexport const notify = ledger;\n',
  // and one back-arrow per domain folder: lib/<lower>/back-arrow.ts imports the folder just above it
  ...Object.fromEntries(
    DOMAIN_ORDER.slice(0, -1).flatMap((lower, i) => [
      [`lib/${lower}/back-arrow.ts`, `import { top } from "@/lib/${DOMAIN_ORDER[i + 1]}/top";\nexport const back = top;\n`],
      [`lib/${DOMAIN_ORDER[i + 1]}/top.ts`, "export const top = 1;\n"],
    ]),
  ),
};

type Violation = { rule: { name: string }; from: string; to: string };
let violations: Violation[];

beforeAll(async () => {
  for (const [file, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    fs.writeFileSync(path.join(scratch, file), text);
  }
  fs.writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { jsx: "react-jsx", baseUrl: ".", paths: { "@/*": ["./*"] } } }),
  );
  // The project's rules and options, as they are; only the files differ.
  fs.writeFileSync(
    path.join(scratch, "depcruise.mjs"),
    `export { default } from ${JSON.stringify(path.join(root, ".dependency-cruiser.mjs"))};\n`,
  );
  const bin = path.join(root, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
  // Violations exit non-zero: the JSON report is the result, not the exit code.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [bin, "app", "components", "lib", "tests", "--config", "depcruise.mjs", "--output-type", "json"],
    { cwd: scratch, maxBuffer: 32 * 1024 * 1024 },
  ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const fired = (rule: string) => violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}`);

describe("import-graph rules (.dependency-cruiser.mjs)", () => {
  it("no-circular: a cycle fails", () => {
    expect(fired("no-circular")).toEqual(expect.arrayContaining(["lib/orders/ping.ts → lib/orders/pong.ts"]));
  });

  it.each([
    ["wechatpay-framework-free", "lib/wechatpay/client.ts → lib/errors.ts"],
    ["foundation-not-up", "lib/money.ts → lib/http/respond.ts"],
    ["http-not-up", "lib/http/guard.ts → lib/orders/checkout.ts"],
    ["domain-not-up", "lib/orders/view.ts → lib/jobs/runner.ts"],
    ["lib-not-up", "lib/jobs/runner.ts → app/page.tsx"],
    ["components-not-up", "components/back.tsx → app/page.tsx"],
    ["shipped-code-not-tests", "lib/orders/fixture.ts → tests/sample.ts"],
  ])("%s: an import back up the layers fails (%s)", (rule, edge) => {
    expect(fired(rule)).toEqual([edge]);
  });

  it("orders-not-up: lib/orders importing lib/refunds (a back-arrow between domain folders) fails", () => {
    expect(fired("orders-not-up")).toEqual(expect.arrayContaining(["lib/orders/notify.ts → lib/refunds/ledger.ts"]));
  });

  it.each(DOMAIN_ORDER.slice(0, -1).map((lower, i) => [lower, DOMAIN_ORDER[i + 1]!]))(
    "%s-not-up: importing the domain folder just above it (lib/%s/) fails",
    (lower, upper) => {
      expect(fired(`${lower}-not-up`)).toEqual(expect.arrayContaining([`lib/${lower}/back-arrow.ts → lib/${upper}/top.ts`]));
    },
  );

  it("every folder of lib/ stands in a layer: a new domain folder must be given its place in DOMAIN_ORDER", () => {
    const elsewhere = ["wechatpay", "time", "delivery", "http", "jobs", "cli", "ops", "generated"];
    const folders = fs
      .readdirSync(path.join(root, "lib"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((f) => !elsewhere.includes(f) && !DOMAIN_ORDER.includes(f))).toEqual([]);
  });

  it("allowed imports (down the layers, node:* from lib/wechatpay) raise nothing", () => {
    const allowed = [
      "lib/db.ts",
      "lib/http/respond.ts",
      "lib/orders/checkout.ts",
      "lib/wechatpay/sign.ts",
      "app/page.tsx",
      "lib/refunds/ledger.ts",
      "lib/notify/dispatch.ts",
    ];
    expect(violations.filter((v) => allowed.includes(v.from))).toEqual([]);
  });
});
