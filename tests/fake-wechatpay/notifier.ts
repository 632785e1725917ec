// The payment notification (§7): one per combine order, POSTed to notify_url with the Wechatpay-* signature
// headers over the exact body bytes, retried on WeChat's schedule until the merchant answers 200 or 204.
import http from "node:http";
import https from "node:https";
import { randomUUID } from "node:crypto";
import { makeRequestId } from "./errors";
import type { Faults, NotifyFaultKind } from "./faults";
import type { FakeKeys } from "./keys";
import { aesGcmEncrypt, notifySigner, randomAlnum, signatureHeaders, type SignatureTamper, type VerifyMode } from "./signing";
import { toTransaction, type CombineOrder } from "./store";
import { rfc3339Cst, type BusinessClock } from "./time";

/** §7.6: 15 retries after the first delivery, about 24h4m in total. Multiplied by notifyTimeScale. */
export const RETRY_SCHEDULE_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600];
const REPLY_LOG_LIMIT = 512;

export interface NotifyAttempt {
  /** The notification id (same for every attempt and replay of one order). */
  id: string;
  orderNo: string;
  /** 1-based count of HTTP deliveries of this notification (duplicates and probes count too). */
  attempt: number;
  at: string;
  /** HTTP status of the merchant's reply; null when nothing was received (drop, timeout, connection error). */
  status: number | null;
  /** The reply body, truncated to 512 characters. */
  reply: string;
  error?: string;
  fault?: NotifyFaultKind;
  /** Wechatpay-Serial the attempt was signed with. */
  serial: string;
  /** True for a §2.6 signature probe (the merchant must NOT answer it with 2xx). */
  probe?: boolean;
  /** The merchant acknowledged (200/204) a non-probe delivery. */
  ok: boolean;
  trigger: "scheduled" | "replay";
  durationMs: number;
  /** For a refund notification (docs/wechatpay.md §14.4): its out_refund_no and event type. */
  refundNo?: string;
  eventType?: string;
}

interface Job {
  id: string;
  orderKey: string;
  orderNo: string;
  refundNo?: string;
  eventType: string;
  notifyUrl: string;
  envelope: Record<string, unknown>;
  body: Buffer;
  deliveries: number;
  retryIndex: number;
  done: boolean;
  gaveUp: boolean;
  timer?: NodeJS.Timeout;
}

export interface NotifierDeps {
  keys: FakeKeys;
  mode: VerifyMode;
  clock: BusinessClock;
  faults: Faults;
  timeScale: number;
  timeoutMs: number;
  log: (line: string) => void;
}

