// The one logger of the app (pino): one JSON line per event on stdout, so a log collector (CloudBase, Loki,
// journald → anything) can index it. `npm run dev` prints the same events as short readable lines instead.
// LOG_LEVEL sets the level, LOG_FORMAT json|pretty the shape (lib/env.ts: logSettings()).
//
// Never log secrets: the private keys, the APIv3 key, ADMIN_TOKEN, cookies, signatures, a shopper's name, phone
// or address. Callers pass only the fields they mean to log; two nets catch mistakes: fields with a secret's
// name are replaced by "[redacted]" wherever they sit in the first two levels of a log object (pino's redact),
// and any PEM block is cut out of the finished line.
//
// Every line written while a request is handled carries that request's id (`reqId`), taken from an
// AsyncLocalStorage context that lib/http/request-log.ts (the server hook) and route() open.
import { AsyncLocalStorage } from "node:async_hooks";
import pino, { type Logger } from "pino";
import { logSettings, type LogSettings } from "./env";

export type { Logger } from "pino";

/** Field names whose values are never logged (matched at the top level and one level down). */
export const SECRET_FIELDS = [
  "authorization",
  "cookie",
  "set-cookie",
  "token",
  "adminToken",
  "password",
  "secret",
  "privateKey",
  "merchantPrivateKey",
  "apiV3Key",
  "apiv3Key",
  "signature",
  "wechatpay-signature",
  "pem",
  "phone",
  "contactPhone",
  "contactName",
  "payerName",
  "address",
  "addressDetail",
  "addressProvince",
  "addressCity",
  "addressDistrict",
  "addressPostalCode",
  "contact",
] as const;

const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
  return [key, `*.${key}`];
});

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?-----END [A-Z0-9 ]+-----/g;

/** Removes whole PEM blocks from a finished line (a key pasted into an error message, say). */
export function scrubLine(line: string): string {
  return line.includes("-----BEGIN ") ? line.replace(PEM_BLOCK, "[PEM redacted]") : line;
}

export interface LogContext {
  reqId?: string;
}

/** Where finished lines go. Tests swap it (tests/support/logs.ts); the default writes fd 1. */
export type LogSink = (line: string) => void;

interface LogState {
  context: AsyncLocalStorage<LogContext>;
  sink?: LogSink;
  root?: Logger;
  defaultSink?: LogSink;
}

// On globalThis: Next.js bundles instrumentation.ts and each route separately, so this module can be evaluated
// more than once in one process; the request context and the sink must still be one.
const KEY = Symbol.for("wcp.log");
const state: LogState = ((globalThis as { [KEY]?: LogState })[KEY] ??= { context: new AsyncLocalStorage<LogContext>() });

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const PRETTY_SKIP = new Set(["level", "time", "msg", "pid", "component", "reqId"]);

/** `npm run dev`: one short line per event, `12:03:04.123 INFO  [wechatpay] call method=GET status=200 …`. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof o.time === "string" ? o.time.slice(11, 23) : "";
  const level = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const component = o.component ? ` [${String(o.component)}]` : "";
  const fields = Object.entries(o)
    .filter(([k]) => !PRETTY_SKIP.has(k) && k !== "err")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  if (o.reqId) fields.push(`reqId=${String(o.reqId)}`);
  const err = o.err as { stack?: string; message?: string } | undefined;
  const tail = err ? `\n${err.stack ?? err.message ?? ""}` : "";
  return `${time} ${level}${component} ${String(o.msg ?? "")}${fields.length ? ` ${fields.join(" ")}` : ""}${tail}\n`;
}

function makeDefaultSink(settings: LogSettings): LogSink {
  if (settings.format === "pretty") return (line) => process.stdout.write(prettyLine(line));
  // Synchronous writes: a line logged just before process.exit() (shutdown, a CLI's last word) is not lost.
  const dest = pino.destination({ dest: 1, sync: true });
  return (line) => dest.write(line);
}

function rootLogger(): Logger {
  if (!state.root) {
    const settings = logSettings();
    state.defaultSink = makeDefaultSink(settings);
    const stream = { write: (line: string) => (state.sink ?? state.defaultSink!)(scrubLine(line)) };
    state.root = pino(
      {
        level: settings.level,
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        redact: { paths: REDACT_PATHS, censor: "[redacted]" },
        serializers: { err: pino.stdSerializers.err },
        mixin: () => {
          const reqId = state.context.getStore()?.reqId;
          return reqId ? { reqId } : {};
        },
      },
      stream,
    );
  }
  return state.root;
}

/** The logger of one part of the app: every line carries `component`. */
export function logger(component: string): Logger {
  return rootLogger().child({ component });
}

/** Runs `fn` with a log context (the request id), unless one is open already. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return state.context.getStore() ? fn() : state.context.run(context, fn);
}

/** Runs `fn` in a new log context (the server's request hook: a request never inherits another's id). */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return state.context.run(context, fn);
}

/** The current request's log context, if any. */
export function logContext(): LogContext | undefined {
  return state.context.getStore();
}

/**
 * Sends every finished line to `sink` instead of stdout (tests capture and search them; undefined restores
 * stdout). Returns the previous sink.
 */
export function setLogSink(sink: LogSink | undefined): LogSink | undefined {
  const previous = state.sink;
  state.sink = sink;
  return previous;
}
