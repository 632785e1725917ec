// Trade bill file (docs/wechatpay.md §8.3): detail header, detail rows, then the summary header and the
// summary values as the last two lines. Data fields start with a backtick (so Excel keeps long numbers),
// an empty field is a lone backtick. We map columns by header name, because the column set depends on
// bill_type and on how old the merchant account is: older accounts get an older header set whose columns
// carry the same fields under other names (OLD_DETAIL_NAMES, OLD_SUMMARY_NAMES).
import { BillAmountError, parseCount, yuanToFen, yuanToMilliFen } from "./yuan";

export class BillParseError extends Error {
  constructor(
    message: string,
    /** 1-based line of the file, when the problem is on one line */
    readonly line?: number,
  ) {
    super(line ? `line ${line}: ${message}` : message);
    this.name = "BillParseError";
  }
}

type Kind = "text" | "fen" | "milliFen";

/** Detail columns we understand → field name and how to read it. Anything else lands in `extra`. */
const DETAIL_COLUMNS = {
  交易时间: ["tradeTime", "text"],
  公众账号ID: ["appid", "text"],
  商户号: ["mchid", "text"],
  特约商户号: ["subMchid", "text"],
  设备号: ["deviceInfo", "text"],
  微信订单号: ["transactionId", "text"],
  商户订单号: ["outTradeNo", "text"],
  用户标识: ["openid", "text"],
  交易类型: ["tradeType", "text"],
  交易状态: ["tradeState", "text"],
  付款银行: ["bankType", "text"],
  货币种类: ["currency", "text"],
  应结订单金额: ["settlementAmountFen", "fen"],
  代金券金额: ["couponAmountFen", "fen"],
  微信退款单号: ["refundId", "text"],
  商户退款单号: ["outRefundNo", "text"],
  退款金额: ["refundAmountFen", "fen"],
  充值券退款金额: ["rechargeRefundAmountFen", "fen"],
  退款类型: ["refundType", "text"],
  退款状态: ["refundStatus", "text"],
  商品名称: ["description", "text"],
  商户数据包: ["attach", "text"],
  手续费: ["feeMilliFen", "milliFen"],
  费率: ["feeRate", "text"],
  订单金额: ["orderAmountFen", "fen"],
  申请退款金额: ["requestedRefundAmountFen", "fen"],
  费率备注: ["feeRemark", "text"],
} as const satisfies Record<string, readonly [string, Kind]>;

const SUMMARY_COLUMNS = {
  总交易单数: "tradeCount",
  应结订单总金额: "settlementFen",
  退款总金额: "refundFen",
  充值券退款总金额: "rechargeRefundFen",
  手续费总金额: "feeMilliFen",
  订单总金额: "orderFen",
  申请退款总金额: "requestedRefundFen",
} as const;

/**
 * The older header set (§8.3): merchant accounts from before 应结订单金额 existed get 24 columns (26 in a REFUND
 * bill) where 特约商户号 is 子商户号, the order amount is 总金额 and the coupon columns are 企业红包金额 /
 * 企业红包退款金额 (in some files 代金券或立减优惠金额 / 代金券或立减优惠退款金额); 总金额 is 0.00 on refund
 * rows, like 订单金额. Without these names such a bill had no amount column at all.
 */
const OLD_DETAIL_NAMES: Record<string, keyof typeof DETAIL_COLUMNS> = {
  子商户号: "特约商户号",
  总金额: "订单金额",
  企业红包金额: "代金券金额",
  代金券或立减优惠金额: "代金券金额",
  企业红包退款金额: "充值券退款金额",
  代金券或立减优惠退款金额: "充值券退款金额",
};
/** The older summary: 总交易单数, 总交易额 (Σ 总金额), 总退款金额, 总企业红包退款金额 (or 总代金券或立减优惠退款金额), 手续费总金额. */
const OLD_SUMMARY_NAMES: Record<string, keyof typeof SUMMARY_COLUMNS> = {
  总交易额: "订单总金额",
  总退款金额: "退款总金额",
  总企业红包退款金额: "充值券退款总金额",
  总代金券或立减优惠退款金额: "充值券退款总金额",
};

const REQUIRED_DETAIL = ["交易时间", "微信订单号", "商户订单号", "交易状态"] as const;

type DetailColumns = typeof DETAIL_COLUMNS;
type FieldOf<K extends keyof DetailColumns> = DetailColumns[K][0];
type TextField = { [K in keyof DetailColumns]: DetailColumns[K][1] extends "text" ? FieldOf<K> : never }[keyof DetailColumns];
type AmountField = { [K in keyof DetailColumns]: DetailColumns[K][1] extends "text" ? never : FieldOf<K> }[keyof DetailColumns];
type RequiredField = "tradeTime" | "transactionId" | "outTradeNo" | "tradeState";

/** One detail line. Text fields absent from the column set are undefined; empty fields are "". */
export type BillRecord = { lineNo: number; extra: Record<string, string> } & Record<RequiredField, string> &
  Partial<Record<Exclude<TextField, RequiredField>, string>> &
  Partial<Record<AmountField, number>>;

export interface BillSummary {
  tradeCount: number;
  settlementFen?: number;
  refundFen?: number;
  rechargeRefundFen?: number;
  feeMilliFen?: number;
  orderFen?: number;
  requestedRefundFen?: number;
  extra: Record<string, string>;
}

