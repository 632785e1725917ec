import "server-only"; // the database: never in a client bundle (docs/architecture.md)
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { PrismaClient as PgPrismaClient } from "@/lib/generated/prisma-pg/client";
import { setTimeout as sleep } from "node:timers/promises";
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

function createClient(url: string): PrismaClient {
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
    return isolateTransactions(connection, lock.busyRetries);
  };
  return new PrismaClient({ adapter });
}

type SqlConnection = Awaited<ReturnType<PrismaBetterSqlite3["connect"]>>;
type SqlTransaction = Awaited<ReturnType<SqlConnection["startTransaction"]>>;

/**
 * The better-sqlite3 adapter has one connection per process. It queues transactions behind each
 * other, but a query outside a transaction runs straight away on that connection — inside whatever
 * transaction another request has open, so a rollback there would silently undo it (an audit row,
 * a stored pay link). Queue every statement behind an open transaction, and vice versa.
 */
function isolateTransactions(connection: SqlConnection, busyRetries: number): SqlConnection {
  let tail: Promise<void> = Promise.resolve();
  const acquire = (): Promise<() => void> => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = tail.then(() => release);
    tail = tail.then(() => held);
    return ready;
  };
  // Another process holds the write lock (SQLITE_BUSY after the short busy timeout): retry after a
  // growing pause that leaves the event loop free, then give up with a clear 503.
  const withBusyRetry = async <R>(fn: () => Promise<R>): Promise<R> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isBusy(e) || attempt >= busyRetries) {
          if (isBusy(e)) throw new AppError("DATABASE_BUSY", "系统繁忙，请稍后重试", { retryAfterSeconds: 1 });
          throw e;
        }
        await sleep(Math.min(500, 10 * 2 ** attempt));
      }
    }
  };
  const serialised =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await acquire();
      try {
        return await withBusyRetry(() => fn(...args));
      } finally {
        release();
      }
    };
  const client = (connection as unknown as { client: { prepare(sql: string): { run(): unknown } } }).client;
  const startTransaction = connection.startTransaction.bind(connection);
  connection.queryRaw = serialised(connection.queryRaw.bind(connection));
  connection.executeRaw = serialised(connection.executeRaw.bind(connection));
  connection.startTransaction = async (isolationLevel) => {
    const release = await acquire();
    let tx: SqlTransaction;
    try {
      tx = await withBusyRetry(async () => {
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
      });
    } catch (e) {
      release();
      throw e;
    }
    const commit = tx.commit.bind(tx);
    const rollback = tx.rollback.bind(tx);
    tx.commit = () => commit().finally(release);
    tx.rollback = () => rollback().finally(release);
    return tx;
  };
  return connection;
}

/** SQLITE_BUSY, raw from better-sqlite3 or converted by the adapter (kind SocketTimeout). */
function isBusy(e: unknown): boolean {
  const err = e as { code?: unknown; cause?: { originalCode?: unknown; kind?: unknown } };
  const code = typeof err?.code === "string" ? err.code : typeof err?.cause?.originalCode === "string" ? err.cause.originalCode : "";
  return code.startsWith("SQLITE_BUSY") || err?.cause?.kind === "SocketTimeout";
}

// One client per process and database; survives Next.js dev hot reloads (and test files that reuse
// a worker process with another database).
const globalForPrisma = globalThis as unknown as { prisma?: { url: string; client: PrismaClient } };
const url = databaseUrl();
if (globalForPrisma.prisma?.url !== url) globalForPrisma.prisma = { url, client: createClient(url) };
export const prisma: PrismaClient = globalForPrisma.prisma.client;
