// Vitest setup file (every vitest config registers it): a console.error nobody expected fails the test
// that printed it. An error log in a passing run is either a bug or an expected failure path; the
// first must not scroll by unnoticed, the second is declared with allowConsoleError() in the test.
import { afterAll, afterEach, beforeEach } from "vitest";
import { consoleGuard } from "./console";
import { installTestLogSink } from "./logs";

// The app's log lines (lib/log.ts) go to memory; error-level ones count as console errors (tests/support/logs.ts).
installTestLogSink();

beforeEach(() => consoleGuard.startTest());

afterEach(() => {
  const unexpected = consoleGuard.endTest();
  if (unexpected.length > 0) throw new Error(consoleGuard.describe(unexpected, "this test"));
});

// Errors printed outside any test (a beforeAll, a module's top level, a timer that outlived its test)
// fail the file.
afterAll(() => {
  const unexpected = consoleGuard.endFile();
  if (unexpected.length > 0) throw new Error(consoleGuard.describe(unexpected, "this file, outside a test"));
});
