// The bare-Node ceiling for the notify benchmark: node:http, no framework, doing the same work as
// POST /api/wechatpay/notify on the same machine — raw-body RSA-SHA256 verification (keys parsed
// once), the timestamp window, AES-256-GCM decryption, zod parsing of envelope and plaintext with
// the project's own wire schemas, then the same database work through the same Prisma client and
// schema: read the order with its sub-orders, compare, and one interactive transaction with the
// conditional update, the sub-order updates and the audit row. 204 on success, 4xx/5xx otherwise.
//
//   DATABASE_URL=file:… BASELINE_PORT=3221 tsx --conditions=react-server tests/bench/baseline-server.ts
import { createDecipheriv, createPublicKey, verify } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { prisma } from "@/lib/db";
import { ORDER_FOR_COMPARISON } from "@/lib/orders/apply-result";
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

  const orderNo = tx.combine_out_trade_no;
  // The very read the app makes (the same select), so both pay the same Prisma cost.
  const order = await prisma.order.findUnique({ where: { orderNo }, select: ORDER_FOR_COMPARISON });
  if (!order) throw new Reject(404, "unknown order");
  if (tx.combine_mchid !== order.combineMchid || tx.combine_appid !== order.combineAppid) throw new Reject(400, "mismatch");
  if (tx.sub_orders.length !== order.subOrders.length) throw new Reject(400, "mismatch");
  for (const s of tx.sub_orders) {
    const ours = order.subOrders.find((o) => o.outTradeNo === s.out_trade_no);
    if (!ours || ours.mchid !== s.mchid || ours.subMchid !== (s.sub_mchid ?? null) || ours.amountFen !== s.amount.total_amount) {
      throw new Reject(400, "mismatch");
    }
  }
  if (!tx.sub_orders.every((s) => s.trade_state === "SUCCESS")) throw new Reject(400, "not paid");
  const tradeStates = JSON.stringify(Object.fromEntries(tx.sub_orders.map((s) => [s.out_trade_no, s.trade_state])));

  if (order.status === "PAID") {
    await prisma.paymentEvent.create({
      data: { orderNo, source: "NOTIFY", notificationId: envelope.id, verified: true, outcome: "DUPLICATE", tradeStates },
    });
    return;
  }

  await prisma.$transaction(
    async (db) => {
      const { count } = await db.order.updateMany({
        where: { orderNo, status: { not: "PAID" } },
        data: { status: "PAID", paidAt: new Date(), closedAt: null },
      });
      if (count === 1) {
        for (const s of tx.sub_orders) {
          await db.subOrder.updateMany({
            where: { outTradeNo: s.out_trade_no, orderNo },
            data: {
              tradeState: s.trade_state,
              transactionId: s.transaction_id ?? null,
              payerAmountFen: s.amount.payer_amount ?? null,
              bankType: s.bank_type ?? null,
              tradeType: s.trade_type ?? null,
              successTime: s.success_time ? new Date(s.success_time) : null,
            },
          });
        }
      }
      await db.paymentEvent.create({
        data: {
          orderNo,
          source: "NOTIFY",
          notificationId: envelope.id,
          verified: true,
          outcome: count === 1 ? "APPLIED" : "DUPLICATE",
          tradeStates,
        },
      });
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
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
