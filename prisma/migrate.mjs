#!/usr/bin/env node
// @ts-check
// Offline Prisma Migrate. Prisma 7's CLI needs a native schema engine that cannot be downloaded on
// our machines, so this drives the schema engine's WebAssembly build (@prisma/schema-engine-wasm,
// pinned to the exact engines version of prisma 7.10.0) through a Prisma driver adapter.
// docs/prisma-offline.md explains why each workaround below exists.
//
// usage: node prisma/migrate.mjs deploy                 apply pending migrations        (= prisma migrate deploy)
//        node prisma/migrate.mjs dev <name> [--accept-data-loss]  create + apply a migration (= prisma migrate dev)
//        node prisma/migrate.mjs create <name>          only write the new migration     (= migrate dev --create-only)
//        node prisma/migrate.mjs diff [--from-empty]    print SQL the migrations lack; exit 2 if any (CI drift check)
//        node prisma/migrate.mjs status | push [--force] | reset
// env:   DATABASE_URL  file:./.data/dev.db (default) | postgresql://user:pw@host:port/db
//        SHADOW_DATABASE_URL  optional disposable Postgres db for diffs (else a temporary database is created)
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { DEFAULT_DATABASE_URL } from "../lib/database-url.mjs";

/** @typedef {import("@prisma/driver-adapter-utils").SqlDriverAdapter} SqlDriverAdapter */
/** @typedef {import("@prisma/driver-adapter-utils").SqlQuery} SqlQuery */
/** @typedef {import("@prisma/schema-engine-wasm").MigrationList} MigrationList */
/** @typedef {import("@prisma/schema-engine-wasm").DiffTarget} DiffTarget */
/** @typedef {import("@prisma/schema-engine-wasm").DevDiagnosticOutput} DevDiagnosticOutput */
/** @typedef {import("@prisma/schema-engine-wasm").DiagnoseMigrationHistoryOutput} DiagnoseMigrationHistoryOutput */

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const isPg = /^postgres(ql)?:/.test(url);
const schemaPath = path.join(root, isPg ? "prisma/postgresql/schema.prisma" : "prisma/schema.prisma");
const migDir = path.join(root, isPg ? "prisma/postgresql/migrations" : "prisma/migrations");
const filters = { externalTables: [], externalEnums: [] };
const sqliteFile = url.startsWith("file:") ? path.resolve(root, url.slice(5)) : null;

async function adapterFactory() {
  if (isPg) {
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { parse } = createRequire(require.resolve("pg"))("pg-connection-string");
    const factory = new PrismaPg(parse(url));
    /**
     * adapter-pg cannot decode the catalog type "char" (oid 18) read by the schema describer: read it as text.
     * @template {SqlDriverAdapter} A
     * @param {A} a
     * @returns {A}
     */
    const charAsText = (a) => {
      // performIO is private in adapter-pg's declarations: patch it through its runtime shape.
      /** @typedef {(q: SqlQuery) => Promise<{ fields?: { dataTypeID: number }[] }>} PerformIO */
      const pg = /** @type {{ performIO: PerformIO }} */ (/** @type {unknown} */ (a));
      const io = pg.performIO.bind(pg);
      pg.performIO = async (q) => {
        const r = await io(q);
        for (const c of r.fields ?? []) if (c.dataTypeID === 18) c.dataTypeID = 25;
        return r;
      };
      return a;
    };
    const connect = factory.connect.bind(factory);
    factory.connect = async () => charAsText(await connect());
    // adapter-pg 7.10's own shadow database lets a connection string override the temporary database
    // name (so the "shadow" would be the main database) and leaks it on dispose: manage our own.
    factory.connectToShadowDb = async () => {
      if (process.env.SHADOW_DATABASE_URL) {
        const a = charAsText(await new PrismaPg(parse(process.env.SHADOW_DATABASE_URL)).connect());
        await a.executeScript("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
        return a;
      }
      const db = `prisma_shadow_${process.pid}_${Date.now()}`;
      const admin = await connect();
      await admin.executeScript(`CREATE DATABASE "${db}"`);
      const a = charAsText(await new PrismaPg({ ...parse(url), database: db }).connect());
      const dispose = a.dispose.bind(a);
      a.dispose = async () => {
        await dispose();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${db}"`);
        await admin.dispose();
      };
      return a;
    };
    return factory;
  }
  const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
  const factory = new PrismaBetterSqlite3({ url: `file:${sqliteFile}` });
  // The engine replays each migration.sql through executeRaw, and better-sqlite3 prepares only one
  // statement: send parameterless raw SQL through exec() so multi-statement migrations apply fully.
  /** @param {SqlDriverAdapter} a */
  const multi = (a) => {
    const raw = a.executeRaw.bind(a);
    a.executeRaw = (q) => (q.args.length ? raw(q) : a.executeScript(q.sql).then(() => 0));
    return a;
  };
  for (const m of /** @type {const} */ (["connect", "connectToShadowDb"])) {
    const original = factory[m].bind(factory);
    factory[m] = async () => multi(await original());
  }
  return factory;
}

async function loadEngine() {
  const glue = await import("@prisma/schema-engine-wasm/schema_engine_bg");
  const wasmFile = path.join(path.dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
  const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmFile)), { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  /** @type {{ __wbindgen_start: () => void }} */ (/** @type {unknown} */ (instance.exports)).__wbindgen_start();
  let cliWasm = "";
  try {
    cliWasm = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "schema_engine_bg.wasm");
  } catch {}
  if (cliWasm && fs.existsSync(cliWasm) && !fs.readFileSync(cliWasm).equals(fs.readFileSync(wasmFile)))
    console.warn(
      `warning: @prisma/schema-engine-wasm ${glue.version()} differs from the prisma CLI's engine; ` +
        "pin the version given by: npm ls @prisma/engines-version",
    );
  return glue.SchemaEngine;
}

