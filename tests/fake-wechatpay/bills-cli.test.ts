// Trade bill apply + download (§8) with overrides, and the CLI.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHash, generateKeyPairSync } from "node:crypto";
import { spawn } from "node:child_process";
import { gunzipSync } from "node:zlib";
import { startFakeWechatPay } from "./server";
import { call, control, directBody, FAKE_CLI, ids, partnerBody, runFakeCli, sub, verifySigned, type ApiReply } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let fake: Fake;
const participant = generateKeyPairSync("rsa", { modulusLength: 2048 });
// A direct-mode participant merchant with its own API key, to fetch its own bill (§8.3: bills are per sub-order merchant).
const participantSigner = { mchid: sub(0).mchid, serial: "1A2B3C4D5E6F708192A3B4C5D6E7F80912345678", key: participant.privateKey };

beforeAll(async () => {
  fake = await startFakeWechatPay({
    port: 0,
    notifyTimeScale: 0.001,
    extraMerchants: [{ mchid: participantSigner.mchid, serialNo: participantSigner.serial, publicKey: participant.publicKey }],
  });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

const CST = 8 * 3600_000;
const DAY = 24 * 3600_000;
const cstDay = (ms: number) => new Date(ms + CST).toISOString().slice(0, 10);
const cstMidnight = (ms: number) => Math.floor((ms + CST) / DAY) * DAY - CST;
let offsetMs = 0;
const businessNow = () => Date.now() + offsetMs;
/** Moves the business clock to an absolute instant (forward only). */
async function clockTo(ms: number) {
  const r = await control(fake.url, "/clock", { advanceSeconds: (ms - businessNow()) / 1000 });
  offsetMs = r.offsetSeconds * 1000;
}
const sha1 = (b: Buffer) => createHash("sha1").update(b).digest("hex");
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Pays 2 partner orders and 1 direct order on day D (12:00 CST tomorrow), then moves to D+1 10:00. */
async function paidDay() {
  offsetMs = 0;
  const d = cstMidnight(Date.now()) + DAY;
  await clockTo(d + 12 * 3600_000);
  const orders = [partnerBody({ amounts: [1000, 230] }), partnerBody({ amounts: [1, 100005] })];
  const direct = directBody({ amounts: [500, 600] });
  for (const b of [...orders, direct]) {
    expect((await call(fake.url, "POST", "/v3/combine-transactions/h5", b)).status).toBe(200);
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
  }
  const unpaid = partnerBody({ amounts: [777] });
  await call(fake.url, "POST", "/v3/combine-transactions/h5", unpaid);
  await clockTo(d + DAY + 10 * 3600_000);
  return { billDate: cstDay(d), orders, direct };
}

const apply = (q: string, signer?: typeof participantSigner) =>
  call(fake.url, "GET", `/v3/bill/tradebill?${q}`, undefined, signer ? { signer } : {});
async function download(url: string, signer?: typeof participantSigner): Promise<ApiReply> {
  const u = new URL(url);
  return call(fake.url, "GET", u.pathname + u.search, undefined, signer ? { signer } : {});
}
/** Splits a downloaded bill into lines without the BOM and trailing CRLF. */
function lines(raw: Buffer): string[] {
  expect(raw.subarray(0, 3).equals(BOM)).toBe(true);
  const text = raw.subarray(3).toString("utf8");
  expect(text.endsWith("\r\n")).toBe(true);
  expect(text.replace(/\r\n/g, "")).not.toMatch(/\n/); // CRLF only
  return text.slice(0, -2).split("\r\n");
}
const unquote = (line: string) =>
  line.split(",").map((c) => {
    expect(c.startsWith("`")).toBe(true);
    return c.slice(1);
  });

const ALL =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUCCESS =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注";
const REFUND =
  "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUM_ALL = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

describe("trade bill (§8)", () => {
  it("ALL bill: exact header, backticked rows per paid sub-order, summary as the last two lines, SHA-1 of the plain file", async () => {
    const { billDate, orders } = await paidDay();
    const r = await apply(`bill_date=${billDate}&bill_type=ALL`);
    expect(r.status, r.text).toBe(200);
    verifySigned(r.headers, r.raw);
    expect(r.json.hash_type).toBe("SHA1");
    expect(r.json.download_url).toMatch(new RegExp(`^${fake.url}/v3/billdownload/file\\?token=[\\w-]+$`));
    const d = await download(r.json.download_url);
    expect(d.status).toBe(200);
    for (const h of ["Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature-Type"])
      expect(d.headers.get(h)).toBeNull();
    expect(sha1(d.raw)).toBe(r.json.hash_value);
    const ls = lines(d.raw);
    expect(ls[0]).toBe(ALL);
    expect(ls.at(-2)).toBe(SUM_ALL);
    const rows = ls.slice(1, -2).map(unquote);
    expect(rows).toHaveLength(4); // the direct-mode order belongs to its participants' bills, the unpaid one to nobody
    const cols = ALL.split(",");
    const byNo = new Map(rows.map((row) => [row[cols.indexOf("商户订单号")], Object.fromEntries(cols.map((c, i) => [c, row[i]]))]));
    for (const o of orders) {
      const q = await call(fake.url, "GET", `/v3/combine-transactions/out-trade-no/${o.combine_out_trade_no}`);
      for (const s of q.json.sub_orders as Body[]) {
        const row = byNo.get(s.out_trade_no)!;
        const subIn = (o.sub_orders as Body[]).find((x) => x.out_trade_no === s.out_trade_no)!;
        expect(row).toMatchObject({
          公众账号ID: ids.combineAppid,
          商户号: ids.combineMchid,
          特约商户号: s.sub_mchid,
          微信订单号: s.transaction_id,
          交易类型: "MWEB",
          交易状态: "SUCCESS",
          货币种类: "CNY",
          代金券金额: "0.00",
          商品名称: subIn.description,
          商户数据包: subIn.attach,
          费率: "0.60%",
          用户标识: q.json.combine_payer_info.openid,
        });
        expect(row.交易时间).toBe(`${billDate} ${s.success_time.slice(11, 19)}`);
      }
    }
    // yuan by integer arithmetic: 1000 → 10.00, 1 → 0.01, 100005 → 1000.05; fee 0.6 % rounded to fen, 5 decimals.
    const second = orders[1]!.sub_orders as Body[];
    expect(byNo.get(orders[0]!.sub_orders[0]!.out_trade_no)).toMatchObject({ 应结订单金额: "10.00", 订单金额: "10.00", 手续费: "0.06000" });
    expect(byNo.get(second[0]!.out_trade_no)).toMatchObject({ 应结订单金额: "0.01", 手续费: "0.00000" });
    expect(byNo.get(second[1]!.out_trade_no)).toMatchObject({ 应结订单金额: "1000.05", 手续费: "6.00000" });
    // 4 rows → the fake's second summary form (count "4.0", amounts with the fewest decimals): the
    // parser must read it as exactly 4 / 1012.36 / 6.07 (tests/unit/bills/parse.test.ts).
    expect(unquote(ls.at(-1)!)).toEqual(["4.0", "1012.36", "0.0", "0.0", "6.07", "1012.36", "0.0"]);
  });

  it("SUCCESS and REFUND column sets; GZIP download decompresses to the hashed bytes", async () => {
    const { billDate } = await paidDay();
    const s = await apply(`bill_date=${billDate}&bill_type=SUCCESS&tar_type=GZIP`);
    expect(s.json.download_url).toMatch(/&tartype=gzip$/);
    const d = await download(s.json.download_url);
    expect(d.raw.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(true);
    const plain = gunzipSync(d.raw);
    expect(sha1(plain)).toBe(s.json.hash_value);
    const ls = lines(plain);
    expect(ls[0]).toBe(SUCCESS);
    expect(ls.at(-2)).toBe("总交易单数,应结订单总金额,手续费总金额,订单总金额");
    expect(unquote(ls[1]!)).toHaveLength(20);

    const none = await apply(`bill_date=${billDate}&bill_type=REFUND`);
    expect([none.status, none.json.code]).toEqual([400, "NO_STATEMENT_EXIST"]);
  });

  it("availability: STATEMENT_CREATING before 10:00 CST next day; NO_STATEMENT_EXIST for a day without trades", async () => {
    offsetMs = 0;
    const d = cstMidnight(Date.now()) + DAY;
    await clockTo(d + 12 * 3600_000);
    const b = partnerBody();
    await call(fake.url, "POST", "/v3/combine-transactions/h5", b);
    await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {});
    const billDate = cstDay(d);
    expect((await apply(`bill_date=${billDate}`)).json.code).toBe("STATEMENT_CREATING"); // same day
    await clockTo(d + DAY + 9 * 3600_000 + 59 * 60_000);
    const early = await apply(`bill_date=${billDate}`);
    expect([early.status, early.json.code]).toEqual([400, "STATEMENT_CREATING"]);
    await clockTo(d + DAY + 10 * 3600_000);
    expect((await apply(`bill_date=${billDate}`)).status).toBe(200);
    const empty = await apply(`bill_date=${cstDay(d - DAY)}`);
    expect([empty.status, empty.json.code]).toEqual([400, "NO_STATEMENT_EXIST"]);
  });

  it("query validation: format, future, older than 3 months, unknown params, bill_type, tar_type, sub_mchid", async () => {
    const today = cstDay(Date.now());
    const bad = async (q: string, field: string) => {
      const r = await apply(q);
      expect([r.status, r.json.code, r.json.detail.field, r.json.detail.location], q).toEqual([400, "PARAM_ERROR", field, "query"]);
    };
    await bad("bill_date=20261101", "bill_date");
    await bad("bill_date=2026-02-30", "bill_date");
    await bad(`bill_date=${cstDay(Date.now() + 2 * DAY)}`, "bill_date");
    await bad(`bill_date=${cstDay(Date.now() - 100 * DAY)}`, "bill_date");
    await bad("bill_type=ALL", "bill_date");
    await bad(`bill_date=${today}&billType=ALL`, "billType");
    await bad(`bill_date=${today}&bill_type=EVERYTHING`, "bill_type");
    await bad(`bill_date=${today}&tar_type=ZIP`, "tar_type");
    const unknownSub = await apply(`bill_date=${today}&sub_mchid=1999999999`);
    expect([unknownSub.status, unknownSub.json.code]).toEqual([403, "NO_AUTH"]);
  });

  it("sub_mchid narrows the SP bill; a direct-mode participant sees its own rows with 特约商户号 0", async () => {
    const { billDate, orders, direct } = await paidDay();
    const r = await apply(`bill_date=${billDate}&sub_mchid=${sub(0).subMchid}`);
    const rows = lines((await download(r.json.download_url)).raw)
      .slice(1, -2)
      .map(unquote);
    expect(rows.map((x) => x[6]).sort()).toEqual([orders[0]!.sub_orders[0]!.out_trade_no, orders[1]!.sub_orders[0]!.out_trade_no].sort());
    expect(rows.every((x) => x[3] === sub(0).subMchid)).toBe(true);

    const own = await apply(`bill_date=${billDate}`, participantSigner);
    expect(own.status, own.text).toBe(200);
    const pr = lines((await download(own.json.download_url, participantSigner)).raw)
      .slice(1, -2)
      .map(unquote);
    expect(pr).toHaveLength(1);
    expect([pr[0]![2], pr[0]![3], pr[0]![6], pr[0]![12]]).toEqual([sub(0).mchid, "0", direct.sub_orders[0]!.out_trade_no, "5.00"]);
  });

  it("download: Authorization required, same merchant only (403 NO_AUTH), token lives 5 minutes", async () => {
    const { billDate } = await paidDay();
    const r = await apply(`bill_date=${billDate}`);
    const u = new URL(r.json.download_url);
    const unsigned = await call(fake.url, "GET", u.pathname + u.search, undefined, { authorization: null });
    expect([unsigned.status, unsigned.json.code]).toEqual([401, "SIGN_ERROR"]);
    const foreign = await download(r.json.download_url, participantSigner);
    expect([foreign.status, foreign.json.code]).toEqual([403, "NO_AUTH"]);
    const unknown = await call(fake.url, "GET", "/v3/billdownload/file?token=nope");
    expect([unknown.status, unknown.json.code]).toEqual([400, "INVALID_REQUEST"]);
    expect((await download(r.json.download_url)).status).toBe(200);
    await clockTo(businessNow() + 301_000);
    const expired = await download(r.json.download_url);
    expect([expired.status, expired.json.code]).toEqual([400, "INVALID_REQUEST"]);
  });

  it("overrides: remove, amountFen, tradeState REFUND, extraRows; tamperNextDownload breaks the hash once", async () => {
    const { billDate, orders } = await paidDay();
    const [a, b2] = orders[0]!.sub_orders as Body[];
    const c = orders[1]!.sub_orders[0] as Body;
    await control(fake.url, "/bills/overrides", {
      remove: [a!.out_trade_no],
      amountFen: { [b2!.out_trade_no]: 231 },
      tradeState: { [c.out_trade_no]: "REFUND" },
      extraRows: [{ bill_date: billDate, out_trade_no: "GHOST0000001", amount_fen: 990, sub_mchid: sub(2).subMchid, time: "13:14:15" }],
    });
    const r = await apply(`bill_date=${billDate}`);
    const ls = lines((await download(r.json.download_url)).raw);
    const rows = ls.slice(1, -2).map(unquote);
    const cols = ALL.split(",");
    const get = (no: string) => {
      const row = rows.find((x) => x[cols.indexOf("商户订单号")] === no);
      return row && Object.fromEntries(cols.map((col, i) => [col, row[i]]));
    };
    expect(get(a!.out_trade_no)).toBeUndefined();
    expect(get(b2!.out_trade_no)).toMatchObject({ 应结订单金额: "2.31", 订单金额: "2.31" });
    expect(get(c.out_trade_no)).toMatchObject({ 交易状态: "REFUND", 退款金额: "0.01", 退款类型: "ORIGINAL", 退款状态: "SUCCESS" });
    expect(get("GHOST0000001")).toMatchObject({ 交易时间: `${billDate} 13:14:15`, 应结订单金额: "9.90", 特约商户号: sub(2).subMchid });

    const refund = await apply(`bill_date=${billDate}&bill_type=REFUND`);
    const rl = lines((await download(refund.json.download_url)).raw);
    expect(rl[0]).toBe(REFUND);
    expect(rl.slice(1, -2).map(unquote)).toEqual([expect.arrayContaining([c.out_trade_no])]);
    expect(unquote(rl[1]!)).toHaveLength(29);

    await control(fake.url, "/bills/overrides", { tamperNextDownload: true });
    const t = await apply(`bill_date=${billDate}`);
    const tampered = await download(t.json.download_url);
    expect(sha1(tampered.raw)).not.toBe(t.json.hash_value);
    expect(sha1((await download(t.json.download_url)).raw)).toBe(t.json.hash_value);
    await control(fake.url, "/bills/overrides", undefined, "DELETE");
    expect(await control(fake.url, "/bills/overrides")).toMatchObject({ remove: [], extraRows: [], tamperNextDownload: false });
  });
});

describe("CLI", () => {
  const { tsx, cli } = FAKE_CLI;
  const run = (args: string[]) => runFakeCli(fake.url, args);

  it("pay / show / notifications / fault / clock / requests / reset talk to a running fake and print JSON", async () => {
    const b = partnerBody();
    await call(fake.url, "POST", "/v3/combine-transactions/h5", b);
    const pay = await run(["pay", b.combine_out_trade_no]);
    expect(pay.code, pay.stderr).toBe(0);
    expect(JSON.parse(pay.stdout).order.status).toBe("SUCCESS");
    expect(JSON.parse((await run(["show", b.combine_out_trade_no])).stdout).order.combine_out_trade_no).toBe(b.combine_out_trade_no);
    const fault = await run(["fault", "api", "rate_limit", "2", "--path", "/v3/bill"]);
    expect(JSON.parse(fault.stdout).api).toEqual([{ kind: "rate_limit", remaining: 2, path: "/v3/bill" }]);
    expect(JSON.parse((await run(["clock", "60"])).stdout).offsetSeconds).toBe(60);
    expect(Array.isArray(JSON.parse((await run(["requests"])).stdout))).toBe(true);
    expect(Array.isArray(JSON.parse((await run(["notifications", b.combine_out_trade_no])).stdout))).toBe(true);
    expect(JSON.parse((await run(["reset"])).stdout)).toEqual({ ok: true });
  }, 60_000);

  it("fails with a non-zero exit code on unknown orders, bad usage and an unreachable fake; help exits 0", async () => {
    const missing = await run(["pay", "NOSUCHORDER1"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("404");
    expect((await run(["frobnicate"])).code).toBe(2);
    const help = await run(["help"]);
    expect([help.code, help.stdout.includes("replay-notify")]).toEqual([0, true]);
    const down = await runFakeCli("http://127.0.0.1:9", ["requests"]);
    expect(down.code).toBe(1);
  }, 60_000);

  it("serve starts a server from env and stops on SIGTERM", async () => {
    const child = spawn(tsx, [cli, "serve"], {
      env: { ...process.env, FAKE_WECHATPAY_PORT: "0", FAKE_WECHATPAY_MODE: "certificate", FAKE_WECHATPAY_QUIET: "1" },
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (c: Buffer) => {
        buf += c.toString();
        if (buf.includes("\n")) resolve(buf.split("\n")[0]!);
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const { listening, mode } = JSON.parse(line);
    expect(mode).toBe("certificate");
    const r = await call(listening, "GET", "/v3/certificates");
    expect(r.json.data).toHaveLength(1);
    const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  }, 60_000);
});
