// Crypto overhead benchmark: our signing / verification / notification decryption vs bare node:crypto doing the
// same cryptographic work. Run: `npx tsx tests/bench/crypto.bench.ts` (or `npm run bench:crypto`).
// Options: --seconds=N (wall time per pair, default 3), --slice-ms=N (one batch, default 5), --strict (exit 1 if > 5 %).
//
// Method: per pair, a warm-up (~10 % of the budget) JIT-compiles both sides and calibrates a batch size worth
// ~slice-ms; then many short rounds each run one batch of ours and one of bare back to back, alternating which goes
// first. Because the two batches of a round are milliseconds apart they see the same machine load, so the median
// of the per-round ratios is robust on a busy box; medians of each side's µs/op are printed too.
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ApiV3Decryptor, PublicKeyVerifier, RequestSigner, createWechatPayClient, verifyWechatPaySignature } from "../../lib/wechatpay";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k!, v ?? "true"] as const;
  }),
);
const SECONDS_PER_PAIR = Number(args.get("seconds") ?? 3);
const SLICE_MS = Number(args.get("slice-ms") ?? 5);
const TARGET_OVERHEAD = 0.05;

const KEYS = path.resolve(import.meta.dirname, "../fixtures/keys");
const readKey = (f: string) => readFileSync(path.join(KEYS, f), "utf8");
const ids = JSON.parse(readKey("keys.json")) as { combineMchid: string; merchantSerialNo: string; wechatpayPublicKeyId: string };
const apiV3Key = readKey("apiv3-key.txt");

// ---- fixtures ------------------------------------------------------------------------------------------------
const merchantPrivatePem = readKey("merchant-private-key.pem");
const merchantPrivate: KeyObject = createPrivateKey(merchantPrivatePem);
const wechatpayPrivate: KeyObject = createPrivateKey(readKey("wechatpay-private-key.pem"));
const wechatpayPublicPem = readKey("wechatpay-public-key.pem");
const wechatpayPublic: KeyObject = createPublicKey(wechatpayPublicPem);

const requestBody = JSON.stringify({
  combine_appid: "wxd930ea5d5a258f4f",
  combine_mchid: ids.combineMchid,
  combine_out_trade_no: "C2026112700000001",
  scene_info: { payer_client_ip: "203.0.113.7", device_id: "WEB0001", h5_info: { type: "Wap" } },
  sub_orders: [1, 2, 3].map((i) => ({
    mchid: ids.combineMchid,
    sub_mchid: `190000020${i}`,
    attach: `store-${i}`,
    amount: { total_amount: 100 * i, currency: "CNY" },
    out_trade_no: `S2026112700000${i}`,
    description: "茶语小铺-乌龙茶",
  })),
  notify_url: "https://shop.example.com/api/wechatpay/notify",
});
const PATH = "/v3/combine-transactions/h5";

const responseBody = JSON.stringify({
  h5_url: "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx201410272009395522657a690389285100&package=1037687096",
});
const respTs = String(Math.floor(Date.now() / 1000));
const respNonce = randomBytes(16).toString("hex").toUpperCase();
const respSignature = sign("sha256", Buffer.from(`${respTs}\n${respNonce}\n${responseBody}\n`), wechatpayPrivate).toString("base64");
const respHeaders: Record<string, string> = {
  "wechatpay-timestamp": respTs,
  "wechatpay-nonce": respNonce,
  "wechatpay-signature": respSignature,
  "wechatpay-serial": ids.wechatpayPublicKeyId,
  "wechatpay-signature-type": "WECHATPAY2-SHA256-RSA2048",
};

