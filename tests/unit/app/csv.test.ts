// lib/csv.ts: the one CSV writer/reader. Formula neutralisation (CSV injection), BOM + CRLF for Excel, the
// streaming form for large exports, and reading back what was written.
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { csvStream, EXCEL_CSV, neutraliseFormula, parseCsv, restoreFormula, toCsv } from "@/lib/csv";

/** How a spreadsheet (or any plain CSV reader) sees the cells: no apostrophe removed. */
const rawCells = (csv: string) => parse(csv, { bom: true, relax_column_count: true }) as string[][];

describe("formula neutralisation", () => {
  const attacks = [
    '=HYPERLINK("https://evil.example","点击")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1", // full-width =, normalised to = by Apple Numbers
    "＋1",
    "－1",
    "＠A1",
  ];

  it("every cell a spreadsheet would run as a formula is written with a leading apostrophe, quoted or not", () => {
    const csv = toCsv([attacks]);
    for (const [i, cell] of rawCells(csv)[0]!.entries()) {
      expect(cell, attacks[i]).toBe(`'${attacks[i]}`);
    }
  });

  it("plain numbers are not prefixed: integers and exact decimal strings (negative amounts) stay numbers", () => {
    expect(rawCells(toCsv([[-5, "-0.05", "12.30", "0", 7n]]))[0]).toEqual(["-5", "-0.05", "12.30", "0", "7"]);
    // …but a decimal with anything after it is text that could be a formula
    expect(neutraliseFormula("-0.05+A1")).toBe("'-0.05+A1");
  });

  it("reading back strips exactly the apostrophe that was added: every string round-trips", () => {
    const values = [...attacks, "'=already escaped", "''=twice", "'plain apostrophe", "plain", "", '逗号, 引号"和换行\n都在', "-0.05"];
    const back = parseCsv(toCsv([values]));
    expect(back).toEqual([{ line: 1, fields: values }]);
    for (const v of values) expect(restoreFormula(neutraliseFormula(v))).toBe(v);
  });

  it("floats are refused (money is integer fen or an exact yuan string)", () => {
    expect(() => toCsv([[0.29]])).toThrow(/safe integers/);
  });
});

describe("file shape", () => {
  it("default: LF, no BOM, quoted only when needed, a final line end", () => {
    expect(
      toCsv([
        ["a", "b,c", 'say "hi"'],
        ["x", "", null],
      ]),
    ).toBe('a,"b,c","say ""hi"""\nx,,\n');
  });

  it("EXCEL_CSV: UTF-8 BOM and CRLF; cells with line breaks (also a lone CR) are quoted", () => {
    const csv = toCsv(
      [
        ["店铺", "说明"],
        ["一", "两行\n文字"],
        ["二", "回车\r在中间"],
      ],
      EXCEL_CSV,
    );
    expect(csv.startsWith("\uFEFF店铺,说明\r\n")).toBe(true);
    expect(csv).toContain('一,"两行\n文字"\r\n');
    expect(csv).toContain('二,"回车\r在中间"\r\n');
    expect(parseCsv(csv).map((r) => r.fields)).toEqual([
      ["店铺", "说明"],
      ["一", "两行\n文字"],
      ["二", "回车\r在中间"],
    ]);
  });
});

describe("reading", () => {
  it("BOM, CRLF / LF / CR mixed, quoted fields, empty lines; each record keeps the line it starts on", () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n"multi\nline",z\n\nq\r')).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x, y", 'say "hi"'] },
      { line: 3, fields: ["multi\nline", "z"] },
      { line: 6, fields: ["q"] },
    ]);
  });

  it("an unterminated quote is an error naming its line", () => {
    expect(() => parseCsv('a,b\n"open,c\n')).toThrow(/^line \d+: .*[Qq]uote/);
  });
});

describe("streaming (large exports)", () => {
  const read = async (s: ReadableStream<Uint8Array>) => Buffer.from(await new Response(s).arrayBuffer()).toString("utf8");

  it("an async iterable of rows becomes the same bytes as toCsv", async () => {
    const rows: string[][] = [
      ["编号", "名称"],
      ...Array.from({ length: 500 }, (_, i) => [String(i), i % 7 === 0 ? `=bad${i}` : `商品${i}`]),
    ];
    async function* gen() {
      for (const r of rows) yield r;
    }
    expect(await read(csvStream(gen(), EXCEL_CSV))).toBe(toCsv(rows, EXCEL_CSV));
    expect(await read(csvStream(rows))).toBe(toCsv(rows));
  });

  it("pulls rows only as the reader asks (backpressure), and cancelling closes the source", async () => {
    let produced = 0;
    let closed = false;
    async function* gen() {
      try {
        for (let i = 0; i < 100_000; i++) {
          produced++;
          yield [String(i), "x".repeat(100)];
        }
      } finally {
        closed = true;
      }
    }
    const stream = csvStream(gen());
    const reader = stream.getReader();
    await reader.read();
    await new Promise((r) => setTimeout(r, 50));
    expect(produced).toBeLessThan(10_000); // far from all 100,000 rows: it waits for the reader
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
  });

  it("100,000 rows stream through in bounded time", async () => {
    async function* gen() {
      for (let i = 0; i < 100_000; i++) yield [`P${i}`, "订单", String(i * 3), "-0.01", i % 1000 === 0 ? "=x" : "ok"];
    }
    const started = Date.now();
    const text = await read(csvStream(gen(), EXCEL_CSV));
    expect(text.split("\r\n")).toHaveLength(100_001);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("an error from the row source errors the stream", async () => {
    async function* gen() {
      yield ["a"];
      throw new Error("cursor lost");
    }
    await expect(read(csvStream(gen()))).rejects.toThrow(/cursor lost/);
  });
});
