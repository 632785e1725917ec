// Entry rules for the catalogue: yuan → fen without floats, and the admin API / import schemas.
import { describe, expect, it } from "vitest";
import { yuanEntryToFen } from "@/lib/money";
import { ProductCreateSchema, ProductPatchSchema, StoreCreateSchema, StorePatchSchema } from "@/lib/catalog/validation";
import { parseCsvCatalogue, parseJsonCatalogue } from "@/lib/catalog/import";
import { sniffImage } from "@/lib/catalog/images";

describe("yuanEntryToFen", () => {
  it.each([
    ["12.30", 1230],
    ["12.3", 1230],
    ["12", 1200],
    ["0.29", 29],
    ["0.01", 1],
    ["1.10", 110],
    [" 9.90 ", 990],
    ["¥1,299.00", 129_900],
    ["￥50000", 5_000_000],
    ["4.35", 435],
    ["1.15", 115],
  ])("%s → %i fen (exact: no float rounding)", (text, fen) => {
    expect(yuanEntryToFen(text)).toBe(fen);
  });

  it("agrees with exact decimal arithmetic on every amount from 0.01 to 99.99", () => {
    for (let fen = 1; fen < 10_000; fen++) {
      const text = `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;
      expect(yuanEntryToFen(text)).toBe(fen);
    }
  });

  it.each(["", "abc", "12.345", "-1", "1e3", ".5", "5.", "0", "0.00", "12,30", "01.00", "1 000", "50000.01", "NaN", "Infinity"])(
    "refuses %j",
    (text) => {
      expect(() => yuanEntryToFen(text)).toThrow();
    },
  );
});

describe("store and product schemas", () => {
  const store = { name: "茶语轩", subMchid: "1900000201" };
  const product = { sku: "TEA-1", name: "龙井", priceFen: 6800, storeId: "chayu" };

  it("sub_mchid / mchid are 8–10 digits", () => {
    for (const ok of ["12345678", "1900000201"]) expect(StoreCreateSchema.safeParse({ ...store, subMchid: ok }).success).toBe(true);
    for (const bad of ["1234567", "12345678901", "19000002O1", " 1900000201", "+1900000201"]) {
      const r = StoreCreateSchema.safeParse({ ...store, subMchid: bad });
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(["subMchid"]);
    }
    expect(StoreCreateSchema.safeParse({ ...store, mchid: "abc" }).success).toBe(false);
    expect(StoreCreateSchema.safeParse({ ...store, mchid: null }).success).toBe(true);
  });

  it("names: trimmed, not empty, bounded, no control characters", () => {
    expect(StoreCreateSchema.parse({ ...store, name: "  茶语轩  " }).name).toBe("茶语轩");
    expect(StoreCreateSchema.safeParse({ ...store, name: "   " }).success).toBe(false);
    expect(StoreCreateSchema.safeParse({ ...store, name: "x".repeat(41) }).success).toBe(false);
    expect(ProductCreateSchema.safeParse({ ...product, name: "龙井\n50g" }).success).toBe(false);
    expect(ProductCreateSchema.safeParse({ ...product, name: "茶".repeat(60) }).success).toBe(true);
  });

  it("names: refuse text with nothing visible (zero-width, BOM, soft hyphen, Hangul filler…), direction overrides and unpaired surrogates", () => {
    const invisible = ["\u200b", "\u200b\u200c\u200d", "\ufeff", "\u00ad", "\u2060\u2063", "\u3164", "\u2800", "\u200b \u200b", "\u034f"];
    for (const name of invisible) {
      const r = ProductCreateSchema.safeParse({ ...product, name });
      expect(r.success, JSON.stringify(name)).toBe(false);
      expect(r.error!.issues[0]!.path).toEqual(["name"]);
      expect(StoreCreateSchema.safeParse({ ...store, name }).success, JSON.stringify(name)).toBe(false);
    }
    // Bidi embeddings, overrides and isolates reorder what the shopper and the bill show ("Trojan Source").
    for (const c of ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
      expect(ProductCreateSchema.safeParse({ ...product, name: `龙井${c}g05` }).success, c.codePointAt(0)!.toString(16)).toBe(false);
    // A lone surrogate cannot be encoded as UTF-8 (WeChat's description, the bill, the database).
    for (const name of ["龙井\ud83d", "\ude00龙井", "a\udc00\ud800b"])
      expect(ProductCreateSchema.safeParse({ ...product, name }).success).toBe(false);
    // C1 controls are control characters too.
    expect(ProductCreateSchema.safeParse({ ...product, name: "龙井\u0085" }).success).toBe(false);
    // Visible text keeps its joiners: an emoji ZWJ sequence, a paired surrogate, an Arabic name with its marks.
    for (const name of ["茶🍵", "家庭装 👨\u200d👩\u200d👧", "Café", "شاي أخضر"])
      expect(ProductCreateSchema.parse({ ...product, name }).name).toBe(name);
  });

  it("price: whole fen, 1 … 5,000,000; stock: null or a whole number 0 … 1,000,000", () => {
    for (const priceFen of [0, -1, 1.5, 5_000_001, "6800"])
      expect(ProductCreateSchema.safeParse({ ...product, priceFen }).success).toBe(false);
    for (const stock of [-1, 0.5, 1_000_001, "3"]) expect(ProductCreateSchema.safeParse({ ...product, stock }).success).toBe(false);
    for (const stock of [null, 0, 7]) expect(ProductCreateSchema.safeParse({ ...product, stock }).success).toBe(true);
  });

  it("images: an uploaded /media/<sha256> file or https only", () => {
    const ok = [`/media/${"a".repeat(64)}.png`, "https://cdn.example.com/a.jpg"];
    const bad = [
      "http://cdn.example.com/a.jpg",
      "javascript:alert(1)",
      "/media/../x.png",
      `/media/${"a".repeat(64)}.svg`,
      'https://x/"onerror=1',
    ];
    for (const imageUrl of ok) expect(ProductCreateSchema.safeParse({ ...product, imageUrl }).success).toBe(true);
    for (const imageUrl of bad) expect(ProductCreateSchema.safeParse({ ...product, imageUrl }).success).toBe(false);
  });

  it("patches: unknown fields (the SKU itself) and empty patches are refused", () => {
    expect(ProductPatchSchema.safeParse({ sku: "X" }).success).toBe(false);
    expect(ProductPatchSchema.safeParse({}).success).toBe(false);
    expect(StorePatchSchema.safeParse({}).success).toBe(false);
    expect(StorePatchSchema.safeParse({ id: "other" }).success).toBe(false);
    expect(ProductPatchSchema.parse({ stock: null })).toEqual({ stock: null });
  });
});

describe("catalogue files", () => {
  it("CSV: a wrong header, a wrong column count and inconsistent store columns are errors with line numbers", () => {
    expect(parseCsvCatalogue("sku,name\nA,b\n").errors).toEqual([expect.stringMatching(/^line 1: the header/)]);
    const header = "sku,name,price,stock,active,sort_order,image_url,store_sub_mchid,store_name,store_id,store_mchid";
    const r = parseCsvCatalogue(
      `${header}\nA,a,1.00,,true,1,,1900000201,店,shop,\nB,b,1.00\nC,c,1.00,,true,2,,1900000201,别的名字,shop,\n`,
    );
    expect(r.errors).toEqual([
      "line 3: expected 11 columns, found 3",
      expect.stringMatching(/^line 4 \(C\): store 1900000201 differs from line 2/),
    ]);
    expect(r.products.map((p) => p.sku)).toEqual(["A"]);
  });

  it("JSON: prices are yuan strings (never floats); errors carry the element's line", () => {
    const r = parseJsonCatalogue(
      '{"products": [\n{"sku":"A","name":"a","price":"0.29","store":"1900000201"},\n{"sku":"B","name":"b","price":0.29,"store":"1900000201"}\n]}',
    );
    expect(r.products).toEqual([{ sku: "A", name: "a", price: 29, store: "1900000201" }]);
    expect(r.errors).toEqual([expect.stringMatching(/^line 3: products\[1\] \(B\): price/)]);
    expect(parseJsonCatalogue("{").errors[0]).toMatch(/^not valid JSON/);
    // The import applies the admin API's name rules (one rule: lib/catalog/validation.ts displayText).
    const invisible = parseJsonCatalogue('{"products": [{"sku":"A","name":"\\u200b\\u200d","price":"1.00","store":"1900000201"}]}');
    expect(invisible.errors).toEqual([expect.stringMatching(/name: must contain visible characters/)]);
    expect(parseJsonCatalogue('{"items": []}').errors[0]).toMatch(/^file:/);
  });
});

describe("image sniffing", () => {
  it("recognises PNG, JPEG and WebP by magic bytes, nothing else", () => {
    expect(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("png");
    expect(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("jpg");
    expect(sniffImage(Buffer.from("RIFF\0\0\0\0WEBPVP8 "))).toBe("webp");
    expect(sniffImage(Buffer.from("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toBeNull();
    expect(sniffImage(Buffer.from("GIF89a"))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });
});
