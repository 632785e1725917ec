// `npm run doctor`: gathers what the checks of lib/ops/doctor-checks.ts need — the settings and the files they
// name, the database (reachable? migrated? the stores' ids) and, with --live, one harmless signed read at
// WeChat Pay — and returns every finding with an exit code. Never throws for a bad setting: a broken
// configuration is what it is for (lib/env.ts would stop at the first problem; the doctor reports them all).
//
// --live makes exactly one business call: the combine query of a random combine_out_trade_no. WeChat Pay
// answers ORDER_NOT_EXIST only after it has accepted the request's signature, so that answer proves mchid +
// certificate serial + private key together; its answer is signed, and verifying it proves the WeChat Pay public
// key (or the platform certificates); its Date header gives the clock skew.
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import pg from "pg";
import { DEFAULT_DATABASE_URL } from "@/lib/database-url.mjs";
import { createWechatPayClient, WechatPayApiError, WechatPayNetworkError, WechatPaySignatureError, type HeaderBag } from "@/lib/wechatpay";
import {
  databaseChecks,
  liveChecks,
  offlineChecks,
  storeChecks,
  jsapiStoreChecks,
  type DatabaseState,
  type Finding,
  type LiveResult,
  type RawEnv,
  type ReadFile,
  type StoreRow,
  type UsableSetup,
} from "./doctor-checks";

export interface DoctorOptions {
  /** The environment to check (the CLI passes lib/env.ts's rawEnvironment()). */
  env: RawEnv;
  /** Also make the signed read at WeChat Pay. */
  live?: boolean;
  /** apiclient_cert.pem, to compare serial and key. */
  certFile?: string;
  readFile?: ReadFile;
  /** The clock compared with WeChat Pay's Date header (tests move it). */
  now?: () => Date;
  fetch?: typeof fetch;
}

export interface DoctorResult {
  findings: Finding[];
  exitCode: 0 | 1;
}

const DB_TIMEOUT_MS = 3000;
const defaultReadFile: ReadFile = (p) => fs.readFileSync(path.resolve(p), "utf8");

