// Trade bill (§8): apply (GET /v3/bill/tradebill) and download (GET /v3/billdownload/file).
// Money is integer fen throughout; yuan strings are produced by integer arithmetic only.
// A day's bill is generated once, at 09:00 the next day (CST), and never changes afterwards: the rows of a
// merchant's day are collected on the first apply after that (refund states as of 09:00, extra rows' made-up
// ids drawn once) and kept, so every later apply for that date — any scope, any bill_type — renders the same
// bytes with the same SHA-1. Only the bill overrides of the control API (a test changing what WeChat "generated")
// make it collect again.
import { createHash, randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { ApiCall, ApiResult, FakeContext } from "./context";
import { ApiError, paramError } from "./errors";
import { isPaidState, nextRefundId, tradeTypeOf, type BillRow } from "./store";
import { addMonthsToDate, billTimeCst, cstDate, cstMidnight } from "./time";

export const BILL_TOKEN_TTL_MS = 5 * 60_000; // §8.2 newer pages: 5 min (older: 30 s)
const FEE_RATE_PER_MILLE = 6; // 0.60 %

/** 1230 → "12.30", -5 → "-0.05": integer arithmetic only. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`not an integer amount: ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const a = Math.abs(fen);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}
/** The fee column has 5 decimals in real bills (`0.01000`); the fee itself is whole fen. */
const feeYuan = (fen: number) => `${fenToYuan(fen)}000`;
/** 0.6 % rounded half-up to whole fen, in integers (also the refund answer's amount.refund_fee). */
export const feeFen = (amountFen: number) => Math.sign(amountFen) * Math.floor((Math.abs(amountFen) * FEE_RATE_PER_MILLE + 500) / 1000);

const HEAD_START = [
  "交易时间",
  "公众账号ID",
  "商户号",
  "特约商户号",
  "设备号",
  "微信订单号",
  "商户订单号",
  "用户标识",
  "交易类型",
  "交易状态",
  "付款银行",
  "货币种类",
  "应结订单金额",
  "代金券金额",
];
const REFUND_MID = ["微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款类型", "退款状态"];
const TAIL = ["商品名称", "商户数据包", "手续费", "费率", "订单金额", "申请退款金额", "费率备注"];
/** §8.3 column sets, exactly. */
export const BILL_COLUMNS = {
  ALL: [...HEAD_START, ...REFUND_MID, ...TAIL],
  SUCCESS: [...HEAD_START, "商品名称", "商户数据包", "手续费", "费率", "订单金额", "费率备注"],
  REFUND: [...HEAD_START, "退款申请时间", "退款成功时间", ...REFUND_MID, ...TAIL],
} as const;
export const BILL_SUMMARY_COLUMNS = {
  ALL: ["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"],
  SUCCESS: ["总交易单数", "应结订单总金额", "手续费总金额", "订单总金额"],
  REFUND: ["总交易单数", "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"],
} as const;
type BillType = keyof typeof BILL_COLUMNS;

/**
 * Column values of one row. Refund rows follow §14.7 exactly: 交易时间 = when the refund was initiated (REFUND bill:
 * the original payment time), 应结订单金额/代金券金额/订单金额 0.00, 微信/商户退款单号, 退款金额 = 申请退款金额,
 * 退款状态 = the snapshot at bill generation, 手续费 negative (the fee given back).
 */
function rowValues(r: BillRow, type: BillType): Record<string, string> {
  const refund = r.refund;
  const fee = feeFen(r.amountFen);
  return {
    交易时间: refund && type === "REFUND" ? refund.paidText : r.timeText,
    公众账号ID: r.appid,
    商户号: r.mchid,
    特约商户号: r.subMchid,
    设备号: r.deviceId,
    微信订单号: r.transactionId,
    商户订单号: r.outTradeNo,
    用户标识: r.openid,
    交易类型: r.tradeType,
    交易状态: r.tradeState,
    付款银行: "OTHERS",
    货币种类: "CNY",
    应结订单金额: refund ? "0.00" : fenToYuan(r.amountFen),
    代金券金额: "0.00",
    退款申请时间: refund ? refund.appliedText : "",
    退款成功时间: refund ? refund.successText : "",
    微信退款单号: refund ? refund.refundId : "0",
    商户退款单号: refund ? refund.outRefundNo : "0",
    退款金额: refund ? fenToYuan(r.amountFen) : "0.00",
    充值券退款金额: "0.00",
    退款类型: refund ? "ORIGINAL" : "",
    退款状态: refund ? refund.status : "",
    商品名称: r.description,
    商户数据包: r.attach,
    手续费: feeYuan(refund ? -fee : fee),
    费率: "0.60%",
    订单金额: refund ? "0.00" : fenToYuan(r.amountFen),
    申请退款金额: refund ? fenToYuan(r.amountFen) : "0.00",
    费率备注: "",
  };
}

function summaryValues(rows: BillRow[]): Record<string, string> {
  let settle = 0,
    refund = 0,
    fee = 0,
    order = 0,
    applyRefund = 0;
  for (const r of rows) {
    const isRefund = r.refund !== undefined;
    const f = feeFen(r.amountFen);
    settle += isRefund ? 0 : r.amountFen;
    refund += isRefund ? r.amountFen : 0;
    applyRefund += isRefund ? r.amountFen : 0;
    // §14.7: the summary fee is the net fee (refund rows subtract).
    fee += isRefund ? -f : f;
    order += isRefund ? 0 : r.amountFen;
  }
  // Real bills have written the summary in two forms over the years; alternate them (by row count, so a bill is
  // deterministic) so parsers are exercised with both.
  const form = SUMMARY_FORMS[rows.length % 2 === 0 ? 1 : 0]!;
  return {
    总交易单数: form.count(rows.length),
    应结订单总金额: form.amount(settle),
    退款总金额: form.amount(refund),
    充值券退款总金额: form.amount(0),
    手续费总金额: form.fee(fee),
    订单总金额: form.amount(order),
    申请退款总金额: form.amount(applyRefund),
  };
}

/** 0 → "0.0", any other amount with its 2 decimals ("0.47"): the form of the official PHP SDK's sample bill. */
const zeroShort = (fen: number) => (fen === 0 ? "0.0" : fenToYuan(fen));

/**
 * The number forms of the summary line in real bills (docs/wechatpay.md §8.3):
 * - current bills (the Go SDK's sample, bills quoted by merchants): count `29`, amounts `1300.00`, fee `4.33000`;
 * - the official PHP SDK's sample bill: count `45.0`, amounts `0.47` but zero as `0.0`, fee with 2 decimals `0.08`.
 * Detail rows have one form only: amounts with 2 decimals, the fee with 5, the rate like `0.60%`.
 */
export const SUMMARY_FORMS: {
  name: string;
  count: (n: number) => string;
  amount: (fen: number) => string;
  fee: (fen: number) => string;
}[] = [
  { name: "count 29, amounts 1300.00, fee 4.33000 (current bills)", count: String, amount: fenToYuan, fee: feeYuan },
  {
    name: "count 45.0, amounts 0.47 and 0.0, fee 0.08 (the PHP SDK's sample bill)",
    count: (n) => `${n}.0`,
    amount: zeroShort,
    fee: zeroShort,
  },
];

/** Commas would break the CSV shape; real bills do not quote fields, so the fake replaces them. */
const cell = (v: string) => `\`${v.replace(/[,\r\n]/g, " ")}`;

/** BOM + CRLF (§8.3, §13.7: the SDK fixture has both; we emit them so parsers are exercised). */
export function renderBill(type: BillType, rows: BillRow[]): Buffer {
  const cols = BILL_COLUMNS[type];
  const sums = BILL_SUMMARY_COLUMNS[type];
  const lines = [cols.join(",")];
  for (const r of rows) {
    const v = rowValues(r, type);
    lines.push(cols.map((c) => cell(v[c] ?? "")).join(","));
  }
  const s = summaryValues(rows);
  lines.push(sums.join(","));
  lines.push(sums.map((c) => cell(s[c] ?? "")).join(","));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8")]);
}

/** §8.1: a day's bill is generated at 09:00 (CST) the next day; its refund states are those of that moment. */
export const billGeneratedAtMs = (billDate: string) => cstMidnight(billDate)! + 33 * 3600_000;

/** Every row of one merchant's day, all stores (a sub_mchid bill is a filter of these). */
function collectRows(ctx: FakeContext, mchid: string, billDate: string): BillRow[] {
  const ov = ctx.bills;
  const rows: BillRow[] = [];
  for (const order of ctx.store.orders.values()) {
    for (const s of order.sub_orders) {
      // §8.3: bills are per sub-order and belong to the sub-order's merchant (the SP in partner mode).
      if (s.mchid !== mchid || !isPaidState(s.trade_state) || s.success_time_ms === undefined) continue;
      if (cstDate(s.success_time_ms) !== billDate) continue;
      if (ov.remove.has(s.out_trade_no)) continue;
      const timeText = billTimeCst(s.success_time_ms);
      const tradeState = ov.tradeState.get(s.out_trade_no) ?? "SUCCESS";
      rows.push({
        timeText,
        sortKey: `${timeText}${s.out_trade_no}`,
        // Override turning a payment row into a refund row (kept from before real refunds existed).
        ...(tradeState === "REFUND"
          ? {
              refund: {
                // 29 digits like WeChat's: a fixed head, then the transaction id's date and sequence.
                refundId: `5030000402${(s.transaction_id ?? "").slice(10)}0`,
                outRefundNo: `R${s.out_trade_no}`.slice(0, 64),
                status: "SUCCESS",
                appliedText: timeText,
                successText: timeText,
                paidText: timeText,
              },
            }
          : {}),
        appid: order.combine_appid,
        mchid: s.mchid,
        subMchid: s.sub_mchid ?? "0",
        deviceId: "",
        transactionId: s.transaction_id ?? "",
        outTradeNo: s.out_trade_no,
        openid: order.payer_openid ?? "",
        tradeType: tradeTypeOf(order),
        tradeState,
        amountFen: ov.amountFen.get(s.out_trade_no) ?? s.total_amount,
        description: s.description,
        attach: s.attach,
      });
    }
  }
  // Real refunds (§14.7): in the bill of the day they were accepted, with their status as of bill generation
  // (SUCCESS if they had succeeded by then, else PROCESSING); refunds closed by then are absent. `amountFen`
  // overrides keyed by out_refund_no change the amount shown (reconciliation tests).
  const generatedAtMs = billGeneratedAtMs(billDate);
  for (const r of ctx.store.refunds.values()) {
    const order = ctx.store.orders.get(r.orderKey);
    const s = order?.sub_orders.find((x) => x.out_trade_no === r.out_trade_no);
    if (!order || !s || s.mchid !== mchid) continue;
    if (r.status === "CLOSED" && (r.closedAtMs ?? 0) <= generatedAtMs) continue;
    if (cstDate(r.createdAtMs) !== billDate) continue;
    if (ov.remove.has(r.out_refund_no)) continue;
    const timeText = billTimeCst(r.createdAtMs);
    const succeeded = r.status === "SUCCESS" && r.successAtMs !== undefined && r.successAtMs <= generatedAtMs;
    rows.push({
      timeText,
      sortKey: `${timeText}${r.out_refund_no}`,
      appid: order.combine_appid,
      mchid: s.mchid,
      subMchid: s.sub_mchid ?? "0",
      deviceId: "",
      transactionId: r.transaction_id,
      outTradeNo: r.out_trade_no,
      openid: order.payer_openid ?? "",
      tradeType: tradeTypeOf(order),
      tradeState: "REFUND",
      amountFen: ov.amountFen.get(r.out_refund_no) ?? r.refund,
      description: s.description,
      attach: s.attach,
      refund: {
        refundId: r.refund_id,
        outRefundNo: r.out_refund_no,
        status: succeeded ? "SUCCESS" : "PROCESSING",
        appliedText: timeText,
        successText: succeeded ? billTimeCst(r.successAtMs!) : "",
        paidText: s.success_time_ms !== undefined ? billTimeCst(s.success_time_ms) : timeText,
      },
    });
  }
  for (const x of ov.extraRows) {
    if (x.bill_date !== billDate || (x.mchid ?? mchid) !== mchid) continue;
    const timeText = `${billDate} ${x.time ?? "12:00:00"}`;
    rows.push({
      timeText,
      sortKey: `${timeText}${x.out_trade_no}`,
      appid: ctx.keys.combineAppid,
      mchid: x.mchid ?? mchid,
      subMchid: x.sub_mchid ?? "0",
      deviceId: "",
      transactionId:
        x.transaction_id ?? `4200009999${billDate.replaceAll("-", "")}${randomBytes(4).readUInt32BE(0).toString().padStart(10, "0")}`,
      outTradeNo: x.out_trade_no,
      openid: "oUpF8uEXTRAROW0000000000000",
      tradeType: "MWEB",
      tradeState: x.trade_state,
      amountFen: x.amount_fen,
      ...(x.trade_state === "REFUND"
        ? {
            refund: {
              refundId: x.refund_id ?? nextRefundId(cstMidnight(billDate)!),
              outRefundNo: x.out_refund_no ?? `R${x.out_trade_no}`,
              status: x.refund_status ?? "SUCCESS",
              appliedText: timeText,
              successText: timeText,
              paidText: timeText,
            },
          }
        : {}),
      description: x.description ?? "额外账单行（测试）",
      attach: x.attach ?? "",
    });
  }
  return rows.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

const APPLY_PARAMS = new Set(["bill_date", "bill_type", "tar_type", "sub_mchid"]);

export function handleTradeBill(ctx: FakeContext, call: ApiCall): ApiResult {
  const q = new URLSearchParams(call.rawQuery);
  for (const k of q.keys()) if (!APPLY_PARAMS.has(k)) throw paramError(k, `unknown query parameter "${k}"`, undefined, "query");
  const billDate = q.get("bill_date");
  if (billDate === null) throw paramError("bill_date", "required query parameter is missing", undefined, "query");
  const midnight = cstMidnight(billDate);
  if (midnight === null) throw paramError("bill_date", "must be a date formatted yyyy-MM-dd", billDate, "query");
  const now = ctx.clock.now();
  const today = cstDate(now);
  if (billDate > today) throw paramError("bill_date", "must not be in the future", billDate, "query");
  if (billDate < addMonthsToDate(today, -3)) throw paramError("bill_date", "must be within the last 3 months", billDate, "query");
  const billType = q.get("bill_type") ?? "ALL";
  if (!(billType in BILL_COLUMNS)) throw paramError("bill_type", "this fake supports ALL, SUCCESS and REFUND", billType, "query");
  const tarType = q.get("tar_type");
  if (tarType !== null && tarType !== "GZIP") throw paramError("tar_type", "must be GZIP or absent", tarType, "query");
  const subMchid = q.get("sub_mchid") ?? undefined;
  if (subMchid !== undefined && !ctx.keys.subMerchants.some((m) => m.subMchid === subMchid)) {
    throw new ApiError(403, "NO_AUTH", "特约商户号与服务商不存在绑定关系", { field: "sub_mchid", value: subMchid, location: "query" });
  }
  // §8.1: generated from 09:00 the next day, fetch after 10:00 (CST) → before that, STATEMENT_CREATING.
  if (now < midnight + 34 * 3600_000) throw new ApiError(400, "STATEMENT_CREATING", "账单生成中");
  const type = billType as BillType;
  // Generated once per merchant and day, then frozen (see the top of this file).
  const frozenKey = `${call.callerMchid}\u0000${billDate}`;
  let dayRows = ctx.store.frozenBills.get(frozenKey);
  if (!dayRows) {
    dayRows = collectRows(ctx, call.callerMchid, billDate);
    ctx.store.frozenBills.set(frozenKey, dayRows);
  }
  const rows = dayRows.filter(
    (r) =>
      (subMchid === undefined || r.subMchid === subMchid) &&
      (type === "ALL" ? true : type === "SUCCESS" ? r.tradeState === "SUCCESS" : r.tradeState === "REFUND"),
  );
  if (rows.length === 0) throw new ApiError(400, "NO_STATEMENT_EXIST", "请求的账单文件不存在");
  const plain = renderBill(type, rows);
  const token = randomBytes(24).toString("base64url");
  const gzip = tarType === "GZIP";
  ctx.store.billTokens.set(token, { token, mchid: call.callerMchid, plain, gzip, expiresAtMs: now + BILL_TOKEN_TTL_MS });
  return {
    status: 200,
    json: {
      hash_type: "SHA1",
      hash_value: createHash("sha1").update(plain).digest("hex"),
      download_url: `${ctx.publicBaseUrl()}/v3/billdownload/file?token=${token}${gzip ? "&tartype=gzip" : ""}`,
    },
  };
}

/** Changes one digit of the file: same size, plausible content, different SHA-1. */
function tamper(plain: Buffer): Buffer {
  const out = Buffer.from(plain);
  for (let i = out.length - 1; i >= 0; i--) {
    const c = out[i]!;
    if (c >= 0x30 && c <= 0x39) {
      out[i] = 0x30 + ((c - 0x30 + 1) % 10);
      break;
    }
  }
  return out;
}

export function handleBillDownload(ctx: FakeContext, call: ApiCall): ApiResult {
  const q = new URLSearchParams(call.rawQuery);
  const token = q.get("token");
  if (!token) throw paramError("token", "required query parameter is missing", undefined, "query");
  const entry = ctx.store.billTokens.get(token);
  if (!entry) throw new ApiError(400, "INVALID_REQUEST", "下载链接无效，请重新申请账单");
  // §8.2: only the merchant that applied may download.
  if (entry.mchid !== call.callerMchid) throw new ApiError(403, "NO_AUTH", "无权下载该账单");
  if (ctx.clock.now() > entry.expiresAtMs) throw new ApiError(400, "INVALID_REQUEST", "下载链接已过期，请重新申请账单");
  let plain = entry.plain;
  if (ctx.bills.tamperNextDownload) {
    ctx.bills.tamperNextDownload = false;
    plain = tamper(plain);
  }
  const body = entry.gzip ? gzipSync(plain) : plain;
  return { status: 200, unsigned: { body, contentType: "application/octet-stream" } };
}
