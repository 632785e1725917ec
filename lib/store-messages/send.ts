// Sends the outbox (./outbox.ts) to the stores' webhooks. Runs only inside the "store-messages" job, whose
// lease (lib/jobs/runner.ts) lets one process at a time send: that is what makes a message go out once
// across instances, and what makes the per-URL count below a safe check-then-send.
//
// - At least once: a message stays PENDING until the robot answered HTTP 2xx with errcode 0; a failure is
//   retried after BACKOFF_SECONDS[attempts - 1]; after MAX_ATTEMPTS it is DEAD (kept, listed on the store's
//   page, counted and reported as the run's error). A crash between the POST and the update re-sends it.
// - At most PER_URL_PER_MINUTE requests per URL in any 60 s (the robot's own limit): every request records
//   sentAt and the URL's SHA-256 on its message, and the index (sentUrlHash, sentAt) counts them. Each
//   backoff step is ≥ 60 s, so one message makes at most one request per window and counting messages
//   counts requests. A message over the limit waits, without spending an attempt.
// - Bounded requests: REQUEST_TIMEOUT_MS for the whole exchange, no redirect followed, at most
//   MAX_RESPONSE_BYTES of the answer read. The URL (its key= is a secret) is never logged or stored in errors.
import { createHash } from "node:crypto";
import { prisma } from "@/lib/db";
import { webhookUrlAllowed } from "./policy";

export const PER_URL_PER_MINUTE = 20;
export const MAX_ATTEMPTS = 8;
/** Wait after the n-th failed attempt (n = 1 … MAX_ATTEMPTS - 1): 1, 2, 5, 10, 30, 60, 120 minutes. */
export const BACKOFF_SECONDS = [60, 120, 300, 600, 1800, 3600, 7200] as const;
export const REQUEST_TIMEOUT_MS = 5000;
export const MAX_RESPONSE_BYTES = 16 * 1024;
export const SEND_BATCH = 50;
const WINDOW_MS = 60_000;

export const urlHash = (url: string) => createHash("sha256").update(url).digest("hex");

export type WebhookResult = { ok: true } | { ok: false; error: string };

