import "server-only"; // the database: never in a client bundle (docs/architecture.md)
import path from "node:path";
import { AsyncResource } from "node:async_hooks";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PgPrismaClient } from "@/lib/generated/prisma-pg/client";
import { setTimeout as sleep } from "node:timers/promises";
import { Mutex, withTimeout } from "async-mutex";
import { databaseUrl, sqliteLockSettings } from "@/lib/env";
import { AppError } from "@/lib/errors";

// One build serves both databases: `npm run db:generate` generates a client per provider from the one
// source schema (prisma/schema.prisma → lib/generated/prisma; the derived prisma/postgresql/schema.prisma →
// lib/generated/prisma-pg) and the DATABASE_URL scheme picks client and adapter at run time. Both
// clients have the identical model API (same models, same runtime and error classes from
// @prisma/client/runtime), so the rest of the app is typed against the SQLite client.
export type Db = PrismaClient;
export type { Prisma } from "@/lib/generated/prisma/client";

export const isPostgresUrl = (url: string) => /^postgres(ql)?:/.test(url);

function createClient(url: string, direct: DirectHolder): PrismaClient {
  if (isPostgresUrl(url)) {
    // pg's pool: 10 connections per process by default. Several processes share one server, so keep
    // processes × 10 below the server's max_connections (100 by default).
    const client = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    return client as unknown as PrismaClient;
  }
  // Resolve relative file: URLs against the working directory (the repo root), like prisma/migrate.mjs.
  const file = path.resolve(url.slice("file:".length));
  // A short busy timeout: better-sqlite3 blocks the event loop (every request) while it waits for a
  // lock another process holds, so wait briefly and retry with a non-blocking back-off instead.
  const lock = sqliteLockSettings();
  const adapter = new PrismaBetterSqlite3({ url: `file:${file}`, timeout: lock.busyTimeoutMs });
  const connect = adapter.connect.bind(adapter);
  adapter.connect = async () => {
    const connection = await connect();
    // WAL journal (tests/bench showed the rollback journal's fsyncs dominating the notify path): a
    // commit appends to the log and fsyncs it once, where the default journal fsyncs journal and
    // database several times per commit — while better-sqlite3 blocks the event loop — and readers
    // no longer block the writer. The mode is stored in the file (a no-op after the first time); if
    // another process holds a lock right now the switch is simply left for a later start.
    await connection.executeScript("PRAGMA journal_mode = WAL").catch(() => undefined);
    // better-sqlite3 builds default WAL connections to synchronous=NORMAL; FULL fsyncs the log on
    // every commit, so a payment we acknowledged to WeChat (which then stops retrying) survives a power cut.
    await connection.executeScript("PRAGMA synchronous = FULL");
    return isolateTransactions(connection, lock, direct);
  };
  return new PrismaClient({ adapter });
}

/**
 * A hot path's hand-written SQL run straight on the process's SQLite connection, synchronously, with none of
 * Prisma's per-statement work (README "Benchmarks": about 0.2 ms of CPU and several promises per statement,
 * most of a notification's time). Parameters are bound as they are: strings, numbers, bigints, null (no
 * booleans or Dates: pass 1/0 and sqliteTime()). Integer columns come back as bigint (the adapter's safe integers).
 */
export interface SqliteDirect {
  all<T>(sql: string, params?: readonly unknown[]): T[];
  run(sql: string, params?: readonly unknown[]): { changes: number };
}
type DirectRun = <R>(fn: (c: SqliteDirect) => R) => Promise<R>;
/** Filled when the SQLite connection opens (isolateTransactions); stays empty on PostgreSQL. */
type DirectHolder = { read?: DirectRun; write?: DirectRun; stats?: GroupCommitStats };
/** How many sqliteWrite() calls there were, and in how many commits (tests and the bench read it). */
export interface GroupCommitStats {
  writes: number;
  commits: number;
}

/** A DateTime column's value as Prisma's SQLite adapter writes it (ISO 8601 with "+00:00"), for SqliteDirect. */
export const sqliteTime = (d: Date | null): string | null => (d ? d.toISOString().replace("Z", "+00:00") : null);

