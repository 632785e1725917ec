import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// Comments say why the code is the way it is, not which ticket brought it: a ticket number means nothing
// to someone reading a clone, and the history is in git. Prose (.md) may talk about issues.
const root = path.resolve(import.meta.dirname, "../../..");
const NOTE = /\bissues? #?\d+/i;
const EXCLUDED = [":!*.md"];

/** Lines of `text` that carry a history note, as "line: text". */
function historyNotes(text: string): string[] {
  return text
    .split("\n")
    .map((line, i) => (NOTE.test(line) ? `${i + 1}: ${line.trim()}` : null))
    .filter((l): l is string => l !== null);
}

describe("no history notes in code", () => {
  it("recognises a note in any of its spellings, and not ordinary words", () => {
    // Spelled in pieces, so this file does not trip its own check.
    const word = "issue";
    expect(historyNotes(`// refunds (${word} 11)\n/* I${word.slice(1)} #5: bills */\n// ${word}s 12 and 14`)).toHaveLength(3);
    expect(historyNotes("// the issuer of the certificate\n// tissue 3\nconst issue = 1;")).toEqual([]);
  });

  it("no tracked file outside .md mentions an issue number", () => {
    // git grep over the tracked tree (exit 1 = nothing found); the pattern mirrors NOTE.
    let out = "";
    try {
      out = execFileSync("git", ["grep", "-nIiE", "(^|[^[:alnum:]_])issues? #?[0-9]+", "--", ".", ...EXCLUDED], {
        cwd: root,
        encoding: "utf8",
      });
    } catch (e) {
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(out.split("\n").filter(Boolean)).toEqual([]);
  });
});
