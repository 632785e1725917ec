import path from "node:path";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

// Proves that the layer rules of eslint.config.mjs exist and fire: each case lints a scratch source text
// under a file name in the layer (the file does not need to exist) with the project's real config.
const root = path.resolve(import.meta.dirname, "../../..");
let eslint: ESLint;

beforeAll(async () => {
  eslint = new ESLint({ cwd: root });
  // The first lint loads the parser and every plugin (seconds on a busy machine): do it here, with room.
  await eslint.lintText("export {};\n", { filePath: path.join(root, "lib/warm-up.ts") });
}, 120_000);

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  expect(result, `${filePath} was not linted (ignored?)`).toBeDefined();
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal.map((m) => m.message)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

// Each scratch text uses its import so no other rule (unused vars…) is needed to explain the result.
const use = (name: string) => `export const probe = ${name};\n`;

describe("layer rules (no-restricted-imports)", () => {
  it("lib/wechatpay may not import the database", async () => {
    const errors = await layerErrors("lib/wechatpay/scratch.ts", `import { db } from "@/lib/db";\n${use("db")}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("lib/wechatpay/ imports only node:*, zod and its own files");
  });

  it("lib/wechatpay may not import next/* or a file outside its folder", async () => {
    const errors = await layerErrors(
      "lib/wechatpay/scratch.ts",
      `import { NextResponse } from "next/server";\nimport { formatFen } from "../money";\n${use("[NextResponse, formatFen]")}`,
    );
    expect(errors).toHaveLength(2);
  });

  it("lib/wechatpay may import node:*, zod and its own files", async () => {
    const errors = await layerErrors(
      "lib/wechatpay/scratch.ts",
      `import { createHash } from "node:crypto";\nimport { z } from "zod";\nimport { WechatPayError } from "./errors";\n${use("[createHash, z, WechatPayError]")}`,
    );
    expect(errors).toEqual([]);
  });

  it.each([
    ["@/lib/db", "db"],
    ["@/lib/env", "env"],
    ["@/lib/wechatpay", "createWechatPayClient"],
    ["@/lib/wechatpay/client", "createWechatPayClient"],
    ["@/lib/wechatpay-server", "wechatPay"],
    ["@/lib/generated/prisma/client", "PrismaClient"],
    ["../lib/db", "db"],
  ])("components may not import %s", async (source, name) => {
    const errors = await layerErrors("components/scratch.tsx", `import { ${name} } from "${source}";\n${use(name)}`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("components/ never reach lib/db, lib/env");
  });

  it("components may import client-safe lib modules", async () => {
    const errors = await layerErrors("components/scratch.tsx", `import { formatFen } from "@/lib/money";\n${use("formatFen")}`);
    expect(errors).toEqual([]);
  });

  it.each([
    ["lib/scratch.ts", "../tests/support/test-db"],
    ["lib/orders/scratch.ts", "@/tests/fake-wechatpay/server"],
    ["app/api/scratch/route.ts", "@/tests/support/ports"],
    ["lib/wechatpay/scratch.ts", "../../tests/support/ports"],
    ["components/scratch.tsx", "@/tests/support/ports"],
  ])("%s may not import %s", async (file, source) => {
    const errors = await layerErrors(file, `import { x } from "${source}";\n${use("x")}`);
    expect(errors).toHaveLength(1);
  });

  it("tests may import tests (the rule is scoped to shipped code)", async () => {
    const errors = await layerErrors("tests/unit/scratch.test.ts", `import { x } from "../support/ports";\n${use("x")}`);
    expect(errors).toEqual([]);
  });

  it("e2e specs take test from ./support (its fixture fails on browser errors), not from @playwright/test", async () => {
    const direct = await layerErrors(
      "tests/e2e/scratch.spec.ts",
      `import { expect, test } from "@playwright/test";\n${use("[expect, test]")}`,
    );
    expect(direct).toHaveLength(1);
    expect(direct[0]).toContain("Import test from ./support");
    const guarded = await layerErrors(
      "tests/e2e/scratch.spec.ts",
      `import { expect } from "@playwright/test";\nimport { test } from "./support";\n${use("[expect, test]")}`,
    );
    expect(guarded).toEqual([]);
  });
});
