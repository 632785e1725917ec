// Log lines in tests. Every vitest process sends the app's log lines (lib/log.ts) here instead of stdout: they
// are kept for the tests that capture them (captureLogs), and error-level lines go to the console guard, so an
// unexpected error logged by the app fails the test that caused it exactly like a console.error
// (allowConsoleError(/…/) declares an expected one). TEST_LOG=1 also prints every line.
import { setLogSink } from "../../lib/log";
import { consoleGuard } from "./console";

type Capture = { lines: string[] };
const KEY = Symbol.for("wcp.logCaptures");
const captures: Set<Capture> = ((globalThis as { [KEY]?: Set<Capture> })[KEY] ??= new Set());

function levelOf(line: string): number {
  const m = /"level":(\d+)/.exec(line);
  return m ? Number(m[1]) : 0;
}

export function installTestLogSink(): void {
  setLogSink((line) => {
    for (const c of captures) c.lines.push(line);
    if (levelOf(line) >= 50) consoleGuard.error([line.trimEnd()]);
    else if (process.env.TEST_LOG === "1") process.stdout.write(line);
  });
}

/** Collects every log line from now until stop(). */
export function captureLogs(): { lines: string[]; text(): string; parsed(): Record<string, unknown>[]; stop(): void } {
  const c: Capture = { lines: [] };
  captures.add(c);
  return {
    lines: c.lines,
    text: () => c.lines.join(""),
    parsed: () => c.lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () => void captures.delete(c),
  };
}
