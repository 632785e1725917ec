import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// Tests that need the BUILT app (`npm run build`): several `next start` processes sharing one PostgreSQL
// (TEST_DATABASE_URL_PG; graceful shutdown under load too), and the standalone server.js with its assets.
// Run by `npm run test:pg`, after the build.
// Same aliases and setup files (the console.error guard) as vitest.config.ts; its own files and timeouts.
export default defineConfig({
  resolve: base.resolve,
  test: {
    include: ["tests/multi-process/**/*.test.ts", "tests/standalone/**/*.test.ts"],
    environment: "node",
    setupFiles: base.test?.setupFiles,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
