// The console.error guard's state and its one public helper, allowConsoleError(). The guard itself is
// registered by tests/support/console-guard.ts (a vitest setup file); tests/unit/house/console-guard.test.ts
// proves it fails a test.
import { format } from "node:util";

type Allowance = { pattern: RegExp; scope: "test" | "file" };

class ConsoleGuard {
  private allowances: Allowance[] = [];
  private unexpected: string[] = [];
  /** Errors printed while no test was running, reported when the file ends. */
  private outside: string[] = [];
  private inTest = false;
  readonly original = console.error.bind(console);

  install(): void {
    console.error = (...args: unknown[]) => this.error(args);
  }

  /** Records one console.error call; prints it only if nobody allowed it (an allowed one is expected noise). */
  error(args: unknown[]): void {
    const text = format(...args);
    if (this.allowances.some((a) => a.pattern.test(text))) return;
    (this.inTest ? this.unexpected : this.outside).push(text);
    this.original(...args);
  }

  allow(pattern: RegExp): void {
    this.allowances.push({ pattern, scope: this.inTest ? "test" : "file" });
  }

  startTest(): void {
    this.inTest = true;
    this.unexpected = [];
  }

  /** Ends the current test: drops its allowances, returns the unexpected errors it printed. */
  endTest(): string[] {
    this.inTest = false;
    this.allowances = this.allowances.filter((a) => a.scope === "file");
    const out = this.unexpected;
    this.unexpected = [];
    return out;
  }

  /** Ends the file: drops every allowance, returns the unexpected errors printed outside a test. */
  endFile(): string[] {
    this.allowances = [];
    const out = this.outside;
    this.outside = [];
    return out;
  }

  describe(errors: string[], where: string): string {
    const shown = errors.map((e) => `  - ${e.split("\n")[0]!.slice(0, 300)}`).join("\n");
    return (
      `unexpected console.error in ${where} (${errors.length}):\n${shown}\n` +
      "If the error is the behaviour under test, declare it: allowConsoleError(/pattern/) from tests/support/console."
    );
  }
}

// One guard per process, installed once even when a worker runs several files (each with its own module graph).
const KEY = Symbol.for("wcp.consoleGuard");
const global = globalThis as { [KEY]?: ConsoleGuard };
export const consoleGuard: ConsoleGuard = (global[KEY] ??= (() => {
  const g = new ConsoleGuard();
  g.install();
  return g;
})());

/**
 * Declares that console.error calls matching `pattern` are expected: inside a test, for that test only;
 * at a file's top level or in beforeAll, for the whole file. Matching calls are not printed.
 */
export function allowConsoleError(pattern: RegExp): void {
  consoleGuard.allow(pattern);
}
