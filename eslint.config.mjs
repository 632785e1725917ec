// @ts-check
// ESLint flat config: typescript-eslint's recommended rules, Next.js's rules (core web vitals), and the
// import rules that keep the layers of docs/architecture.md. tests/unit/house/layers.test.ts proves each
// layer rule fires on a deliberate violation.
import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import tseslint from "typescript-eslint";

// Nothing that ships may import the test tree (fixtures, the fake WeChat Pay, helpers).
const noTests = [
  {
    group: ["@/tests", "@/tests/**", "**/tests", "**/tests/**"],
    message: "lib/, app/ and components/ never import tests/ (docs/architecture.md).",
  },
];

// components/ is client code: no database, no environment, no WeChat Pay client, no generated Prisma client.
const componentBans = [
  {
    group: [
      "@/lib/db",
      "@/lib/env",
      "@/lib/wechatpay",
      "@/lib/wechatpay/**",
      "@/lib/wechatpay-server",
      "@/lib/generated/**",
      "**/lib/db",
      "**/lib/env",
      "**/lib/wechatpay",
      "**/lib/wechatpay/**",
      "**/lib/wechatpay-server",
      "**/lib/generated/**",
    ],
    message:
      "components/ never reach lib/db, lib/env, the WeChat Pay client or the generated Prisma client: go through an API route (docs/architecture.md).",
  },
];

export default defineConfig([
  globalIgnores([
    ".next/**",
    ".data/**",
    "node_modules/**",
    "lib/generated/**",
    "test-results/**",
    "playwright-report/**",
    "next-env.d.ts",
  ]),
  ...nextVitals,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names prefixed with _ are deliberate (ignored parameters, destructuring to drop a key).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Our images are small, pre-sized files (versioned SVG logos in public/, uploads under /media/ capped
      // at 2 MB) served with year-long immutable caching; next/image's resizing server adds nothing for them.
      "@next/next/no-img-element": "off",
    },
  },
  {
    files: ["lib/**", "app/**"],
    rules: { "no-restricted-imports": ["error", { patterns: noTests }] },
  },
  {
    files: ["components/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [...noTests, ...componentBans] }] },
  },
  {
    // Specs take `test` from tests/e2e/support.ts, whose fixture fails a test on an unexpected browser error.
    files: ["tests/e2e/**/*.spec.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "@playwright/test",
              importNames: ["test"],
              message: "Import test from ./support: its fixture fails a test on an unexpected browser console error.",
            },
          ],
        },
      ],
    },
  },
  {
    // The WeChat Pay client is framework-free: node:* built-ins, zod, and its own files only.
    files: ["lib/wechatpay/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(?!node:|zod(/|$)|\\./)",
              message: "lib/wechatpay/ imports only node:*, zod and its own files (docs/architecture.md).",
            },
          ],
        },
      ],
    },
  },
]);
