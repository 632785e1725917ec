import { defineConfig } from "vitest/config";
import path from "node:path";

// Tests that need the BUILT app (`npm run build`) and a PostgreSQL server (TEST_DATABASE_URL_PG):
// several `next start` processes sharing one database. Run by `npm run test:pg`, after the build.
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    include: ["tests/multi-process/**/*.test.ts"],
    environment: "node",
    setupFiles: ["tests/support/console-guard.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
