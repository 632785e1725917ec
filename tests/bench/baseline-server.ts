// The bare-Node ceiling for the notify benchmark: node:http, no framework, doing the same work as
// POST /api/wechatpay/notify on the same machine — raw-body RSA-SHA256 verification (keys parsed
// once), the timestamp window, AES-256-GCM decryption, zod parsing of envelope and plaintext with
// the project's own wire schemas, then the app's own apply path (applyCombineResult: the same reads,
// comparison and conditional writes through the same Prisma client). 204 on success, 4xx/5xx otherwise.
//
//   DATABASE_URL=file:… BASELINE_PORT=3221 tsx --conditions=react-server tests/bench/baseline-server.ts
import { createDecipheriv, createPublicKey, verify } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { prisma } from "@/lib/db";
import { applyCombineResult, ResultRejectedError } from "@/lib/orders/apply-result";
import { CombineNotificationEnvelopeSchema, CombineTransactionNotificationSchema } from "@/lib/wechatpay/schemas";
import { testApiV3Key, testKeyFiles, testKeys } from "../support/test-identity";

const port = Number(process.env.BASELINE_PORT ?? 3221);
const publicKey = createPublicKey(fs.readFileSync(testKeyFiles.wechatpayPublicKey, "utf8"));
const apiV3Key = Buffer.from(testApiV3Key, "utf8");

class Reject extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function header(req: http.IncomingMessage, name: string): string {
  const v = req.headers[name];
  if (typeof v !== "string" || !v) throw new Reject(401, `missing ${name}`);
  return v;
}

async function handle(req: http.IncomingMessage, raw: Buffer): Promise<void> {
  const ts = header(req, "wechatpay-timestamp");
  const nonce = header(req, "wechatpay-nonce");
  const signature = header(req, "wechatpay-signature");
  if (header(req, "wechatpay-serial") !== testKeys.wechatpayPublicKeyId) throw new Reject(401, "unknown serial");
  if (!/^\d{1,12}$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) >= 300) throw new Reject(401, "stale timestamp");
  const message = Buffer.concat([Buffer.from(`${ts}\n${nonce}\n`), raw, Buffer.from("\n")]);
  if (!verify("sha256", message, publicKey, Buffer.from(signature, "base64"))) throw new Reject(401, "bad signature");

  const envelope = CombineNotificationEnvelopeSchema.parse(JSON.parse(raw.toString("utf8")));
  const r = envelope.resource;
  const data = Buffer.from(r.ciphertext, "base64");
  const decipher = createDecipheriv("aes-256-gcm", apiV3Key, Buffer.from(r.nonce, "utf8"), { authTagLength: 16 });
  decipher.setAuthTag(data.subarray(data.length - 16));
  if (r.associated_data) decipher.setAAD(Buffer.from(r.associated_data, "utf8"));
  const plaintext = Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString("utf8");
  const tx = CombineTransactionNotificationSchema.parse(JSON.parse(plaintext));

  // The app's own apply path (lib/orders/apply-result.ts: the one-statement read, the comparison, the
  // one-round-trip conditional payment), called directly: the baseline differs from the app only by
  // what surrounds it (Next.js, the route, the app's verifier), never by the database work.
  try {
    await applyCombineResult(tx, { source: "NOTIFY", notificationId: envelope.id });
  } catch (e) {
    if (e instanceof ResultRejectedError) throw new Reject(e.reason === "UNKNOWN_ORDER" ? 404 : 400, e.message);
    throw e;
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    // The machine's loopback HTTP ceiling: the same server answering without doing any work.
    if (req.url === "/noop") {
      res.writeHead(204).end();
      return;
    }
    // Saturation reference: no I/O at all, 4 ms of CPU in two turns of the event loop — shows what
    // closed-loop overload alone does to the tail on this machine.
    if (req.url === "/busy") {
      const spin = (ms: number) => {
        const t = performance.now();
        while (performance.now() - t < ms);
      };
      setImmediate(() => {
        spin(2);
        setImmediate(() => {
          spin(2);
          res.writeHead(204).end();
        });
      });
      return;
    }
    if (req.method !== "POST" || req.url !== "/api/wechatpay/notify") {
      res.writeHead(404).end();
      return;
    }
    handle(req, Buffer.concat(chunks)).then(
      () => res.writeHead(204).end(),
      (e: unknown) => {
        const status = e instanceof Reject ? e.status : 500;
        if (status === 500) console.error("baseline: ", e);
        res
          .writeHead(status, { "content-type": "application/json" })
          .end(JSON.stringify({ code: "FAIL", message: String((e as Error).message) }));
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1", () => console.log(`baseline notify server on http://127.0.0.1:${port}`));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    server.close();
    void prisma.$disconnect().finally(() => process.exit(0));
  });
}
