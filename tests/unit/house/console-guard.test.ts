import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allowConsoleError } from "../../support/console";

// Proves the console.error guard (tests/support/console-guard.ts, a setup file of every vitest config):
// a scratch test file is run by a real vitest in a child process with the same setup file, and its
// per-test results are read back.
const root = path.resolve(import.meta.dirname, "../../..");
const scratch = path.join(root, ".data", `console-guard-${process.pid}`);

const FIXTURE = `
import { it } from "vitest";
import { allowConsoleError } from "${path.join(root, "tests/support/console")}";

it("quiet", () => {});
it("prints an unexpected error", () => { console.error("something broke"); });
it("prints an expected error", () => { allowConsoleError(/^expected:/); console.error("expected: a refused request"); });
it("an allowance ends with its test", () => { console.error("expected: again, but not declared here"); });
it("prints a different error than it allowed", () => { allowConsoleError(/^expected:/); console.error("surprise"); });
`;

const CONFIG = `
export default {
  resolve: { alias: { "server-only": ${JSON.stringify(path.join(root, "node_modules/server-only/empty.js"))} } },
  test: {
    root: ${JSON.stringify(scratch)},
    include: ["guarded.test.ts"],
    setupFiles: [${JSON.stringify(path.join(root, "tests/support/console-guard.ts"))}],
  },
};
`;

type Report = { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
let results: Map<string, { status: string; message: string }>;

beforeAll(async () => {
  fs.mkdirSync(scratch, { recursive: true });
  fs.writeFileSync(path.join(scratch, "guarded.test.ts"), FIXTURE);
  fs.writeFileSync(path.join(scratch, "vitest.config.mjs"), CONFIG);
  const out = path.join(scratch, "report.json");
  const vitest = path.join(root, "node_modules/vitest/vitest.mjs");
  // The scratch run fails (that is the point): its exit code is not the result, the JSON report is.
  await promisify(execFile)(
    process.execPath,
    [vitest, "run", "--config", path.join(scratch, "vitest.config.mjs"), "--reporter=json", `--outputFile=${out}`],
    { cwd: root, env: { ...process.env, NO_COLOR: "1" } },
  ).catch(() => undefined);
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as Report;
  results = new Map(
    report.testResults
      .flatMap((f) => f.assertionResults)
      .map((t) => [t.title, { status: t.status, message: t.failureMessages.join("\n") }]),
  );
}, 120_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("console.error guard", () => {
  it("fails a test that prints an unexpected console.error, naming the error", () => {
    expect(results.get("prints an unexpected error")).toMatchObject({ status: "failed" });
    expect(results.get("prints an unexpected error")!.message).toContain("something broke");
    expect(results.get("prints an unexpected error")!.message).toContain("allowConsoleError");
  });

  it("passes a quiet test and one that declared the error it prints", () => {
    expect(results.get("quiet")).toMatchObject({ status: "passed" });
    expect(results.get("prints an expected error")).toMatchObject({ status: "passed" });
  });

  it("scopes an allowance to its test and its pattern", () => {
    expect(results.get("an allowance ends with its test")).toMatchObject({ status: "failed" });
    expect(results.get("prints a different error than it allowed")).toMatchObject({ status: "failed" });
  });

  it("is active in this very run (allowConsoleError silences a declared error here too)", () => {
    allowConsoleError(/^console-guard self-test$/);
    console.error("console-guard self-test");
  });
});