/**
 * One row inserted on SqliteDirect: the columns are the row's own keys (undefined leaves the column's default), a
 * Date is written as Prisma writes it (sqliteTime), a boolean as 1/0. The SQL depends only on the table and the key
 * set, so the compiled-statement cache keeps one statement per shape. Table and keys come from our code, never input.
 */
export function sqliteInsert(c: SqliteDirect, table: string, row: Record<string, unknown>): void {
  const keys = Object.keys(row).filter((k) => row[k] !== undefined);
  const values = keys.map((k) => {
    const v = row[k];
    return v instanceof Date ? sqliteTime(v) : typeof v === "boolean" ? Number(v) : v;
  });
  c.run(`INSERT INTO "${table}" (${keys.map((k) => `"${k}"`).join(", ")}) VALUES (${keys.map(() => "?").join(", ")})`, values);
}

async function connected(): Promise<Required<DirectHolder>> {
  if (dialect !== "sqlite") throw new Error("sqliteRead/sqliteWrite on a PostgreSQL database");
  const holder = globalForPrisma.prisma!.direct;
  if (!holder.read) await prisma.$connect(); // the adapter connects lazily; connecting fills the holder
  return holder as Required<DirectHolder>;
}

/** SQLite only: `fn`'s reads, queued with every other statement of the process (lib/db.ts isolateTransactions). */
export async function sqliteRead<R>(fn: (c: SqliteDirect) => R): Promise<R> {
  return (await connected()).read(fn);
}

/**
 * SQLite only: `fn`'s statements, all or nothing, resolved once they are durable. `fn` is synchronous: nothing
 * else runs between its statements. It runs inside a transaction begun IMMEDIATE (the write lock first, so another
 * process's lock is met before anything ran and is waited out like any write) that the writes queued in the same
 * turn of the event loop share, each in its own savepoint (isolateTransactions: group commit); a throw rolls back
 * `fn`'s statements only and rejects with its error. `fn` runs later, from the batch, but in the caller's async
 * context (its AsyncLocalStorage: the actor, the log context).
 */
export async function sqliteWrite<R>(fn: (c: SqliteDirect) => R): Promise<R> {
  return (await connected()).write(fn);
}

/** The group commit's counts so far in this process (SQLite; zeros before the first write). */
export function sqliteGroupCommitStats(): GroupCommitStats {
  return { ...(globalForPrisma.prisma?.direct.stats ?? { writes: 0, commits: 0 }) };
}

type SqlConnection = Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>;

/**
 * The better-sqlite3 adapter has one connection per process. It queues transactions behind each
 * other, but a query outside a transaction runs straight away on that connection — inside whatever
 * transaction another request has open, so a rollback there would silently undo it (an audit row,
 * a stored pay link). Queue every statement behind an open transaction, and vice versa.
 *
 * Another process holding the write lock (SQLITE_BUSY after the short busy timeout) is waited out
 * with a growing, non-blocking back-off, and each waiting statement gives up with 503 DATABASE_BUSY
 * on its own clock (about 2 s at the defaults):
 * - the back-off sleeps OUTSIDE the statement queue: reads (WAL lets them through the lock) and our
 *   own transactions go on meanwhile, instead of queueing behind a writer that is only waiting;
 * - while the lock is out of reach one writer probes it at a time (each probe blocks the event loop
 *   for up to SQLITE_BUSY_TIMEOUT_MS); the others wait for that prober instead of probing too, and
 *   go ahead as soon as a probe succeeds.
 */
