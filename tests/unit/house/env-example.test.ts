import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// .env.example must list every variable lib/env.ts reads, each with a comment line above it, so the
// list cannot silently fall behind the code.
const root = path.resolve(import.meta.dirname, "../../..");
const envSource = fs.readFileSync(path.join(root, "lib/env.ts"), "utf8");
const example = fs.readFileSync(path.join(root, ".env.example"), "utf8").split("\n");

// Variable names in lib/env.ts: schema keys (`NAME: z…`), quoted names ("NAME") and the `${name}_FILE` variants.
const schemaKeys = [...envSource.matchAll(/^\s+([A-Z][A-Z0-9_]+):\s/gm)].map((m) => m[1]!);
const quoted = [...envSource.matchAll(/"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"/g)].map((m) => m[1]!);
const readPemNames = [...envSource.matchAll(/readPem\(raw, "([A-Z0-9_]+)"/g)].map((m) => `${m[1]}_FILE`);
const variables = [...new Set([...schemaKeys, ...quoted, ...readPemNames])].sort();

describe(".env.example", () => {
  it("finds the variables of lib/env.ts (the extraction itself works)", () => {
    expect(variables).toEqual(expect.arrayContaining(["DATABASE_URL", "WECHATPAY_APIV3_KEY", "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE"]));
  });

  it.each(variables)("lists %s with a comment above it", (name) => {
    const line = example.findIndex((l) => new RegExp(`^#?\\s*${name}=`).test(l));
    expect(line, `${name} missing from .env.example`).toBeGreaterThan(0);
    expect(example[line - 1]!.startsWith("#"), `${name} needs a one-line comment above it`).toBe(true);
  });
});