export type BillKind = "ALL" | "SUCCESS" | "REFUND";

export interface ParsedBill {
  /** Guessed from the header: REFUND has 退款申请时间, ALL has 微信退款单号, SUCCESS neither. */
  kind: BillKind;
  header: string[];
  rows: BillRecord[];
  summary: BillSummary;
}

const BOM = "\uFEFF";

function splitHeader(line: string, lineNo: number): string[] {
  const names = line.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  for (const n of names) {
    if (!n) throw new BillParseError("empty column name in header", lineNo);
    if (seen.has(n)) throw new BillParseError(`duplicate column ${n}`, lineNo);
    seen.add(n);
  }
  return names;
}

/**
 * Each header name → the name we read it as (its current name for an old one). Two columns meaning the same
 * field (a current and an old name side by side) would leave us guessing which one is right: refused.
 */
function canonicalNames(header: string[], old: Record<string, string>, lineNo: number): string[] {
  const byCanonical = new Map<string, string>();
  return header.map((name) => {
    const canonical = old[name] ?? name;
    const other = byCanonical.get(canonical);
    if (other !== undefined) throw new BillParseError(`columns ${other} and ${name} both give ${canonical}`, lineNo);
    byCanonical.set(canonical, name);
    return canonical;
  });
}

/**
 * Every data field starts with a backtick, so ",`" is the real separator: splitting on it keeps a
 * comma inside a product name intact. The lone backtick of an empty field becomes "".
 */
function splitData(line: string, width: number, lineNo: number): string[] {
  if (!line.startsWith("`")) throw new BillParseError("data line does not start with a backtick", lineNo);
  const fields = line.slice(1).split(",`");
  if (fields.length !== width) {
    throw new BillParseError(`expected ${width} fields, found ${fields.length}`, lineNo);
  }
  return fields;
}

function convert<T>(fn: (s: string) => T, value: string, column: string, lineNo: number): T {
  try {
    return fn(value);
  } catch (e) {
    if (e instanceof BillAmountError) throw new BillParseError(`column ${column}: ${e.message}`, lineNo);
    throw e;
  }
}

export function parseTradeBill(input: string | Uint8Array): ParsedBill {
  let text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  if (text.startsWith(BOM)) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 3) throw new BillParseError("a bill needs a header, a summary header and a summary line");

  const header = splitHeader(lines[0]!, 1);
  const detailNames = canonicalNames(header, OLD_DETAIL_NAMES, 1);
  for (const name of REQUIRED_DETAIL) {
    if (!detailNames.includes(name)) throw new BillParseError(`detail header lacks column ${name}`, 1);
  }
  const summaryHeaderLine = lines.length - 1; // 1-based number of the summary header
  const summaryHeader = splitHeader(lines[lines.length - 2]!, summaryHeaderLine);
  const summaryNames = canonicalNames(summaryHeader, OLD_SUMMARY_NAMES, summaryHeaderLine);
  if (!summaryNames.includes("总交易单数")) {
    throw new BillParseError("summary header (总交易单数, …) not found in the second-to-last line", summaryHeaderLine);
  }

  const rows: BillRecord[] = [];
  for (let i = 1; i < lines.length - 2; i++) {
    const lineNo = i + 1;
    const fields = splitData(lines[i]!, header.length, lineNo);
    const rec: Record<string, unknown> = { lineNo, extra: {} };
    header.forEach((name, idx) => {
      const value = fields[idx]!;
      const spec = (DETAIL_COLUMNS as Record<string, readonly [string, Kind]>)[detailNames[idx]!];
      if (!spec) {
        (rec.extra as Record<string, string>)[name] = value;
        return;
      }
      const [field, kind] = spec;
      if (kind === "text") rec[field] = value;
      // An empty amount field is "no amount" (e.g. a refund column on a payment row), not zero.
      else if (value !== "") rec[field] = convert(kind === "fen" ? yuanToFen : yuanToMilliFen, value, name, lineNo);
    });
    for (const name of REQUIRED_DETAIL) {
      if (name !== "交易状态" && rec[DETAIL_COLUMNS[name][0]] === "") {
        throw new BillParseError(`column ${name} is empty`, lineNo);
      }
    }
    rows.push(rec as BillRecord);
  }

  const values = splitData(lines[lines.length - 1]!, summaryHeader.length, lines.length);
  const summary: Record<string, unknown> = { extra: {} };
  summaryHeader.forEach((name, idx) => {
    const value = values[idx]!;
    const field = (SUMMARY_COLUMNS as Record<string, string>)[summaryNames[idx]!];
    if (!field) (summary.extra as Record<string, string>)[name] = value;
    else if (field === "tradeCount") summary[field] = convert(parseCount, value, name, lines.length);
    else if (value !== "") {
      summary[field] = convert(field === "feeMilliFen" ? yuanToMilliFen : yuanToFen, value, name, lines.length);
    }
  });

  const kind: BillKind = header.includes("退款申请时间") ? "REFUND" : header.includes("微信退款单号") ? "ALL" : "SUCCESS";
  return { kind, header, rows, summary: summary as unknown as BillSummary };
}