const schemaFiles = () => ({ files: [{ path: schemaPath, content: fs.readFileSync(schemaPath, "utf8") }] });

/** @returns {MigrationList} */
function migrationsList() {
  const dirs = fs.existsSync(migDir)
    ? fs
        .readdirSync(migDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const lock = path.join(migDir, "migration_lock.toml");
  return {
    baseDir: migDir,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lock) ? fs.readFileSync(lock, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((d) => {
      const f = path.join(migDir, d, "migration.sql");
      return {
        path: d,
        migrationFile: {
          path: "migration.sql",
          content: fs.existsSync(f) ? { tag: "ok", value: fs.readFileSync(f, "utf8") } : { tag: "error", value: "missing migration.sql" },
        },
      };
    }),
  };
}

/** @param {string} provider the adapter's provider ("sqlite" | "postgres") */
function ensureLockfile(provider) {
  const lock = path.join(migDir, "migration_lock.toml");
  if (fs.existsSync(lock)) return;
  fs.mkdirSync(migDir, { recursive: true });
  fs.writeFileSync(
    lock,
    "# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\n" +
      `provider = "${provider === "postgres" ? "postgresql" : provider}"\n`,
  );
}

/**
 * @param {string} sql
 * @param {string} name
 */
function writeMigration(sql, name) {
  const ts = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join(migDir, `${ts}_${name.replace(/[^A-Za-z0-9_]/g, "_")}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(`Created ${path.relative(root, dir)}/migration.sql`);
}

const [cmd = "deploy", ...args] = process.argv.slice(2);
if (sqliteFile) fs.mkdirSync(path.dirname(sqliteFile), { recursive: true });
// The wasm engine's SQLite reset only empties tables; delete the file like the native engine does.
if (cmd === "reset" && sqliteFile) for (const x of ["", "-wal", "-shm", "-journal"]) fs.rmSync(sqliteFile + x, { force: true });
const factory = bindMigrationAwareSqlAdapterFactory(await adapterFactory());
const SchemaEngine = await loadEngine();
/** @type {(message: string) => void} */
const log = process.env.DEBUG ? (m) => console.error(m) : () => {};
let engine;
try {
  engine = await SchemaEngine.new({ datamodels: [[schemaPath, fs.readFileSync(schemaPath, "utf8")]] }, log, factory);
  switch (cmd) {
    case "deploy": {
      const r = await engine.applyMigrations({ migrationsList: migrationsList(), filters });
      console.log(r.appliedMigrationNames.length ? `Applied: ${r.appliedMigrationNames.join(", ")}` : "No pending migrations.");
      break;
    }
    case "create":
    case "dev": {
      if (cmd === "dev") {
        const d = await engine.devDiagnostic({ migrationsList: migrationsList(), filters }).catch((e) => {
          /** @type {DevDiagnosticOutput} */
          const fresh = { action: { tag: "createMigration" } };
          if (/_prisma_migrations/.test(e.message)) return fresh;
          throw e;
        });
        if (d.action.tag === "reset") throw new Error(`Database needs a reset: ${d.action.reason}\nRun: node prisma/migrate.mjs reset`);
        await engine.applyMigrations({ migrationsList: migrationsList(), filters });
      }
      ensureLockfile(factory.provider);
      // The wasm createMigration has no shadow database, but diff does: replay the migrations folder
      // on the adapter's shadow db and diff it against the schema.
      const r = await engine.diff({
        from: { tag: "migrations", ...migrationsList() },
        to: { tag: "schemaDatamodel", ...schemaFiles() },
        script: true,
        exitCode: true,
        filters,
      });
      if (r.exitCode === 2 && cmd === "dev" && sqliteFile && fs.existsSync(sqliteFile)) {
        // evaluateDataLoss needs a shadow db in wasm: push to a copy of the db to learn the warnings.
        const tmp = `${sqliteFile}.check-${process.pid}`;
        fs.copyFileSync(sqliteFile, tmp);
        const { PrismaBetterSqlite3 } = await import("@prisma/adapter-better-sqlite3");
        const e2 = await SchemaEngine.new(
          { datamodels: undefined },
          log,
          bindMigrationAwareSqlAdapterFactory(new PrismaBetterSqlite3({ url: `file:${tmp}` })),
        );
        const p = await e2.schemaPush({ schema: schemaFiles(), force: false, filters }).finally(() => {
          e2.free();
          fs.rmSync(tmp, { force: true });
        });
        const w = [...p.warnings, ...p.unexecutable];
        if (w.length && !args.includes("--accept-data-loss"))
          throw new Error(
            `Data loss/unexecutable steps:\n- ${w.join("\n- ")}\nRe-run with --accept-data-loss to create the migration anyway.`,
          );
        if (w.length) r.stdout = `/*\n  Warnings:\n\n  - ${w.join("\n  - ")}\n*/\n${r.stdout}`;
      }
      if (r.exitCode === 2) writeMigration(r.stdout ?? "", args.find((a) => !a.startsWith("--")) ?? "migration");
      else console.log("Schema and migrations are in sync: no migration created.");
      if (cmd === "dev") {
        const a = await engine.applyMigrations({ migrationsList: migrationsList(), filters });
        if (a.appliedMigrationNames.length) console.log(`Applied: ${a.appliedMigrationNames.join(", ")}`);
      }
      break;
    }
    case "diff": {
      /** @type {DiffTarget} */
      const from = args.includes("--from-empty") ? { tag: "empty" } : { tag: "migrations", ...migrationsList() };
      const r = await engine.diff({ from, to: { tag: "schemaDatamodel", ...schemaFiles() }, script: true, exitCode: true, filters });
      process.stdout.write(r.stdout ?? "");
      if (r.exitCode === 2)
        console.error(`${path.relative(root, schemaPath)} has changes no migration covers: run npm run db:dev -- <name>`);
      process.exitCode = r.exitCode;
      break;
    }
    case "status": {
      const list = migrationsList();
      const r = await engine.diagnoseMigrationHistory({ migrationsList: list, optInToShadowDatabase: false, filters }).catch((e) => {
        if (!/_prisma_migrations/.test(e.message)) throw e;
        return {
          hasMigrationsTable: false,
          editedMigrationNames: [],
          failedMigrationNames: [],
          history: { diagnostic: "databaseIsBehind", unappliedMigrationNames: list.migrationDirectories.map((d) => d.path) },
        };
      });
      console.log(JSON.stringify(r, null, 2));
      if (r.history || r.failedMigrationNames.length || r.editedMigrationNames.length) process.exitCode = 1;
      break;
    }
    case "push": {
      const r = await engine.schemaPush({ schema: schemaFiles(), force: args.includes("--force"), filters });
      console.log(JSON.stringify(r));
      if (r.unexecutable.length || (r.warnings.length && !args.includes("--force"))) process.exitCode = 1;
      break;
    }
    case "reset":
      if (!sqliteFile) await engine.reset({ filter: filters });
      console.log(
        `Applied: ${(await engine.applyMigrations({ migrationsList: migrationsList(), filters })).appliedMigrationNames.join(", ")}`,
      );
      break;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
} catch (e) {
  // Engine and driver errors are not always Error instances: print the message when there is one.
  /** @param {unknown} x */
  const messageOf = (x) => /** @type {{ message?: unknown } | null | undefined} */ (x)?.message;
  const message = messageOf(e) ?? e;
  // "External error id#N" = a JS driver error kept in the adapter's error registry
  const ext = [...String(message).matchAll(/External error id#(\d+)/g)]
    .map((m) => factory.errorRegistry.consumeError(Number(m[1]))?.error)
    .filter(Boolean);
  console.error(message, ...ext.map((x) => `\nCaused by: ${messageOf(x) ?? JSON.stringify(x)}`));
  process.exitCode = 1;
} finally {
  engine?.free();
  process.exit(); // pg's pool would otherwise keep node alive for ~10 s
}
