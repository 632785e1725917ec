#!/usr/bin/env node
// @ts-check
// Derives prisma/postgresql/schema.prisma from prisma/schema.prisma, the one source schema.
// Only the datasource provider and the client's output directory differ: the Postgres client is
// generated next to the SQLite one (lib/generated/prisma-pg) so one `next build` serves both.
//
// usage: node prisma/schema-pg.mjs           write prisma/postgresql/schema.prisma
//        node prisma/schema-pg.mjs --check   exit 1 if it is missing or stale (CI drift check)
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const srcPath = path.join(root, "prisma/schema.prisma");
const dest = path.join(root, "prisma/postgresql/schema.prisma");
const src = fs.readFileSync(srcPath, "utf8");

/**
 * @param {string} text
 * @param {RegExp} re
 * @param {string} replacement
 * @param {string} what
 */
function replaceOnce(text, re, replacement, what) {
  const matches = text.match(new RegExp(re.source, "g")) ?? [];
  if (matches.length !== 1) {
    console.error(`schema-pg: expected exactly one ${what} in prisma/schema.prisma, found ${matches.length}`);
    process.exit(1);
  }
  return text.replace(re, replacement);
}

// Things that cannot be expressed the same way on both providers: keep the source portable.
/** @type {[RegExp, string][]} */
const unportable = [
  [/@db\.\w+/, "native type attributes (@db.*)"],
  [/\s(String|Int|BigInt|Float|Decimal|Boolean|DateTime|Json|Bytes)\[\]/, "scalar lists"],
];
for (const [re, what] of unportable) {
  const withoutComments = src.replace(/\/\/.*$/gm, "");
  if (re.test(withoutComments)) {
    console.error(`schema-pg: prisma/schema.prisma uses ${what}, which SQLite lacks; keep the source schema portable`);
    process.exit(1);
  }
}

let out = replaceOnce(src, /provider\s*=\s*"sqlite"/, 'provider = "postgresql"', 'provider = "sqlite"');
out = replaceOnce(
  out,
  /output\s*=\s*"\.\.\/lib\/generated\/prisma"/,
  'output   = "../../lib/generated/prisma-pg"',
  'output = "../lib/generated/prisma"',
);
out =
  "// GENERATED from prisma/schema.prisma by prisma/schema-pg.mjs: do not edit; edit that file and run\n" +
  "// `npm run db:schema-pg`, then create the Postgres migration (see README, Production).\n" +
  out;

if (process.argv.includes("--check")) {
  if (!fs.existsSync(dest) || fs.readFileSync(dest, "utf8") !== out) {
    console.error("prisma/postgresql/schema.prisma is stale: run npm run db:schema-pg (and create the Postgres migration)");
    process.exit(1);
  }
} else {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (!fs.existsSync(dest) || fs.readFileSync(dest, "utf8") !== out) {
    fs.writeFileSync(dest, out);
    console.log("Wrote prisma/postgresql/schema.prisma");
  }
}
