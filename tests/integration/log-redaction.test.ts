// Logs of a whole e2e run hold no secret (tests/integration/log-redaction.ts), on SQLite.
import { afterAll, beforeAll, describe, vi } from "vitest";
import { startHarness, type Harness } from "./harness";
import { logRedactionTests } from "./log-redaction";

// Every level, before any module creates a logger.
vi.hoisted(() => {
  process.env.LOG_LEVEL = "trace";
});

describe("log redaction over an e2e run [SQLite]", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: "log-redaction", refundDelayMs: null });
  });
  afterAll(() => h?.close());
  logRedactionTests(() => h);
});
