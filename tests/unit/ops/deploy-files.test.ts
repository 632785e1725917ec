import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The deploy files are run end to end only by the root-and-Docker scripts of tests/docker/ (README "Deploy"), which
// npm test cannot run: these checks keep the decisions those runs taught from quietly coming undone.
const root = path.resolve(import.meta.dirname, "../../..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
const composeFiles = ["compose.yaml", "compose.override.yaml", "compose.production.yaml"];

describe("compose files", () => {
  it.each(composeFiles)("%s stays readable by docker-compose 1.29 as well as Compose v2", (file) => {
    const text = read(file);
    // 1.29 refuses a top-level `name` and an env_file entry with `path`/`required` (Compose 2.24+)
    expect(text).not.toMatch(/^name:/m);
    expect(text).not.toMatch(/^\s+(- )?path:|^\s+required:/m);
  });

  it("waits for PostgreSQL over TCP, which the postgres image opens only after its first-start initialisation", () => {
    expect(read("compose.yaml")).toMatch(/pg_isready -h 127\.0\.0\.1 /);
  });

  it("keeps the TEST keys and the fake out of the production file", () => {
    const production = read("compose.production.yaml");
    expect(production).not.toMatch(/test-keys|fake|WECHATPAY_UNSAFE_ALLOW_TEST_SETUP/);
    expect(production).toMatch(/env_file: \.env/);
  });
});

describe("nginx upstream", () => {
  it("never takes an instance out (max_fails=0): a refused or cut request is retried on the other one", () => {
    const servers = read("deploy/nginx.conf").match(/^\s*server 127\.0\.0\.1:\d+[^;]*;/gm) ?? [];
    expect(servers).toHaveLength(2);
    for (const s of servers) expect(s).toMatch(/max_fails=0/);
  });
});

describe("build context", () => {
  it("leaves the merchant's key folder and the settings out of the image build", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const entry of ["keys", ".env", ".env.*", ".git"]) expect(ignored).toContain(entry);
    expect(ignored).not.toContain("!.env.example");
  });
});
