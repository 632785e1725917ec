import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// README's "What is where" must name every top-level file and folder of the repository and every
// module and folder directly under lib/, so a newcomer finds each one there.
const root = path.resolve(import.meta.dirname, "../../..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## What is where"), readme.indexOf("\n## ", readme.indexOf("## What is where") + 1));
// Backticked paths in the table's first column, e.g. `lib/orders/` or `next.config.ts`.
const named = new Set(
  section
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .flatMap((l) => [...l.split("|")[1]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, ""))),
);
const tracked = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
const topLevel = [...new Set(tracked.map((f) => f.split("/")[0]!))];
const underLib = [...new Set(tracked.filter((f) => f.startsWith("lib/")).map((f) => f.split("/").slice(0, 2).join("/")))];

describe("README: What is where", () => {
  it("reads the table (the extraction itself works)", () => {
    expect([...named]).toEqual(expect.arrayContaining(["app", "lib/orders", "package.json"]));
  });

  it.each([...topLevel, ...underLib].map((p) => [p]))("names %s", (p) => {
    // a folder is covered by its own row or by rows for each of its entries one level down
    const covered = named.has(p) || [...named].some((n) => n.startsWith(`${p}/`));
    expect(covered, `${p} is missing from README's "What is where"`).toBe(true);
  });
});
