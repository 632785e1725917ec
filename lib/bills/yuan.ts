// Exact conversion of the bill's yuan strings to integers. Never through floats: `Number("0.29") * 100`
// is 28.999999999999996, and a bill is where one fen must not disappear. Pure: the back office's report
// component uses formatTotal too.
import { fenToYuanString } from "@/lib/money";

export class BillAmountError extends Error {
  constructor(
    readonly value: string,
    reason: string,
  ) {
    super(`invalid amount ${JSON.stringify(value)}: ${reason}`);
    this.name = "BillAmountError";
  }
}

// Plain decimal: optional minus, no leading zeros (except a single 0), optional fraction of ≥1 digit.
// No "+", spaces, thousands separators, exponents, or ".5" / "5." forms: the file never uses them, so
// seeing one means the column is not what we think it is.
const DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * `text` in yuan → an integer count of 10^-decimals yuan. Digits beyond `decimals` are accepted only
 * when they are zeros (`0.01000` → 1 fen), since anything else would have to be rounded.
 */
export function yuanToUnits(text: string, decimals: number): number {
  const m = DECIMAL.exec(text);
  if (!m) throw new BillAmountError(text, "not a plain decimal number");
  const [, sign, whole, frac = ""] = m;
  const kept = frac.slice(0, decimals);
  if (/[^0]/.test(frac.slice(decimals))) {
    throw new BillAmountError(text, `more than ${decimals} significant decimal places`);
  }
  const units = BigInt(whole!) * 10n ** BigInt(decimals) + BigInt(kept.padEnd(decimals, "0") || "0");
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new BillAmountError(text, "too large");
  const n = Number(units);
  return sign === "-" && n !== 0 ? -n : n;
}

/** "12.30" → 1230 fen. */
export function yuanToFen(text: string): number {
  return yuanToUnits(text, 2);
}

/** The fee column has 5 decimals ("0.00600"): 1 milli-fen = 0.00001 yuan keeps every value exact. */
export function yuanToMilliFen(text: string): number {
  return yuanToUnits(text, 5);
}

/** 600 milli-fen → "0.00600" (the bill's own fee format). */
export function milliFenToYuanString(milliFen: number): string {
  if (!Number.isSafeInteger(milliFen)) throw new RangeError(`not an integer amount: ${milliFen}`);
  const sign = milliFen < 0 ? "-" : "";
  const abs = Math.abs(milliFen);
  return `${sign}${Math.floor(abs / 100_000)}.${String(abs % 100_000).padStart(5, "0")}`;
}

/**
 * Whole non-negative counts (总交易单数). Real bills sometimes write them as decimals ("45.0"):
 * accepted when the fraction is all zeros, since that is still exactly 45; "45.5" is an error.
 */
export function parseCount(text: string): number {
  const m = /^(0|[1-9]\d*)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new BillAmountError(text, "not a whole number");
  if (m[2] !== undefined && /[^0]/.test(m[2])) throw new BillAmountError(text, "a count with a fraction is not a whole number");
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) throw new BillAmountError(text, "too large");
  return n;
}

/** A total of the reconciliation report in its unit: a count, yuan (fen), or the fee's 5 decimals (milli-fen). */
export function formatTotal(t: { unit: "count" | "fen" | "milliFen" }, v: number): string {
  return t.unit === "count" ? String(v) : t.unit === "fen" ? fenToYuanString(v) : milliFenToYuanString(v);
}