export class Notifier {
  readonly attempts: NotifyAttempt[] = [];
  private readonly jobs = new Map<string, Job>();
  private signCounter = 0;
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly deps: NotifierDeps) {}

  /** Builds the envelope from the order as it is now (all sub-orders SUCCESS) and delivers it at once. */
  notifyPaid(order: CombineOrder): Job {
    const { keys, clock } = this.deps;
    const nonce = randomAlnum(12);
    const plaintext = JSON.stringify(toTransaction(order));
    const envelope = {
      id: randomUUID(),
      create_time: rfc3339Cst(clock.now()),
      resource_type: "encrypt-resource",
      event_type: "TRANSACTION.SUCCESS",
      summary: "支付成功",
      resource: {
        original_type: "transaction",
        algorithm: "AEAD_AES_256_GCM",
        ciphertext: aesGcmEncrypt(keys.apiV3Key, nonce, "transaction", plaintext),
        associated_data: "transaction",
        nonce,
      },
    };
    const job: Job = {
      id: envelope.id,
      orderKey: order.key,
      orderNo: order.combine_out_trade_no,
      eventType: envelope.event_type,
      notifyUrl: order.notify_url,
      envelope,
      body: Buffer.from(JSON.stringify(envelope), "utf8"),
      deliveries: 0,
      retryIndex: 0,
      done: false,
      gaveUp: false,
    };
    this.jobs.set(order.key, job);
    void this.runScheduled(job);
    return job;
  }

  /**
   * A REFUND.* notification (§14.4): same signing, AES-GCM with associated_data "refund", original_type "refund",
   * the same retry schedule. `jobKey` identifies one refund state change; `orderNo` lets faults name the order.
   */
  notifyRefund(
    jobKey: string,
    orderNo: string,
    refundNo: string,
    notifyUrl: string,
    eventType: string,
    summary: string,
    plaintext: string,
  ): Job {
    const { keys, clock } = this.deps;
    const nonce = randomAlnum(12);
    const envelope = {
      id: randomUUID(),
      create_time: rfc3339Cst(clock.now()),
      resource_type: "encrypt-resource",
      event_type: eventType,
      summary,
      resource: {
        original_type: "refund",
        algorithm: "AEAD_AES_256_GCM",
        ciphertext: aesGcmEncrypt(keys.apiV3Key, nonce, "refund", plaintext),
        associated_data: "refund",
        nonce,
      },
    };
    const job: Job = {
      id: envelope.id,
      orderKey: jobKey,
      orderNo,
      refundNo,
      eventType,
      notifyUrl,
      envelope,
      body: Buffer.from(JSON.stringify(envelope), "utf8"),
      deliveries: 0,
      retryIndex: 0,
      done: false,
      gaveUp: false,
    };
    const previous = this.jobs.get(jobKey);
    if (previous?.timer) clearTimeout(previous.timer);
    this.jobs.set(jobKey, job);
    void this.runScheduled(job);
    return job;
  }

  jobFor(orderKey: string): Job | undefined {
    return this.jobs.get(orderKey);
  }

  /** Re-sends now (same id, new attempt). A success also stops the pending retries. */
  async replay(orderKey: string): Promise<NotifyAttempt[] | undefined> {
    const job = this.jobs.get(orderKey);
    if (!job) return undefined;
    const before = this.attempts.length;
    const ok = await this.runAttempt(job, "replay");
    if (ok) this.finish(job);
    return this.attempts.slice(before).filter((a) => a.id === job.id);
  }

  reset(): void {
    for (const job of this.jobs.values()) if (job.timer) clearTimeout(job.timer);
    this.jobs.clear();
    this.attempts.length = 0;
    for (const req of this.inflight) req.destroy(new Error("fake reset"));
    this.inflight.clear();
  }

  close(): void {
    this.closed = true;
    this.reset();
  }

  private finish(job: Job): void {
    job.done = true;
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
  }

  private async runScheduled(job: Job): Promise<void> {
    if (this.closed || job.done || this.jobs.get(job.orderKey) !== job) return;
    const ok = await this.runAttempt(job, "scheduled");
    if (this.closed || this.jobs.get(job.orderKey) !== job) return;
    if (ok) return this.finish(job);
    if (job.done) return; // a replay succeeded meanwhile
    const delayS = RETRY_SCHEDULE_SECONDS[job.retryIndex];
    if (delayS === undefined) {
      job.gaveUp = true;
      this.deps.log(`notify ${job.orderNo}: gave up after ${job.deliveries} deliveries`);
      return;
    }
    job.retryIndex += 1;
    // unref: pending retries must never keep a test process or the CLI alive.
    job.timer = setTimeout(() => void this.runScheduled(job), Math.max(0, delayS * 1000 * this.deps.timeScale));
    job.timer.unref();
  }

  /** One logical attempt, possibly several HTTP deliveries depending on the injected fault. True when acknowledged. */
  private async runAttempt(job: Job, trigger: NotifyAttempt["trigger"]): Promise<boolean> {
    const fault = this.deps.faults.takeNotify(job.orderNo, job.refundNo)?.kind;
    switch (fault) {
      case "drop": {
        this.record(job, trigger, {
          status: null,
          reply: "",
          error: "dropped by injected fault (not delivered)",
          fault,
          serial: "",
          ok: false,
          durationMs: 0,
        });
        return false;
      }
      case "duplicate": {
        const a = await this.deliver(job, trigger, fault);
        const b = await this.deliver(job, trigger, fault);
        return a || b;
      }
      case "concurrent_duplicate": {
        const [a, b] = await Promise.all([this.deliver(job, trigger, fault), this.deliver(job, trigger, fault)]);
        return a || b;
      }
      case "tamper_signature":
        return this.deliver(job, trigger, fault, "bad_signature");
      case "stale_timestamp":
        return this.deliver(job, trigger, fault, "stale_timestamp");
      case "tamper_ciphertext":
        return this.deliver(job, trigger, fault, undefined, this.tamperedBody(job));
      case "signature_probe": {
        await this.deliver(job, trigger, fault, "signature_probe");
        // §2.6: the real notification follows the probe with a valid signature.
        return this.deliver(job, trigger);
      }
      default:
        return this.deliver(job, trigger);
    }
  }

  /** Same envelope, one ciphertext byte flipped: the signature (made over these bytes) verifies, GCM auth does not. */
  private tamperedBody(job: Job): Buffer {
    const resource = job.envelope.resource as Record<string, string>;
    const raw = Buffer.from(resource.ciphertext ?? "", "base64");
    raw[0] = (raw[0] ?? 0) ^ 0x01;
    return Buffer.from(JSON.stringify({ ...job.envelope, resource: { ...resource, ciphertext: raw.toString("base64") } }), "utf8");
  }

  private async deliver(
    job: Job,
    trigger: NotifyAttempt["trigger"],
    fault?: NotifyFaultKind,
    tamper?: SignatureTamper,
    body = job.body,
  ): Promise<boolean> {
    const signer = notifySigner(this.deps.mode, this.deps.keys, this.signCounter++);
    const headers = {
      ...signatureHeaders(signer, body, tamper),
      "Content-Type": "application/json",
      "Content-Length": String(body.length),
      "User-Agent": "Mozilla/4.0",
      "Request-ID": makeRequestId(0),
    };
    const started = Date.now();
    const probe = tamper === "signature_probe";
    try {
      const { status, reply } = await this.post(job.notifyUrl, headers, body);
      const ok = !probe && (status === 200 || status === 204);
      this.record(job, trigger, {
        status,
        reply,
        fault,
        serial: signer.serial,
        probe: probe || undefined,
        ok,
        durationMs: Date.now() - started,
      });
      if (probe && status >= 200 && status < 300)
        this.deps.log(`notify ${job.orderNo}: WARNING the merchant acknowledged a signature probe (§2.6)`);
      return ok;
    } catch (err) {
      this.record(job, trigger, {
        status: null,
        reply: "",
        error: (err as Error).message,
        fault,
        serial: signer.serial,
        probe: probe || undefined,
        ok: false,
        durationMs: Date.now() - started,
      });
      return false;
    }
  }

  private record(
    job: Job,
    trigger: NotifyAttempt["trigger"],
    a: Omit<NotifyAttempt, "id" | "orderNo" | "attempt" | "at" | "trigger">,
  ): void {
    // An attempt cut off by reset()/close() belongs to a job that no longer exists: do not log it into the new state.
    if (this.closed || this.jobs.get(job.orderKey) !== job) return;
    job.deliveries += 1; // drops count too: to the merchant they look like a failed attempt
    const entry: NotifyAttempt = { id: job.id, orderNo: job.orderNo, attempt: job.deliveries, at: new Date().toISOString(), trigger, ...a };
    if (job.refundNo !== undefined) Object.assign(entry, { refundNo: job.refundNo, eventType: job.eventType });
    if (entry.probe === undefined) delete entry.probe;
    this.attempts.push(entry);
    this.deps.log(`notify ${job.orderNo} #${entry.attempt}${a.fault ? ` [${a.fault}]` : ""} → ${a.status ?? a.error}`);
  }

  /** POST with the 5 s budget of §7.5 (notifyTimeoutMs); no keep-alive so close() leaves nothing behind. */
  private post(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; reply: string }> {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const mod = u.protocol === "https:" ? https : http;
      const req = mod.request(u, { method: "POST", headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          if (size < REPLY_LOG_LIMIT * 4) chunks.push(c);
          size += c.length;
        });
        res.on("end", () => {
          clearTimeout(timer);
          this.inflight.delete(req);
          resolve({ status: res.statusCode ?? 0, reply: Buffer.concat(chunks).toString("utf8").slice(0, REPLY_LOG_LIMIT) });
        });
        res.on("error", reject);
      });
      const timer = setTimeout(
        () => req.destroy(new Error(`timeout: no complete reply within ${this.deps.timeoutMs}ms`)),
        this.deps.timeoutMs,
      );
      timer.unref();
      this.inflight.add(req);
      req.on("error", (e) => {
        clearTimeout(timer);
        this.inflight.delete(req);
        reject(e);
      });
      req.end(body);
    });
  }
}