const plaintext = JSON.stringify({
  combine_appid: "wxd930ea5d5a258f4f",
  combine_mchid: ids.combineMchid,
  combine_out_trade_no: "C2026112700000001",
  sub_orders: [1, 2, 3].map((i) => ({
    mchid: ids.combineMchid,
    sub_mchid: `190000020${i}`,
    trade_type: "MWEB",
    trade_state: "SUCCESS",
    bank_type: "OTHERS",
    attach: `store-${i}`,
    success_time: "2026-11-27T15:04:05+08:00",
    transaction_id: `420000000020261127000000000${i}`,
    out_trade_no: `S2026112700000${i}`,
    amount: { total_amount: 100 * i, payer_amount: 100 * i, currency: "CNY", payer_currency: "CNY" },
  })),
  combine_payer_info: { openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
});
const gcmNonce = "a1b2c3d4e5f6";
const gcmAad = "transaction";
const cipher = createCipheriv("aes-256-gcm", Buffer.from(apiV3Key), Buffer.from(gcmNonce));
cipher.setAAD(Buffer.from(gcmAad));
const ciphertextB64 = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString("base64");
const resource = { algorithm: "AEAD_AES_256_GCM", nonce: gcmNonce, associated_data: gcmAad, ciphertext: ciphertextB64 };

// ---- ours (built once, like the app's client) -----------------------------------------------------------------
const signer = new RequestSigner({ mchid: ids.combineMchid, serialNo: ids.merchantSerialNo, privateKey: merchantPrivatePem });
const verifier = new PublicKeyVerifier(ids.wechatpayPublicKeyId, wechatpayPublicPem);
const decryptor = new ApiV3Decryptor(apiV3Key);
const apiKeyBytes = Buffer.from(apiV3Key);

type Op = () => unknown | Promise<unknown>;
interface Pair {
  name: string;
  ours: Op;
  bare: Op;
  async?: boolean;
}

let sink = 0; // keeps results alive so nothing is optimised away

const pairs: Pair[] = [
  {
    name: "request signing (SHA256withRSA, 2048)",
    // ours: nonce + timestamp + five-line message + signature + Authorization header
    ours: () => {
      sink ^= signer.sign("POST", PATH, requestBody).authorization.length;
    },
    // bare: the same message shape and RSA signature, nothing else
    bare: () => {
      const msg = `POST\n${PATH}\n${respTs}\n${respNonce}\n${requestBody}\n`;
      sink ^= sign("sha256", Buffer.from(msg), merchantPrivate).toString("base64").length;
    },
  },
  {
    name: "response verification (RSA verify)",
    async: true,
    // ours: header lookup, probe/timestamp checks, key selection by serial, message, verify
    ours: async () => {
      const r = await verifyWechatPaySignature({ headers: respHeaders, body: responseBody, verifier, now: Date.now() });
      sink ^= r.timestamp;
    },
    // bare: read the four values from the same header object (as node:http delivers them) and verify
    bare: () => {
      const ts = respHeaders["wechatpay-timestamp"];
      const nonce = respHeaders["wechatpay-nonce"];
      const signature = respHeaders["wechatpay-signature"]!;
      const key = respHeaders["wechatpay-serial"] === ids.wechatpayPublicKeyId ? wechatpayPublic : undefined;
      const ok = verify("sha256", Buffer.from(`${ts}\n${nonce}\n${responseBody}\n`), key!, Buffer.from(signature, "base64"));
      sink ^= ok ? 1 : 0;
    },
  },
  {
    name: "notification decryption (AES-256-GCM, ~1 KB)",
    ours: () => {
      sink ^= decryptor.decryptResource(resource).length;
    },
    // bare: the leanest correct node:crypto idiom (no concat when final() is empty, as for GCM)
    bare: () => {
      const data = Buffer.from(ciphertextB64, "base64");
      const d = createDecipheriv("aes-256-gcm", apiKeyBytes, Buffer.from(gcmNonce), { authTagLength: 16 });
      d.setAuthTag(data.subarray(data.length - 16));
      d.setAAD(Buffer.from(gcmAad));
      const out = d.update(data.subarray(0, data.length - 16));
      d.final();
      sink ^= out.length;
    },
  },
];

// Not a crypto pair (includes JSON parsing and zod validation of the plaintext): printed for information only.
const notificationBody = JSON.stringify({
  id: "EV-2026112700000000001",
  create_time: "2026-11-27T15:04:06+08:00",
  resource_type: "encrypt-resource",
  event_type: "TRANSACTION.SUCCESS",
  summary: "支付成功",
  resource: { original_type: "transaction", ...resource },
});
const notificationHeaders: Record<string, string> = {
  ...respHeaders,
  "wechatpay-signature": sign("sha256", Buffer.from(`${respTs}\n${respNonce}\n${notificationBody}\n`), wechatpayPrivate).toString("base64"),
};
const client = createWechatPayClient({
  baseUrl: "https://api.mch.weixin.qq.com",
  mchid: ids.combineMchid,
  merchantSerialNo: ids.merchantSerialNo,
  merchantPrivateKey: merchantPrivatePem,
  apiV3Key,
  publicKey: { id: ids.wechatpayPublicKeyId, key: wechatpayPublicPem },
});
const endToEnd: Pair = {
  name: "parseNotification end to end (verify + decrypt + JSON + zod) [info]",
  async: true,
  ours: async () => {
    const n = await client.parseNotification(notificationHeaders, notificationBody);
    sink ^= n.id.length;
  },
  bare: () => {
    const h = notificationHeaders;
    const ok = verify(
      "sha256",
      Buffer.from(`${h["wechatpay-timestamp"]}\n${h["wechatpay-nonce"]}\n${notificationBody}\n`),
      wechatpayPublic,
      Buffer.from(h["wechatpay-signature"]!, "base64"),
    );
    const env = JSON.parse(notificationBody) as { resource: typeof resource };
    const data = Buffer.from(env.resource.ciphertext, "base64");
    const d = createDecipheriv("aes-256-gcm", apiKeyBytes, Buffer.from(env.resource.nonce), { authTagLength: 16 });
    d.setAuthTag(data.subarray(data.length - 16));
    d.setAAD(Buffer.from(env.resource.associated_data));
    const out = d.update(data.subarray(0, data.length - 16));
    d.final();
    sink ^= (ok ? 1 : 0) ^ (JSON.parse(out.toString("utf8")) as { sub_orders: unknown[] }).sub_orders.length;
  },
};

async function runBatch(op: Op, n: number, isAsync: boolean): Promise<number> {
  const t0 = process.hrtime.bigint();
  if (isAsync) for (let i = 0; i < n; i++) await op();
  else for (let i = 0; i < n; i++) op();
  return Number(process.hrtime.bigint() - t0) / 1e3 / n; // µs/op
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function benchPair(p: Pair) {
  const isAsync = p.async ?? false;
  // Warm-up (JIT, key caches) and calibration: ~10 % of the budget.
  const warmUntil = performance.now() + SECONDS_PER_PAIR * 100;
  let calib = 1;
  let perOp = 0;
  while (performance.now() < warmUntil) {
    const a = await runBatch(p.ours, calib, isAsync);
    const b = await runBatch(p.bare, calib, isAsync);
    perOp = (a + b) / 2;
    calib = Math.min(calib * 2, 1 << 16);
  }
  const batch = Math.max(5, Math.round((SLICE_MS * 1e3) / perOp));
  const rounds = Math.max(9, Math.round((SECONDS_PER_PAIR * 0.9 * 1e6) / (2 * batch * perOp)));
  const ours: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let o: number;
    let b: number;
    if (r % 2 === 0) {
      o = await runBatch(p.ours, batch, isAsync);
      b = await runBatch(p.bare, batch, isAsync);
    } else {
      b = await runBatch(p.bare, batch, isAsync);
      o = await runBatch(p.ours, batch, isAsync);
    }
    ours.push(o);
    bare.push(b);
    ratios.push(o / b);
  }
  return { name: p.name, batch, rounds, ours: median(ours), bare: median(bare), overhead: median(ratios) - 1 };
}

function fmt(n: number, digits = 2) {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function main() {
  console.log(`WeChat Pay client crypto overhead — node ${process.version}, ${process.platform}/${process.arch}`);
  console.log(
    `~${SECONDS_PER_PAIR} s per pair in alternating ~${SLICE_MS} ms batches; medians reported; overhead = median paired ratio − 1; target ≤ ${TARGET_OVERHEAD * 100} %\n`,
  );
  const rows = [];
  for (const p of pairs) rows.push(await benchPair(p));
  const header = ["operation", "ours µs/op", "ours ops/s", "bare µs/op", "bare ops/s", "overhead", "verdict"];
  const table = rows.map((r) => [
    r.name,
    fmt(r.ours),
    fmt(1e6 / r.ours, 0),
    fmt(r.bare),
    fmt(1e6 / r.bare, 0),
    `${r.overhead >= 0 ? "+" : ""}${fmt(r.overhead * 100, 1)} %`,
    r.overhead <= TARGET_OVERHEAD ? "ok" : "OVER",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) console.log(line(row));
  const e2e = await benchPair(endToEnd);
  console.log(
    `\n${e2e.name}:\n  ours ${fmt(e2e.ours)} µs/op (${fmt(1e6 / e2e.ours, 0)} ops/s) vs bare verify+decrypt+JSON.parse ${fmt(e2e.bare)} µs/op` +
      ` → +${fmt(e2e.overhead * 100, 1)} % (schema validation, not crypto; no target)`,
  );
  console.log(`\n(rounds × batch: ${[...rows, e2e].map((r) => `${r.rounds}×${r.batch}`).join(", ")}; sink=${sink & 1})`);
  const over = rows.filter((r) => r.overhead > TARGET_OVERHEAD);
  if (over.length && args.has("strict")) process.exit(1);
}

await main();