export async function runDoctor(o: DoctorOptions): Promise<DoctorResult> {
  const readFile = o.readFile ?? defaultReadFile;
  const now = o.now ?? (() => new Date());
  const findings: Finding[] = [];

  let certPem: string | undefined;
  if (o.certFile) {
    try {
      certPem = readFile(o.certFile);
    } catch (e) {
      findings.push({
        level: "error",
        setting: "apiclient_cert.pem (--cert)",
        message: `cannot read ${o.certFile} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
        fix: "Pass the path of apiclient_cert.pem from the merchant API certificate download.",
      });
    }
  }
  const offline = offlineChecks({ raw: o.env, readFile, certPem, now: now() });
  findings.push(...offline.findings);

  const db = await readDatabase(o.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  findings.push(...databaseChecks(db.state));
  if (db.stores) {
    findings.push(...storeChecks(db.stores, o.env.WECHATPAY_MODE === "direct" ? "direct" : "partner", o.env.WECHATPAY_COMBINE_MCHID));
    findings.push(...jsapiStoreChecks(db.stores, ["1", "true"].includes(o.env.WECHAT_JSAPI_ENABLED ?? "")));
  }

  if (o.live) {
    if (offline.setup) findings.push(...liveChecks(await liveCall(offline.setup, o.fetch ?? globalThis.fetch), offline.setup, now()));
    else
      findings.push({
        level: "error",
        setting: "--live",
        message: "skipped: there is no usable WeChat Pay setup (see the WECHATPAY_* findings above).",
        fix: "Fix the WECHATPAY_* findings, then run doctor --live again.",
      });
  }
  return { findings, exitCode: findings.some((f) => f.level === "error") ? 1 : 0 };
}

/** The migrations this build ships (next to the working directory, like prisma/migrate.mjs's). */
function expectedMigrations(url: string): string[] {
  const dir = path.resolve(/^postgres(ql)?:/.test(url) ? "prisma/postgresql/migrations" : "prisma/migrations");
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

/** Error text without the URL's password (drivers sometimes echo the connection string). */
function describe(e: unknown, url: string): string {
  let text = e instanceof Error ? e.message : String(e);
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) text = text.split(password).join("***");
  } catch {
    // not a URL (file:): nothing to hide
  }
  return text.replace(/\s+/g, " ").slice(0, 300);
}

const MIGRATIONS_SQL = "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL";
const STORES_SQL = 'SELECT id, name, "subMchid", mchid, active FROM "Store"';
// Apart from STORES_SQL: a database that predates the column still gets its store checks.
const JSAPI_STORES_SQL = 'SELECT id FROM "Store" WHERE "jsapiEnabled"';

function withJsapi(stores: StoreRow[] | undefined, jsapiIds: string[] | undefined): StoreRow[] | undefined {
  if (!stores || !jsapiIds) return stores;
  const ready = new Set(jsapiIds);
  return stores.map((s) => ({ ...s, jsapiEnabled: ready.has(s.id) }));
}

async function readDatabase(url: string): Promise<{ state: DatabaseState; stores?: StoreRow[] }> {
  const expected = expectedMigrations(url);
  if (/^postgres(ql)?:/.test(url)) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: DB_TIMEOUT_MS, query_timeout: DB_TIMEOUT_MS });
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      return { state: { expected, error: describe(e, url) } };
    }
    try {
      const applied = await client
        .query<{ migration_name: string }>(MIGRATIONS_SQL)
        .then((r) => r.rows.map((x) => x.migration_name))
        .catch(() => [] as string[]); // no _prisma_migrations table yet: nothing applied
      const stores = await client
        .query<StoreRow>(STORES_SQL)
        .then((r) => r.rows)
        .catch(() => undefined);
      const jsapiIds = await client
        .query<{ id: string }>(JSAPI_STORES_SQL)
        .then((r) => r.rows.map((x) => x.id))
        .catch(() => undefined);
      return { state: { expected, applied }, stores: withJsapi(stores, jsapiIds) };
    } catch (e) {
      return { state: { expected, error: describe(e, url) } };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (!url.startsWith("file:")) return { state: { expected, error: "DATABASE_URL must start with file: or postgresql://" } };
  const file = path.resolve(url.slice("file:".length));
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { readonly: true, fileMustExist: true, timeout: DB_TIMEOUT_MS });
  } catch (e) {
    return { state: { expected, missingFile: true, error: `no SQLite database at ${file} (${describe(e, url)})` } };
  }
  try {
    let applied: string[] = [];
    try {
      applied = (sqlite.prepare(MIGRATIONS_SQL).all() as { migration_name: string }[]).map((r) => r.migration_name);
    } catch {
      // no _prisma_migrations table yet
    }
    let stores: StoreRow[] | undefined;
    try {
      stores = (sqlite.prepare(STORES_SQL).all() as (Omit<StoreRow, "active"> & { active: number })[]).map((s) => ({
        ...s,
        active: s.active === 1,
      }));
    } catch {
      stores = undefined;
    }
    let jsapiIds: string[] | undefined;
    try {
      jsapiIds = (sqlite.prepare(JSAPI_STORES_SQL).all() as { id: string }[]).map((r) => r.id);
    } catch {
      jsapiIds = undefined;
    }
    return { state: { expected, applied }, stores: withJsapi(stores, jsapiIds) };
  } finally {
    sqlite.close();
  }
}

/** The one signed read (see the top of the file), its answer captured for the signature and the clock. */
async function liveCall(setup: UsableSetup, fetchImpl: typeof fetch): Promise<LiveResult> {
  let last: { status: number; headers: Headers; body: Buffer } | undefined;
  const capturing: typeof fetch = async (input, init) => {
    const res = await fetchImpl(input, init);
    const body = Buffer.from(await res.arrayBuffer());
    last = { status: res.status, headers: res.headers, body };
    return new Response(res.status === 204 || res.status === 304 ? null : body, { status: res.status, headers: res.headers });
  };
  let certificateError: string | undefined;
  const client = createWechatPayClient({
    baseUrl: setup.baseUrl,
    mchid: setup.mchid,
    merchantSerialNo: setup.serialNo,
    merchantPrivateKey: setup.privateKey,
    apiV3Key: setup.apiV3Key,
    publicKey: setup.publicKey,
    platformCertificates: setup.platformCertificates ? { enabled: true, minRefreshIntervalMs: 0 } : undefined,
    onCertificateRefreshError: (e) => {
      certificateError = e instanceof Error ? e.message : String(e);
    },
    fetch: capturing,
    retry: { maxAttempts: 1 },
    timeoutMs: 10_000,
    userAgent: "wechatpay-combine-checkout-doctor/0.1 (+node)",
  });
  const result: LiveResult = { signature: { verified: "unsigned" } };
  if (setup.platformCertificates) await client.refreshPlatformCertificates();
  // A number no order can have: DOCTOR + time + random, within the 6–32 characters of combine_out_trade_no.
  const orderNo = `DOCTOR${Date.now()}${randomBytes(4).toString("hex")}`;
  try {
    await client.combineQuery(orderNo);
    result.status = 200;
  } catch (e) {
    if (e instanceof WechatPayApiError)
      Object.assign(result, { status: e.status, code: e.code, message: e.message, requestId: e.requestId });
    else if (e instanceof WechatPayNetworkError) return { networkError: e.message, signature: { verified: "unsigned" } };
    else if (e instanceof WechatPaySignatureError) result.status = last?.status;
    else result.message = e instanceof Error ? e.message : String(e);
  }
  if (certificateError !== undefined) result.certificateError = certificateError;
  if (!last) return result;
  result.status ??= last.status;
  result.requestId ??= last.headers.get("request-id") ?? undefined;
  const date = last.headers.get("date");
  if (date) result.date = date;
  if (!last.headers.get("wechatpay-signature")) return result;
  const headers: HeaderBag = Object.fromEntries(last.headers);
  try {
    await client.verifySignature(headers, last.body);
    result.signature = { verified: true };
  } catch (e) {
    const serial = last.headers.get("wechatpay-serial") ?? undefined;
    result.signature =
      e instanceof WechatPaySignatureError
        ? { verified: false, reason: e.reason, ...((e.serial ?? serial) ? { serial: e.serial ?? serial } : {}) }
        : { verified: false, reason: e instanceof Error ? e.message : String(e), ...(serial ? { serial } : {}) };
  }
  return result;
}
