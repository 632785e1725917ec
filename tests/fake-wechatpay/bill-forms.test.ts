// Trade bills as WeChat makes them (§8.3, §14.7): generated once per day and then frozen (same bytes, same SHA-1,
// refund states as of 09:00 the next day), and every value written in a form the official sample bills show.
import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, control, partnerBody } from "./test-helpers";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REFUNDS = "/v3/refund/domestic/refunds";
const HOUR = 3600_000;
const DAY = 24 * HOUR;
let fake: Fake;

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, refundDelayMs: null });
});
afterAll(() => fake.close());
beforeEach(() => control(fake.url, "/reset", {}));

/** Moves the business clock to an absolute instant (either way). */
async function clockTo(ms: number) {
  const { now } = await control(fake.url, "/clock");
  await control(fake.url, "/clock", { advanceSeconds: (ms - Date.parse(now)) / 1000 });
}
/** 00:00 CST of the day after the fake's current day: a day the test has to itself, whenever it runs. */
async function tomorrow(): Promise<{ midnight: number; date: string }> {
  const { now } = await control(fake.url, "/clock");
  const midnight = Date.parse(`${now.slice(0, 10)}T00:00:00+08:00`) + DAY;
  return { midnight, date: new Date(midnight + 8 * HOUR).toISOString().slice(0, 10) };
}
async function paid(amounts: number[]) {
  const b = partnerBody({ amounts });
  expect((await call(fake.url, "POST", "/v3/combine-transactions/h5", b)).status).toBe(200);
  return (await control(fake.url, `/orders/${b.combine_out_trade_no}/pay`, {})).order.transaction.sub_orders as Body[];
}
let n = 0;
async function refund(s: Body, fen: number): Promise<string> {
  const no = `RF${Date.now().toString(36)}${++n}`;
  const r = await call(fake.url, "POST", REFUNDS, {
    sub_mchid: s.sub_mchid,
    out_trade_no: s.out_trade_no,
    out_refund_no: no,
    amount: { refund: fen, total: s.amount.total_amount, currency: "CNY" },
  });
  expect(r.status, r.text).toBe(200);
  return no;
}
const result = (no: string, status: string) => control(fake.url, `/refunds/${no}/result`, { status });

