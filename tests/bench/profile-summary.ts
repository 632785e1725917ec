// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time by function and by
// package/module, so "where does the time go" is read from the profile rather than guessed.
//   tsx tests/bench/profile-summary.ts .data/bench-prof/CPU.….cpuprofile [topN]
import fs from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (!file) {
  console.error("usage: tsx tests/bench/profile-summary.ts <file.cpuprofile> [topN]");
  process.exit(2);
}
const top = Number(process.argv[3] ?? 30);
const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith("(") ? fn : "(native)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    const pkg = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === "next") return `next/${rest.slice(1, 4).join("/")}`;
    return pkg;
  }
  if (url.startsWith("node:")) return url;
  const chunk = url.match(/\.next\/server\/(.*)$/);
  if (chunk) return `.next/server/${chunk[1]}`;
  return url.replace(/^file:\/\//, "");
}

const byFn = new Map<string, number>();
const byModule = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const f = n.callFrame;
  const key = `${f.functionName || "(anonymous)"}  ${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const m = moduleOf(f.url, f.functionName);
  byModule.set(m, (byModule.get(m) ?? 0) + us);
}

// Inclusive time of "interesting" frames: any frame whose function name matches the filter.
const filter = process.env.INCLUSIVE ? new RegExp(process.env.INCLUSIVE) : undefined;
const inclusive = new Map<string, number>();
if (filter) {
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const key = `${f.functionName}  ${moduleOf(f.url, f.functionName)}:${f.lineNumber + 1}`;
      if (filter.test(f.functionName) && !seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  }
}

const pct = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`profile ${file}: ${(totalUs / 1e6).toFixed(1)} s sampled`);
console.log("\n— self time by module —");
for (const [k, v] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
console.log("\n— self time by function —");
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
if (filter) {
  console.log(`\n— inclusive time of frames matching /${filter.source}/ —`);
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
}
