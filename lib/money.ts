// Client-safe money helpers. Money is integer fen everywhere; yuan only for display and bill files.

/** 1230 → "¥12.30" */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, "0")}`;
}

/** 1230 → "12.30" (bill and CSV form, no currency sign, no grouping). */
export function fenToYuanString(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export class YuanEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "YuanEntryError";
  }
}

/**
 * A price typed by a merchant ("12", "12.3", "12.30", "¥1,299.00") → integer fen, by string
 * arithmetic only: `Number("0.29") * 100` is 28.999999999999996. More than two decimals, negative
 * amounts, exponents and anything else that is not a plain amount are refused, never rounded.
 */
export function yuanEntryToFen(text: string, maxFen = 5_000_000): number {
  const t = text
    .trim()
    .replace(/^[¥￥]/, "")
    .replace(/,(?=\d{3}(\D|$))/g, "");
  const m = /^(0|[1-9]\d{0,8})(?:\.(\d{1,2}))?$/.exec(t);
  if (!m) throw new YuanEntryError("请输入金额，如 12.30（最多两位小数）");
  const fen = Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0"));
  if (fen <= 0) throw new YuanEntryError("金额必须大于 0");
  if (fen > maxFen) throw new YuanEntryError(`金额不能超过 ${formatFen(maxFen)}`);
  return fen;
}
