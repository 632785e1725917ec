import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A `§N` in code, tests or a README points to section N of docs/wechatpay.md. Every one must exist there,
// so a reference cannot dangle (or point at a document outside the repository).
const root = path.resolve(import.meta.dirname, "../../..");
const doc = fs.readFileSync(path.join(root, "docs/wechatpay.md"), "utf8");

// Sections: headings "## 7.", "### 7.3", "#### 14.1.2", and the labelled open questions "**13.4**".
const sections = new Set([
  ...[...doc.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]!),
  ...[...doc.matchAll(/^- \*\*(\d+\.\d+)\*\*/gm)].map((m) => m[1]!),
]);

const SKIP = new Set(["node_modules", ".next", ".data", "generated", "test-results", "playwright-report", ".git"]);
function* files(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* files(full);
    else if (/\.(ts|tsx|mjs|js|md|json|sh)$/.test(e.name) && full !== path.join(root, "docs/wechatpay.md")) yield full;
  }
}

function references(): { ref: string; where: string }[] {
  const out: { ref: string; where: string }[] = [];
  const roots = ["app", "components", "lib", "prisma", "tests", "docs"].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  for (const file of [...roots.flatMap((d) => [...files(d)]), path.join(root, "README.md")]) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/§(\d{1,2}(?:\.\d{1,2}){0,2})(?!\d)/g)) {
      const line = text.slice(0, m.index).split("\n").length;
      out.push({ ref: m[1]!, where: `${path.relative(root, file)}:${line}` });
    }
  }
  return out;
}

describe("§ references", () => {
  it("docs/wechatpay.md has its numbered sections (the extraction itself works)", () => {
    for (const s of ["0", "1.1", "7.3", "13.2", "14.1.3", "15.3.5"]) expect(sections, s).toContain(s);
  });

  it("every § cited in the repository exists in docs/wechatpay.md", () => {
    const refs = references();
    expect(refs.length).toBeGreaterThan(100);
    const dangling = refs.filter((r) => !sections.has(r.ref)).map((r) => `§${r.ref} at ${r.where}`);
    expect(dangling).toEqual([]);
  });
});