/** Our own description of a failed exchange: never the URL, never the robot's text verbatim. */
function networkError(e: unknown, timeoutMs: number): string {
  const name = (e as { name?: unknown } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs} ms`;
  const code = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  return `network error${typeof code === "string" && /^[A-Z_]{2,40}$/.test(code) ? ` ${code}` : ""}`;
}

async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** One POST in the 企业微信 group robot format. Success = HTTP 2xx whose JSON says errcode 0. */
export async function postToWebhook(
  url: string,
  content: string,
  o: { timeoutMs?: number; maxResponseBytes?: number } = {},
): Promise<WebhookResult> {
  const timeoutMs = o.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const maxBytes = o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ msgtype: "markdown", markdown: { content } }),
      // A redirect could lead anywhere (and resend the body there): refused, not followed.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    return { ok: false, error: networkError(e, timeoutMs) };
  }
  try {
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      return {
        ok: false,
        error: res.status >= 300 && res.status < 400 ? `redirect (HTTP ${res.status}) not followed` : `HTTP ${res.status}`,
      };
    }
    const text = await readCapped(res, maxBytes);
    if (text === null) return { ok: false, error: `answer larger than ${maxBytes} bytes` };
    let errcode: unknown;
    try {
      errcode = (JSON.parse(text) as { errcode?: unknown } | null)?.errcode;
    } catch {
      return { ok: false, error: "answer is not JSON" };
    }
    if (errcode === 0) return { ok: true };
    return { ok: false, error: typeof errcode === "number" ? `errcode ${errcode}` : "answer without errcode" };
  } catch (e) {
    return { ok: false, error: networkError(e, timeoutMs) };
  }
}

export interface SendCounts {
  sent: number;
  retried: number;
  dead: number;
  skipped: number;
  deferred: number;
}

/**
 * One pass over the due messages, oldest first, at most `limit`. `clock` is the runner's clock: read when
 * the pass starts (what is due) and before each request (its sentAt, the backoff, the per-URL window).
 * Stops between messages when `signal` is aborted.
 */
export async function sendDueStoreMessages(
  o: { clock?: () => Date; limit?: number; signal?: AbortSignal; log?: Pick<Console, "warn"> } = {},
): Promise<SendCounts> {
  const clock = o.clock ?? (() => new Date());
  const log = o.log ?? console;
  const passStart = clock();
  const counts: SendCounts = { sent: 0, retried: 0, dead: 0, skipped: 0, deferred: 0 };
  const due = await prisma.storeMessage.findMany({
    where: { status: "PENDING", nextAttemptAt: { lte: passStart } },
    orderBy: [{ nextAttemptAt: "asc" }, { id: "asc" }],
    take: o.limit ?? SEND_BATCH,
    select: { id: true, storeId: true, kind: true, content: true, attempts: true, store: { select: { notifyWebhookUrl: true } } },
  });
  // Request times per URL hash within the last minute: loaded once per URL, then kept up to date by this pass.
  const windows = new Map<string, Date[]>();
  for (const m of due) {
    if (o.signal?.aborted) break;
    const now = clock();
    const url = m.store.notifyWebhookUrl;
    if (!url) {
      // The store removed its webhook meanwhile: nothing to send to, and nothing to retry.
      await prisma.storeMessage.updateMany({
        where: { id: m.id, status: "PENDING" },
        data: { status: "SKIPPED", lastError: "no webhook configured" },
      });
      counts.skipped++;
      continue;
    }
    const hash = urlHash(url);
    let window = windows.get(hash);
    if (!window) {
      const recent = await prisma.storeMessage.findMany({
        where: { sentUrlHash: hash, sentAt: { gt: new Date(now.getTime() - WINDOW_MS) } },
        orderBy: { sentAt: "asc" },
        take: PER_URL_PER_MINUTE,
        select: { sentAt: true },
      });
      window = recent.map((r) => r.sentAt!);
      windows.set(hash, window);
    }
    while (window.length && window[0]!.getTime() <= now.getTime() - WINDOW_MS) window.shift();
    if (window.length >= PER_URL_PER_MINUTE) {
      // Over the robot's limit: wait until the oldest request of the window is a minute old.
      await prisma.storeMessage.updateMany({
        where: { id: m.id, status: "PENDING" },
        data: { nextAttemptAt: new Date(window[0]!.getTime() + WINDOW_MS) },
      });
      counts.deferred++;
      continue;
    }
    const result = webhookUrlAllowed(url)
      ? await postToWebhook(url, m.content)
      : { ok: false as const, error: "http:// refused in production" };
    window.push(now);
    const attempts = m.attempts + 1;
    const guard = { id: m.id, status: "PENDING", attempts: m.attempts };
    if (result.ok) {
      await prisma.storeMessage.updateMany({
        where: guard,
        data: { status: "SENT", attempts, sentAt: now, sentUrlHash: hash, lastError: null },
      });
      counts.sent++;
    } else if (attempts >= MAX_ATTEMPTS) {
      await prisma.storeMessage.updateMany({
        where: guard,
        data: { status: "DEAD", attempts, sentAt: now, sentUrlHash: hash, lastError: result.error },
      });
      // The audit line: store and message, never the URL or the content (it names a customer, masked or not).
      log.warn(`[store-messages] gave up on ${m.kind} message #${m.id} of store ${m.storeId} after ${attempts} attempts: ${result.error}`);
      counts.dead++;
    } else {
      await prisma.storeMessage.updateMany({
        where: guard,
        data: {
          attempts,
          sentAt: now,
          sentUrlHash: hash,
          lastError: result.error,
          nextAttemptAt: new Date(now.getTime() + BACKOFF_SECONDS[attempts - 1]! * 1000),
        },
      });
      counts.retried++;
    }
  }
  return counts;
}