function isolateTransactions(
  connection: SqlConnection,
  lock: { busyTimeoutMs: number; busyRetries: number },
  direct: DirectHolder,
): SqlConnection {
  const statements = new Mutex();
  const probe = new Mutex();
  let lockedOut = false; // the last write met another process's lock
  const pause = (n: number) => Math.min(500, 10 * 2 ** n);
  // The time a statement may spend waiting: the retries' back-offs plus one busy timeout per try.
  let budgetMs = (lock.busyRetries + 1) * lock.busyTimeoutMs;
  for (let n = 0; n < lock.busyRetries; n++) budgetMs += pause(n);
  const busy = () => new AppError("DATABASE_BUSY", "系统繁忙，请稍后重试", { retryAfterSeconds: 1 });

  type Outcome<R> = { busy: true } | { busy: false; value: R; release: () => void };
  /** One try under the statement queue. `keep`: the queue stays held (an open transaction) until `release`. */
  const attempt = async <R>(fn: () => Promise<R>, write: boolean, prober: boolean, keep: boolean): Promise<Outcome<R>> => {
    const release = await statements.acquire();
    // Someone met the lock while this write queued: wait for the prober rather than block the loop again.
    if (write && lockedOut && !prober) {
      release();
      return { busy: true };
    }
    try {
      const value = await fn();
      if (write) lockedOut = false;
      if (!keep) release();
      return { busy: false, value, release };
    } catch (e) {
      release();
      if (!isBusy(e)) throw e;
      if (write) lockedOut = true;
      return { busy: true };
    }
  };
  const run = async <R>(fn: () => Promise<R>, write: boolean, keep = false): Promise<{ value: R; release: () => void }> => {
    const deadline = Date.now() + budgetMs;
    if (!(write && lockedOut)) {
      const r = await attempt(fn, write, false, keep);
      if (!r.busy) return r;
    }
    const releaseProbe = write ? await withTimeout(probe, Math.max(0, deadline - Date.now()), busy()).acquire() : undefined;
    try {
      for (let n = 0; ; n++) {
        // A probe that succeeded meanwhile (lockedOut cleared) means: go now, no pause.
        if (!write || lockedOut) {
          if (n >= lock.busyRetries || Date.now() + pause(n) > deadline) throw busy();
          await sleep(pause(n));
        }
        const r = await attempt(fn, write, true, keep);
        if (!r.busy) return r;
      }
    } finally {
      releaseProbe?.();
    }
  };
  // Reads never need the write lock in WAL mode; anything else may.
  const isRead = (query: { sql: string }) => /^\s*SELECT\b/i.test(query.sql);

  const client = (connection as unknown as { client: StatementSource }).client;
  const compiled = cacheStatements(client);
  const handle: SqliteDirect = {
    all: <T>(sql: string, params: readonly unknown[] = []) =>
      compiled(sql)
        .raw(false)
        .all(...params) as T[],
    run: (sql, params = []) => compiled(sql).run(...params) as { changes: number },
  };
  direct.read = async <R>(fn: (c: SqliteDirect) => R): Promise<R> => (await run(async () => fn(handle), false)).value;
  // Group commit: the writes queued during one turn of the event loop share one transaction, so one WAL fsync
  // (which better-sqlite3 waits out on the event loop) serves them all. Each write still runs alone and in
  // order, inside its own savepoint: its statements and its decisions are exactly those of a transaction of
  // its own (a write that throws is rolled back to its savepoint and fails alone), and every caller is
  // answered only once the shared COMMIT is durable — or every caller fails if it is not.
  type Queued = { fn: (c: SqliteDirect) => unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void };
  let queue: Queued[] = [];
  const stats: GroupCommitStats = (direct.stats = { writes: 0, commits: 0 });
  const flush = async () => {
    const batch = queue;
    queue = [];
    type Result = { ok: true; value: unknown } | { ok: false; error: unknown };
    let results: Result[];
    try {
      ({ value: results } = await run(async () => {
        compiled("BEGIN IMMEDIATE").run();
        const out: Result[] = [];
        try {
          for (const item of batch) {
            compiled("SAVEPOINT one_write").run();
            try {
              out.push({ ok: true, value: item.fn(handle) });
              compiled("RELEASE one_write").run();
            } catch (error) {
              compiled("ROLLBACK TO one_write").run();
              compiled("RELEASE one_write").run();
              out.push({ ok: false, error });
            }
          }
          compiled("COMMIT").run();
        } catch (e) {
          try {
            compiled("ROLLBACK").run();
          } catch {
            // nothing open any more (SQLite rolled back by itself): the first error is the one to report
          }
          throw e;
        }
        stats.commits++;
        stats.writes += batch.length;
        return out;
      }, true));
    } catch (e) {
      for (const item of batch) item.reject(e);
      return;
    }
    results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.error)));
  };
  direct.write = <R>(fn: (c: SqliteDirect) => R): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      // Bound to the caller's async context: the batch runs every write from one place (the first caller's
      // setImmediate), yet each must see its own request's AsyncLocalStorage (the actor of its audit row, its log context).
      queue.push({ fn: AsyncResource.bind(fn), resolve: resolve as (v: unknown) => void, reject });
      if (queue.length === 1) setImmediate(() => void flush());
    });
  const startTransaction = connection.startTransaction.bind(connection);
  const queryRaw = connection.queryRaw.bind(connection);
  const executeRaw = connection.executeRaw.bind(connection);
  connection.queryRaw = async (query) => (await run(() => queryRaw(query), !isRead(query))).value;
  connection.executeRaw = async (query) => (await run(() => executeRaw(query), !isRead(query))).value;
  connection.startTransaction = async (isolationLevel) => {
    const { value: tx, release } = await run(
      async () => {
        const t = await startTransaction(isolationLevel);
        // The adapter begins a DEFERRED transaction, whose first write could meet SQLITE_BUSY halfway
        // through (not retryable there). Take the write lock up front instead — BEGIN IMMEDIATE — so a
        // busy database is met here, before any statement ran, where a retry is safe.
        try {
          client.prepare("ROLLBACK").run();
          client.prepare("BEGIN IMMEDIATE").run();
        } catch (e) {
          await t.rollback(); // releases the adapter's own transaction mutex; nothing is open in SQLite
          throw e;
        }
        return t;
      },
      true,
      true,
    );
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    tx.commit = () => commit().finally(release);
    tx.rollback = () => rollback().finally(release);
    return tx;
  };
  return connection;
}

