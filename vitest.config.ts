import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  // server-only's default export throws (it exists to break client bundles); tests run the server modules
  // directly, as the server does, so they get its empty module (docs/architecture.md).
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    include: ["tests/unit/**/*.test.ts", "tests/integration/**/*.test.ts", "tests/fake-wechatpay/**/*.test.ts"],
    environment: "node",
    setupFiles: ["tests/support/console-guard.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    globalSetup: ["tests/support/global-setup.ts"],
  },
});