/** Applies for a bill and downloads it: the answer's hash and the plain file. */
async function bill(query: string) {
  const a = await call(fake.url, "GET", `/v3/bill/tradebill?${query}`);
  expect(a.status, a.text).toBe(200);
  const u = new URL(a.json.download_url);
  const d = await call(fake.url, "GET", u.pathname + u.search);
  const plain = query.includes("tar_type=GZIP") ? gunzipSync(d.raw) : d.raw;
  expect(createHash("sha1").update(plain).digest("hex")).toBe(a.json.hash_value);
  return { hash: a.json.hash_value as string, plain, table: table(plain) };
}
/** A bill file as {header, rows (objects by column), summary (object)}; backticks stripped. */
function table(plain: Buffer) {
  const lines = plain
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .replace(/\r?\n$/, "")
    .split(/\r?\n/);
  const header = lines[0]!.split(",");
  const cells = (l: string) => l.split(",`").map((c, i) => (i === 0 ? c.replace(/^`/, "") : c));
  const rows = lines.slice(1, -2).map((l) => Object.fromEntries(cells(l).map((v, i) => [header[i]!, v])));
  const sumHead = lines.at(-2)!.split(",");
  const summary = Object.fromEntries(cells(lines.at(-1)!).map((v, i) => [sumHead[i]!, v]));
  return { header, rows, summary };
}

describe("a day's bill is generated once (09:00 the next day) and then frozen", () => {
  it("refund states are those of 09:00; later applies for the date, any bill_type or scope, give the same bytes and SHA-1", async () => {
    const { midnight: d, date } = await tomorrow();
    await clockTo(d + 12 * HOUR);
    const [o1a, o1b] = await paid([1000, 230]);
    const [o2a, o2b] = await paid([500, 300]);
    const late = await refund(o1a!, 100); // succeeds after 09:00 the next day → PROCESSING in the bill
    const done = await refund(o1b!, 30); // succeeds the same day → SUCCESS
    const closedLate = await refund(o2a!, 50); // closed after 09:00 → still in the bill, PROCESSING
    const closedEarly = await refund(o2b!, 60); // closed before 09:00 → absent
    await result(done, "success");
    await result(closedEarly, "closed");
    await clockTo(d + DAY + 9 * HOUR + 30 * 60_000); // 09:30 the next day
    await result(late, "success");
    await result(closedLate, "closed");
    await clockTo(d + DAY + 10 * HOUR);

    const first = await bill(`bill_date=${date}&bill_type=ALL`);
    const refundRows = Object.fromEntries(first.table.rows.filter((r) => r.交易状态 === "REFUND").map((r) => [r.商户退款单号, r.退款状态]));
    expect(refundRows).toEqual({ [late]: "PROCESSING", [done]: "SUCCESS", [closedLate]: "PROCESSING" });

    // WeChat never regenerates: a payment and a refund the clock puts back into that day are not in it.
    await clockTo(d + 20 * HOUR);
    const [o3] = await paid([700]);
    await refund(o3!, 70);
    await clockTo(d + DAY + 11 * HOUR);
    const again = await bill(`bill_date=${date}&bill_type=ALL`);
    expect(again.hash).toBe(first.hash);
    expect(again.plain.equals(first.plain)).toBe(true);
    expect((await bill(`bill_date=${date}&bill_type=ALL&tar_type=GZIP`)).hash).toBe(first.hash);

    // the REFUND bill and one store's bill are cut from the same frozen rows
    const refundBill = await bill(`bill_date=${date}&bill_type=REFUND`);
    expect(Object.fromEntries(refundBill.table.rows.map((r) => [r.商户退款单号, r.退款状态]))).toEqual(refundRows);
    const store = await bill(`bill_date=${date}&bill_type=ALL&sub_mchid=${o1a!.sub_mchid}`);
    const storeRows = first.table.rows.filter((r) => r.特约商户号 === o1a!.sub_mchid);
    expect(store.table.rows).toEqual(storeRows);
    expect((await bill(`bill_date=${date}&bill_type=ALL&sub_mchid=${o1a!.sub_mchid}`)).hash).toBe(store.hash);

    // a test changing what WeChat generated (the control API's bill overrides) makes it generate again
    await control(fake.url, "/bills/overrides", { amountFen: { [o1b!.out_trade_no]: 231 } });
    const overridden = await bill(`bill_date=${date}&bill_type=ALL`);
    expect(overridden.hash).not.toBe(first.hash);
    expect(overridden.table.rows.find((r) => r.商户订单号 === o1b!.out_trade_no && r.交易状态 === "SUCCESS")!.订单金额).toBe("2.31");
  });
});

// ---- the forms of the official sample bills --------------------------------------------------------------------------

/**
 * The shape of one value: `datetime`, `rate.2` (0.60%), `dec.N` (N decimals; "45.0" is dec.1), `int` (0, 29),
 * `digits.N` (an id of N digits), `empty`, `text`.
 */
function form(v: string): string {
  if (v === "") return "empty";
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v)) return "datetime";
  const rate = /^\d+\.(\d+)%$/.exec(v);
  if (rate) return `rate.${rate[1]!.length}`;
  if (/^\d{13,}$/.test(v)) return `digits.${v.length}`;
  const dec = /^-?\d+(?:\.(\d+))?$/.exec(v);
  if (dec) return dec[1] === undefined ? "int" : `dec.${dec[1].length}`;
  return "text";
}

// The forms the public sample bills show, column by column: the official PHP SDK's sample ALL bill, the Go SDK's
// download test, bills quoted by merchants (2018–2024), and WeChat's own format page. Ids: 28-digit 微信订单号,
// 29-digit 微信退款单号; "0" in the refund-id columns of payment rows.
const AMOUNT = ["dec.2"];
const SAMPLE_DETAIL_FORMS: Record<string, string[]> = {
  交易时间: ["datetime"],
  退款申请时间: ["datetime", "empty"],
  退款成功时间: ["datetime", "empty"],
  微信订单号: ["digits.28"],
  微信退款单号: ["digits.29", "int"],
  应结订单金额: AMOUNT,
  代金券金额: AMOUNT,
  退款金额: AMOUNT,
  充值券退款金额: AMOUNT,
  订单金额: AMOUNT,
  申请退款金额: AMOUNT,
  手续费: ["dec.5"],
  费率: ["rate.2"],
  退款类型: ["empty", "text"],
  退款状态: ["empty", "text"],
};
// The summary line: counts "29" or "45.0"; amounts "1300.00" (zero "0.00" or "0.0"); the fee "4.33000" or "0.08".
const SUMMARY_AMOUNT = ["dec.2", "dec.1"];
const SAMPLE_SUMMARY_FORMS: Record<string, string[]> = {
  总交易单数: ["int", "dec.1"],
  应结订单总金额: SUMMARY_AMOUNT,
  退款总金额: SUMMARY_AMOUNT,
  充值券退款总金额: SUMMARY_AMOUNT,
  订单总金额: SUMMARY_AMOUNT,
  申请退款总金额: SUMMARY_AMOUNT,
  手续费总金额: ["dec.5", "dec.2", "dec.1"],
};

/** Column → the set of forms found, for the columns the samples define. */
function formsOf(t: ReturnType<typeof table>) {
  const detail: Record<string, Set<string>> = {};
  for (const r of t.rows)
    for (const [c, v] of Object.entries(r)) if (c in SAMPLE_DETAIL_FORMS) (detail[c] ??= new Set()).add(form(v as string));
  const summary: Record<string, Set<string>> = {};
  for (const [c, v] of Object.entries(t.summary)) (summary[c] ??= new Set()).add(form(v as string));
  return { detail, summary };
}
function expectSampleForms(t: ReturnType<typeof table>, what: string) {
  const { detail, summary } = formsOf(t);
  for (const [c, found] of Object.entries(detail))
    for (const f of found) expect(SAMPLE_DETAIL_FORMS[c], `${what}: ${c} written as ${f}`).toContain(f);
  for (const [c, found] of Object.entries(summary)) {
    expect(SAMPLE_SUMMARY_FORMS[c], `${what}: unknown summary column ${c}`).toBeDefined();
    for (const f of found) expect(SAMPLE_SUMMARY_FORMS[c], `${what}: summary ${c} written as ${f}`).toContain(f);
  }
  // a summary amount may be written with one decimal only when it is zero ("0.0"), never "12.3"
  for (const [c, v] of Object.entries(t.summary))
    if (c !== "总交易单数" && form(v as string) === "dec.1") expect(v, `${what}: summary ${c}`).toBe("0.0");
  if (form(t.summary.总交易单数 as string) === "dec.1") expect(t.summary.总交易单数).toMatch(/\.0$/);
}

describe("every value of the fake's bills has a form the official sample bills show", () => {
  it("ALL, SUCCESS and REFUND bills, both summary forms (odd and even row counts), refund rows included", async () => {
    const { midnight: d, date } = await tomorrow();
    await clockTo(d + 12 * HOUR);
    const [a, b] = await paid([1000, 230]);
    const [c] = await paid([100005]);
    const r1 = await refund(a!, 500);
    await refund(b!, 30);
    await result(r1, "success");
    await clockTo(d + DAY + 10 * HOUR);
    const seenCounts = new Set<string>();
    for (const type of ["ALL", "SUCCESS", "REFUND"]) {
      const { table: t } = await bill(`bill_date=${date}&bill_type=${type}`);
      expectSampleForms(t, type);
      seenCounts.add(form(t.summary.总交易单数 as string));
      for (const r of t.rows.filter((x) => x.交易状态 === "REFUND")) expect(r.微信退款单号).toMatch(/^\d{29}$/);
    }
    // ALL has 5 rows, SUCCESS 3, REFUND 2: both forms of the summary appear
    expect([...seenCounts].sort()).toEqual(["dec.1", "int"]);
    // one store's bill of the same day: 2 rows of store 0 (its payment and refund)
    expectSampleForms((await bill(`bill_date=${date}&bill_type=ALL&sub_mchid=${a!.sub_mchid}`)).table, "one store");
    expect(c).toBeDefined();
  });

  it("the hand-written fixtures the parser is tested with are in the same forms", () => {
    const dir = path.resolve("tests/fixtures/bills");
    const current = fs.readdirSync(dir).filter((f) => f.endsWith(".csv") && !/old/.test(f));
    expect(current.length).toBeGreaterThanOrEqual(4);
    for (const f of current) expectSampleForms(table(fs.readFileSync(path.join(dir, f))), f);
  });
});
