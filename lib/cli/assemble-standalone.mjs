#!/usr/bin/env node
// @ts-check
// Completes the standalone build (next.config.ts `output: "standalone"`): `next build` writes
// .next/standalone/server.js with only the server files and the node_modules it traced, and leaves out what a
// CDN would usually serve. Without this copy the server answers the cart's scripts, styles and icons with 404s.
// Copied into .next/standalone:
//   .next/static → .next/static   the hashed JS/CSS bundles (/_next/static/…)
//   public/      → public/        favicon, manifest, icons, store logos
//   prisma/migrate.mjs and everything it needs, found by the same file tracer Next.js uses (@vercel/nft):
//                the schemas, both migration folders (/api/ready also compares their names with the
//                database), the schema engine (WebAssembly) and the database drivers — so
//                `node prisma/migrate.mjs deploy` runs from the standalone folder (the image's migrate command)
//   doctor.mjs   `npm run doctor` bundled into one file (esbuild), so the image can check its own settings
// and removes tests/ from it: lib/env.ts names tests/fixtures/keys (the TEST-ONLY keys of zero-config
// development), so file tracing copies them in through instrumentation.ts and the proxy, which
// outputFileTracingExcludes does not reach. Production refuses those keys anyway; they must not ship at all.
// Run by `npm run build` (and so by the Dockerfile's build stage). Then: cd .next/standalone && node server.js
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, "../..");
const out = path.join(root, ".next/standalone");
if (!fs.existsSync(path.join(out, "server.js"))) {
  console.error("assemble-standalone: .next/standalone/server.js is missing (is output: 'standalone' set, did next build run?)");
  process.exit(1);
}

fs.rmSync(path.join(out, "tests"), { recursive: true, force: true });
for (const dir of [".next/static", "public"]) {
  fs.rmSync(path.join(out, dir), { recursive: true, force: true });
  fs.cpSync(path.join(root, dir), path.join(out, dir), { recursive: true });
}

/** @type {{ nodeFileTrace(files: string[], opts: { base: string; processCwd: string }): Promise<{ fileList: Set<string> }> }} */
const nft = require("next/dist/compiled/@vercel/nft");
const traced = await nft.nodeFileTrace([path.join(root, "prisma/migrate.mjs")], { base: root, processCwd: root });
// The engine package is loaded through require.resolve() and a computed .wasm path, which the tracer cannot
// follow: the whole package (5 MB) is added by hand.
const engineDir = path.relative(root, path.dirname(require.resolve("@prisma/schema-engine-wasm")));
const files = [...traced.fileList, ...fs.readdirSync(path.join(root, engineDir)).map((f) => path.join(engineDir, f))];
for (const file of files) {
  const target = path.join(out, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(path.join(root, file), target, { dereference: true });
}
// The doctor is TypeScript run by tsx in the checkout; the standalone folder gets it as one ES module (its drivers
// are the traced ones above).
/** @type {{ build(o: object): Promise<unknown> }} */
const esbuild = require("esbuild");
await esbuild.build({
  entryPoints: [path.join(root, "lib/cli/doctor.ts")],
  outfile: path.join(out, "doctor.mjs"),
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  conditions: ["react-server"],
  external: ["better-sqlite3", "pg"],
  logLevel: "warning",
});
console.log(
  `assemble-standalone: copied .next/static, public/, prisma/migrate.mjs with ${files.length} traced files, doctor.mjs; removed tests/`,
);