/** The part of better-sqlite3's Database and Statement the adapter (and isolateTransactions) use. */
interface Statement {
  readonly reader: boolean;
  run(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  columns(): unknown[];
  raw(toggle?: boolean): Statement;
}
interface StatementSource {
  prepare(sql: string): Statement;
}
/** Distinct SQL texts kept compiled; Prisma sends a few dozen shapes (an IN list of each length is its own). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The adapter compiles every statement afresh (`prepare(sql).bind(args)`): about 6 % of a checkout's busy
 * time in the bench profile. Keep the compiled statements, bounded, and hand out a view that passes each
 * call's arguments to the statement instead of binding them to it for good. The adapter uses `reader`,
 * `bind`, `run`, `columns`, `raw().all()`; a statement's raw mode is set on every use, never assumed.
 */
function cacheStatements(client: StatementSource): (sql: string) => Statement {
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, Statement>();
  const compiled = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const view = (stmt: Statement, args: unknown[]): Statement => {
    const v: Statement = {
      reader: stmt.reader,
      run: () => stmt.run(...args),
      all: () => stmt.raw(false).all(...args),
      columns: () => stmt.columns(),
      raw: (toggle = true) => ({ ...v, all: () => stmt.raw(toggle).all(...args) }),
    };
    return v;
  };
  client.prepare = (sql: string) => {
    const stmt = compiled(sql);
    return Object.assign(view(stmt, []), { bind: (args: unknown[]) => view(stmt, args) });
  };
  return compiled;
}

/** SQLITE_BUSY, raw from better-sqlite3 or converted by the adapter (kind SocketTimeout). */
function isBusy(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: { originalCode?: unknown; kind?: unknown } };
  const code = typeof err?.code === "string" ? err.code : typeof err?.cause?.originalCode === "string" ? err.cause.originalCode : "";
  return code.startsWith("SQLITE_BUSY") || err?.cause?.kind === "SocketTimeout";
}

// One client per process and database; survives Next.js dev hot reloads (and test files that reuse
// a worker process with another database).
const globalForPrisma = globalThis as unknown as { prisma?: { url: string; client: PrismaClient; direct: DirectHolder } };
const url = databaseUrl();
if (globalForPrisma.prisma?.url !== url) {
  const direct: DirectHolder = {};
  globalForPrisma.prisma = { url, client: createClient(url, direct), direct };
}
export const prisma: PrismaClient = globalForPrisma.prisma.client;
/** Which SQL the few hand-written statements speak (the hot paths' raw SQL differs where the dialects do). */
export const dialect: "sqlite" | "postgresql" = isPostgresUrl(url) ? "postgresql" : "sqlite";
