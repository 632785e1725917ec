// The one CSV writer (and reader) of the app: every CSV we hand out — the catalogue export, the reconciliation
// report, the order export — goes through here, so quoting, line ends, the BOM and formula neutralisation are
// decided once. Quoting and parsing are csv-stringify / csv-parse; what this module adds is the spreadsheet rule:
//
// A cell that starts with = + - @ (or their full-width forms, which Apple Numbers normalises), a tab or a carriage
// return is run as a formula by Excel, LibreOffice and Numbers, quoted or not ("CSV injection": a product named
// =HYPERLINK("https://evil.example","点击") becomes a live link in the merchant's spreadsheet). Such a cell is
// written with a leading apostrophe, which spreadsheets show as text. Reading strips exactly one apostrophe from a
// cell that starts with apostrophes followed by one of those characters, and writing adds one to such a cell too,
// so writing then reading gives back every string unchanged (a name that really starts with '= survives).
// Numbers are never prefixed: safe integers, and strings that are plain decimals ("-0.05", the yuan amounts of
// the reports), cannot be formulas, and a prefix would turn them into text.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify, type Options as StringifyOptions } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { parse as parseSync } from "csv-parse/sync";

/** One cell. Numbers must be safe integers (money is integer fen or an exact yuan string, never a float). */
export type CsvCell = string | number | bigint | boolean | null | undefined;
export type CsvRow = readonly CsvCell[];

export interface CsvWriteOptions {
  /** Start with a UTF-8 byte order mark: without it Excel on Windows reads UTF-8 as GBK and garbles Chinese. */
  bom?: boolean;
  /** CRLF line ends (RFC 4180, Excel) instead of LF. */
  crlf?: boolean;
}

/** What Excel needs to open a Chinese CSV correctly: BOM + CRLF. */
export const EXCEL_CSV: Readonly<Required<CsvWriteOptions>> = Object.freeze({ bom: true, crlf: true });

const FORMULA_START = /^'*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/** The written form of one text cell: a leading apostrophe when a spreadsheet would read it as a formula. */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_DECIMAL.test(value) ? `'${value}` : value;
}

/** The inverse of neutraliseFormula, for cells read back from a file we (or a spreadsheet) wrote. */
export function restoreFormula(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value) ? value.slice(1) : value;
}

function castNumber(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`CSV cell ${value}: numbers must be safe integers (format money as a string)`);
  return String(value);
}

function stringifyOptions(opts: CsvWriteOptions): StringifyOptions {
  return {
    bom: opts.bom ?? false,
    record_delimiter: opts.crlf ? "windows" : "unix",
    // Quote a cell holding any line break, also a lone CR (csv-parse and spreadsheets read all three as one).
    quote_record_delimiter: true,
    cast: {
      string: neutraliseFormula,
      number: castNumber,
      bigint: (v) => v.toString(),
      boolean: (v) => String(v),
    },
  };
}

/** A whole CSV file as a string (small outputs: the catalogue, one reconciliation report). */
export function toCsv(rows: Iterable<CsvRow>, opts: CsvWriteOptions = {}): string {
  return stringifySync(
    [...rows].map((r) => [...r]),
    stringifyOptions(opts),
  );
}

/**
 * A CSV file as a byte stream, for exports too large to build in memory (e.g. 100,000 orders): rows are pulled
 * from `rows` only as fast as the client reads (backpressure), so memory stays flat. Cancelling the stream (the
 * client went away) stops the pull and calls the iterator's return(), so a database cursor behind it is closed.
 * An error thrown by the iterator (or a bad cell) errors the stream; the bytes already sent stay sent, so check
 * what can be checked before the first row.
 */
export function csvStream(rows: Iterable<CsvRow> | AsyncIterable<CsvRow>, opts: CsvWriteOptions = {}): ReadableStream<Uint8Array> {
  const source = Readable.from(mapRows(rows), { objectMode: true });
  const stringifier = stringify(stringifyOptions(opts));
  // pipeline destroys the source when the stringifier is destroyed (stream cancelled) and vice versa.
  pipeline(source, stringifier).catch(() => undefined); // the error reaches the reader through the web stream
  return Readable.toWeb(stringifier) as ReadableStream<Uint8Array>;
}

async function* mapRows(rows: Iterable<CsvRow> | AsyncIterable<CsvRow>): AsyncGenerator<CsvCell[]> {
  for await (const r of rows) yield [...r];
}

// ---- reading -------------------------------------------------------------------------------------------------------

export interface CsvRecord {
  /** 1-based line the record starts on (a quoted field may span lines), for error messages. */
  line: number;
  fields: string[];
}

export class CsvParseError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "CsvParseError";
  }
}

/**
 * Parses RFC 4180 CSV (BOM or not; CRLF, LF or CR, even mixed; quoted fields with "" escapes and line breaks),
 * skipping empty lines. Rows may differ in length (the caller reports that with the line). Apostrophes added
 * by neutraliseFormula are removed.
 */
export function parseCsv(input: string | Uint8Array): CsvRecord[] {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  let parsed: { info: { lines: number }; record: string[] }[];
  try {
    // With `info`, each record comes as { info, record } (the typings only know the plain shape).
    parsed = parseSync(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n", "\r"],
    }) as unknown as typeof parsed;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new CsvParseError(err.message.replace(/ at line \d+.*$/s, ""), err.lines);
  }
  const breaks = (s: string) => s.match(/\r\n|\n|\r/g)?.length ?? 0;
  return parsed.map(({ info, record }) => ({
    // info.lines is the line the record ends on; a quoted field with line breaks (the only place one can be) started earlier.
    line: info.lines - record.reduce((n, f) => n + breaks(f), 0),
    fields: record.map(restoreFormula),
  }));
}
