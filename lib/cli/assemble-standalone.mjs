#!/usr/bin/env node
// @ts-check
// Completes the standalone build (next.config.ts `output: "standalone"`): `next build` writes
// .next/standalone/server.js with only the server files and the node_modules it traced, and leaves out what a
// CDN would usually serve. Without this copy the server answers the cart's scripts, styles and icons with 404s.
// Copied into .next/standalone:
//   .next/static → .next/static   the hashed JS/CSS bundles (/_next/static/…)
//   public/      → public/        favicon, manifest, icons, store logos
//   prisma/…/migrations           the migration folders: /api/ready compares their names with the database
// and removes tests/ from it: lib/env.ts names tests/fixtures/keys (the TEST-ONLY keys of zero-config
// development), so file tracing copies them in through instrumentation.ts and the proxy, which
// outputFileTracingExcludes does not reach. Production refuses those keys anyway; they must not ship at all.
// Run by `npm run build`; the Dockerfile's build stage runs it too. Then: cd .next/standalone && node server.js
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const out = path.join(root, ".next/standalone");
if (!fs.existsSync(path.join(out, "server.js"))) {
  console.error("assemble-standalone: .next/standalone/server.js is missing (is output: 'standalone' set, did next build run?)");
  process.exit(1);
}
/** @type {[string, string][]} */
const copies = [
  [".next/static", ".next/static"],
  ["public", "public"],
  ["prisma/migrations", "prisma/migrations"],
  ["prisma/postgresql/migrations", "prisma/postgresql/migrations"],
];
fs.rmSync(path.join(out, "tests"), { recursive: true, force: true });
for (const [from, to] of copies) {
  const target = path.join(out, to);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(root, from), target, { recursive: true });
}
console.log(`assemble-standalone: copied ${copies.map(([f]) => f).join(", ")} into .next/standalone`);
