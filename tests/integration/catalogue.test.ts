// Catalogue back office over the real route handlers (SQLite): the admin API's validation,
// uniqueness, audit and guard; deactivation; stock races (shared with the PostgreSQL suite);
// image upload and serving; catalogue import (line-numbered errors, all-or-nothing, dry run,
// idempotent) and export round trip.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";
import { admin, buy, newProduct, stockOf, stockRaceTests } from "./stock-races";
import { skuCaseTests } from "./sku-case";
import { stockShardTests } from "./stock-shards";

let h: Harness;
const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), "catalog-images-"));
beforeAll(async () => {
  process.env.CATALOG_IMAGE_DIR = imageDir;
  process.env.IMAGE_ORIGINS = "https://cdn.example.com";
  h = await startHarness({ label: "catalogue" });
});
afterAll(async () => {
  await h.close();
  fs.rmSync(imageDir, { recursive: true, force: true });
});

describe("stock (SQLite)", () => {
  stockRaceTests(() => h);
});

describe("stock kept in several rows (SQLite)", () => {
  stockShardTests(() => h);
});

describe("SKU letter case (SQLite)", () => {
  skuCaseTests(() => h);
});

describe("admin API: stores and products", () => {
  it("creates a store (201 with the object) and audits who, when, before → after", async () => {
    const res = await admin(h, "POST", "/api/admin/stores", { name: "新开的花店", subMchid: "1900000777" });
    expect(res.status).toBe(201);
    const { store } = (await res.json()) as { store: Record<string, unknown> };
    expect(store).toEqual({
      id: "store-1900000777",
      name: "新开的花店",
      subMchid: "1900000777",
      mchid: null,
      logoUrl: null,
      active: true,
      notifyWebhookUrl: null,
      // a new store ships, for free, unless told otherwise
      deliveryMethods: ["SHIPPING"],
      shippingFeeFen: 0,
      freeShippingOverFen: null,
      pickupAddress: null,
      pickupHours: null,
      // not ready for JSAPI until the merchant says the store authorised it
      jsapiEnabled: false,
    });
    const patch = await admin(h, "PATCH", "/api/admin/stores/store-1900000777", { name: "花店", active: false });
    expect(patch.status).toBe(200);
    const audit = await h.prisma.catalogAudit.findMany({
      where: { entity: "STORE", entityId: "store-1900000777" },
      orderBy: { id: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual(["CREATE", "UPDATE"]);
    expect(audit[1]!.actor).toMatch(/^break-glass:[A-Za-z0-9_-]{8}$/);
    expect(JSON.parse(audit[1]!.before!)).toEqual({ name: "新开的花店", active: true });
    expect(JSON.parse(audit[1]!.after)).toEqual({ name: "花店", active: false });
  });

  it.each([
    ["subMchid not digits", "/api/admin/stores", { name: "x", subMchid: "19000abc01" }, "subMchid"],
    ["subMchid too short", "/api/admin/stores", { name: "x", subMchid: "1234567" }, "subMchid"],
    ["store name empty", "/api/admin/stores", { name: " ", subMchid: "1900000888" }, "name"],
    ["unknown store field", "/api/admin/stores", { name: "x", subMchid: "1900000888", owner: "me" }, "body"],
    ["price as a float", "/api/admin/products", { sku: "P-1", name: "x", priceFen: 12.5, storeId: "chayu" }, "priceFen"],
    ["price zero", "/api/admin/products", { sku: "P-1", name: "x", priceFen: 0, storeId: "chayu" }, "priceFen"],
    ["negative stock", "/api/admin/products", { sku: "P-1", name: "x", priceFen: 100, storeId: "chayu", stock: -1 }, "stock"],
    ["fractional stock", "/api/admin/products", { sku: "P-1", name: "x", priceFen: 100, storeId: "chayu", stock: 1.5 }, "stock"],
    ["bad sku", "/api/admin/products", { sku: "P 1", name: "x", priceFen: 100, storeId: "chayu" }, "sku"],
    ["name over 60 characters", "/api/admin/products", { sku: "P-1", name: "茶".repeat(61), priceFen: 100, storeId: "chayu" }, "name"],
    [
      "javascript: image",
      "/api/admin/products",
      { sku: "P-1", name: "x", priceFen: 100, storeId: "chayu", imageUrl: "javascript:alert(1)" },
      "imageUrl",
    ],
    ["unknown store", "/api/admin/products", { sku: "P-1", name: "x", priceFen: 100, storeId: "nowhere" }, "storeId"],
    ["no delivery method", "/api/admin/stores", { name: "x", subMchid: "1900000888", deliveryMethods: [] }, "deliveryMethods"],
    ["an unknown method", "/api/admin/stores", { name: "x", subMchid: "1900000888", deliveryMethods: ["DRONE"] }, "deliveryMethods.0"],
    ["a method twice", "/api/admin/stores", { name: "x", subMchid: "1900000888", deliveryMethods: ["NONE", "NONE"] }, "deliveryMethods"],
    ["pickup without a place", "/api/admin/stores", { name: "x", subMchid: "1900000888", deliveryMethods: ["PICKUP"] }, "pickupAddress"],
    ["a negative fee", "/api/admin/stores", { name: "x", subMchid: "1900000888", shippingFeeFen: -1 }, "shippingFeeFen"],
    ["a fee in yuan", "/api/admin/stores", { name: "x", subMchid: "1900000888", shippingFeeFen: 6.5 }, "shippingFeeFen"],
    ["a zero threshold", "/api/admin/stores", { name: "x", subMchid: "1900000888", freeShippingOverFen: 0 }, "freeShippingOverFen"],
    [
      "a pickup address of 121 characters",
      "/api/admin/stores",
      { name: "x", subMchid: "1900000888", deliveryMethods: ["PICKUP"], pickupAddress: "路".repeat(121) },
      "pickupAddress",
    ],
    [
      "pickup hours of 41 characters",
      "/api/admin/stores",
      { name: "x", subMchid: "1900000888", pickupHours: "时".repeat(41) },
      "pickupHours",
    ],
  ])("400 naming the field: %s", async (_name, url, body, field) => {
    const res = await admin(h, "POST", url, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", field });
    expect(await h.prisma.product.count({ where: { sku: "P-1" } })).toBe(0);
    expect(await h.prisma.store.count({ where: { subMchid: "1900000888" } })).toBe(0);
  });

  it("delivery options: PATCH changes them (audited, published to the cart); PICKUP needs a place on the store as it will be", async () => {
    const refused = await admin(h, "PATCH", "/api/admin/stores/mumu", { deliveryMethods: ["SHIPPING", "PICKUP"] });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "INVALID_REQUEST", field: "pickupAddress" });
    // 香香烘焙 already has a place: dropping its pickup address while it offers pickup is refused too.
    expect(await (await admin(h, "PATCH", "/api/admin/stores/xiangxiang", { pickupAddress: null })).json()).toMatchObject({
      field: "pickupAddress",
    });

    const change = {
      deliveryMethods: ["PICKUP", "SHIPPING"],
      pickupAddress: "成都市武侯区 1 号",
      pickupHours: "周一至周五 10:00–19:00",
      shippingFeeFen: 800,
    };
    const res = await admin(h, "PATCH", "/api/admin/stores/mumu", change);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { store: unknown }).store).toMatchObject({
      ...change,
      deliveryMethods: ["SHIPPING", "PICKUP"],
      freeShippingOverFen: 4900,
    });
    try {
      const audit = await h.prisma.catalogAudit.findFirstOrThrow({ where: { entity: "STORE", entityId: "mumu" }, orderBy: { id: "desc" } });
      expect(JSON.parse(audit.before!)).toEqual({
        deliveryMethods: "SHIPPING",
        pickupAddress: null,
        pickupHours: null,
        shippingFeeFen: 600,
      });
      expect(JSON.parse(audit.after)).toEqual({ ...change, deliveryMethods: "SHIPPING,PICKUP" });
      const products = ((await (await h.call("GET", "/api/products")).json()) as { products: { sku: string; store: unknown }[] }).products;
      expect(products.find((p) => p.sku === "STA-PEN-3")!.store).toEqual({
        id: "mumu",
        name: "木木文具馆",
        logoUrl: "/images/stores/mumu.v1.svg",
        deliveryMethods: ["SHIPPING", "PICKUP"],
        shippingFeeFen: 800,
        freeShippingOverFen: 4900,
        pickupAddress: "成都市武侯区 1 号",
        pickupHours: "周一至周五 10:00–19:00",
      });
    } finally {
      const seeded = { deliveryMethods: ["SHIPPING"], pickupAddress: null, pickupHours: null, shippingFeeFen: 600 };
      expect((await admin(h, "PATCH", "/api/admin/stores/mumu", seeded)).status).toBe(200);
    }
  });

  it("/api/products publishes every store's delivery options (the demo: all three kinds)", async () => {
    const products = (
      (await (await h.call("GET", "/api/products")).json()) as {
        products: { store: { id: string; deliveryMethods: string[]; shippingFeeFen: number; freeShippingOverFen: number | null } }[];
      }
    ).products;
    const stores = new Map(products.map((p) => [p.store.id, p.store]));
    expect([...stores.values()].map((s) => [s.id, s.deliveryMethods, s.shippingFeeFen, s.freeShippingOverFen])).toEqual([
      ["chayu", ["SHIPPING", "PICKUP"], 0, null],
      ["xiangxiang", ["PICKUP"], 0, null],
      ["mumu", ["SHIPPING"], 600, 4900],
      ["chengnan", ["NONE"], 0, null],
    ]);
  });

  it("an https image the shop's CSP would block (origin not in IMAGE_ORIGINS) → 400 naming the field; a configured CDN's is kept", async () => {
    const blocked = "https://elsewhere.example.net/tea.jpg";
    const cases: [string, string, unknown, string][] = [
      ["POST", "/api/admin/products", { sku: "IMG-1", name: "x", priceFen: 100, storeId: "chayu", imageUrl: blocked }, "imageUrl"],
      ["PATCH", "/api/admin/products/TEA-LJ-50", { imageUrl: blocked }, "imageUrl"],
      ["POST", "/api/admin/stores", { name: "x", subMchid: "1900000889", logoUrl: blocked }, "logoUrl"],
      ["PATCH", "/api/admin/stores/chayu", { logoUrl: blocked }, "logoUrl"],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await admin(h, method, url, body);
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_REQUEST", field, message: expect.stringContaining("IMAGE_ORIGINS") });
    }
    expect(await h.prisma.product.count({ where: { sku: "IMG-1" } })).toBe(0);
    expect((await h.prisma.product.findUniqueOrThrow({ where: { sku: "TEA-LJ-50" } })).imageUrl).not.toBe(blocked);
    const cdn = "https://cdn.example.com/tea/longjing.jpg";
    const ok = await admin(h, "POST", "/api/admin/products", {
      sku: "IMG-2",
      name: "CDN 图",
      priceFen: 100,
      storeId: "chayu",
      imageUrl: cdn,
    });
    expect(ok.status).toBe(201);
    const { importCatalogue } = await import("@/lib/catalog/import");
    const plan = await importCatalogue(
      JSON.stringify({ products: [{ sku: "IMG-3", name: "导入", price: "1.00", store: "1900000201", imageUrl: blocked }] }),
      "json",
    );
    expect(plan.errors).toEqual([expect.stringMatching(/IMG-3.*imageUrl.*IMAGE_ORIGINS/)]);
  });

  it("duplicate SKU or sub_mchid → 409 ALREADY_EXISTS, nothing written", async () => {
    const auditBefore = await h.prisma.catalogAudit.count();
    const dupSku = await admin(h, "POST", "/api/admin/products", { sku: "TEA-LJ-50", name: "x", priceFen: 100, storeId: "chayu" });
    expect(dupSku.status).toBe(409);
    expect(await dupSku.json()).toMatchObject({ code: "ALREADY_EXISTS", field: "sku" });
    const dupSub = await admin(h, "POST", "/api/admin/stores", { name: "x", subMchid: "1900000201" });
    expect(dupSub.status).toBe(409);
    expect(await dupSub.json()).toMatchObject({ code: "ALREADY_EXISTS", field: "subMchid" });
    const dupSubPatch = await admin(h, "PATCH", "/api/admin/stores/mumu", { subMchid: "1900000201" });
    expect(dupSubPatch.status).toBe(409);
    expect(await h.prisma.catalogAudit.count()).toBe(auditBefore);
    expect((await h.prisma.product.findUniqueOrThrow({ where: { sku: "TEA-LJ-50" } })).name).toBe("明前西湖龙井 50g");
  });

  it("PATCH of an unknown product or store → 404; the SKU itself cannot be changed", async () => {
    expect((await admin(h, "PATCH", "/api/admin/products/NOPE-1", { priceFen: 100 })).status).toBe(404);
    expect((await admin(h, "PATCH", "/api/admin/stores/nope", { name: "x" })).status).toBe(404);
    const res = await admin(h, "PATCH", "/api/admin/products/TEA-LJ-50", { sku: "TEA-NEW" });
    expect(res.status).toBe(400);
  });

  it("without a session → 401; a foreign Origin → 403; GET lists and searches", async () => {
    expect((await h.call("POST", "/api/admin/products", { json: { sku: "P-2" } })).status).toBe(401);
    expect((await h.call("GET", "/api/admin/stores")).status).toBe(401);
    const cookie = `admin_session=${(await import("@/lib/admin/session")).createSessionValue(process.env.ADMIN_TOKEN!)}`;
    const foreign = await h.call("POST", "/api/admin/stores", {
      json: { name: "x", subMchid: "1900000999" },
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    const list = (await (await admin(h, "GET", "/api/admin/products?q=龙井")).json()) as { products: { sku: string }[] };
    expect(list.products.map((p) => p.sku)).toEqual(["TEA-LJ-50"]);
    const stores = (await (await admin(h, "GET", "/api/admin/stores?q=1900000202")).json()) as { stores: { id: string }[] };
    expect(stores.stores.map((s) => s.id)).toEqual(["xiangxiang"]);
  });

  it("deactivating a store hides its products from the cart and checkout, and keeps its history", async () => {
    await h.prisma.store.create({ data: { id: "pop-up", name: "快闪店", subMchid: "1900000204" } });
    const sku = `POP-${Date.now()}`;
    expect((await admin(h, "POST", "/api/admin/products", { sku, name: "快闪商品", priceFen: 500, storeId: "pop-up" })).status).toBe(201);
    const ok = await buy(h, { [sku]: 1 }, { "pop-up": "SHIPPING" });
    expect(ok.status).toBe(201);
    expect((await admin(h, "PATCH", "/api/admin/stores/pop-up", { active: false })).status).toBe(200);
    const products = ((await (await h.call("GET", "/api/products")).json()) as { products: { sku: string }[] }).products;
    expect(products.some((p) => p.sku === sku)).toBe(false);
    const refused = await buy(h, { [sku]: 1 }, { "pop-up": "SHIPPING" });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "UNKNOWN_SKU" });
    const { orderNo } = (await ok.json()) as { orderNo: string };
    expect((await h.call("GET", `/api/orders/${orderNo}`)).status).toBe(200);
    expect(await h.prisma.product.count({ where: { sku } })).toBe(1);
  });

  it("/api/products publishes stock only when low: 已售罄 (0), 仅剩 N (≤ 5), otherwise null", async () => {
    const [soldOut, low, plenty, unlimited] = [
      await newProduct(h, 0),
      await newProduct(h, 5),
      await newProduct(h, 6),
      await newProduct(h, null),
    ];
    const products = ((await (await h.call("GET", "/api/products")).json()) as { products: { sku: string; stockLeft: number | null }[] })
      .products;
    const left = (sku: string) => products.find((p) => p.sku === sku)?.stockLeft;
    expect([left(soldOut), left(low), left(plenty), left(unlimited)]).toEqual([0, 5, null, null]);
    expect(await stockOf(h, plenty)).toBe(6);
  });
});

describe("images", () => {
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("IHDR-test-image-bytes")]);
  const upload = (body: Buffer | string, type: string) => {
    const cookie = `admin_session=${process.env.__ADMIN_COOKIE__}`;
    return h.call("POST", "/api/admin/images", { body: body as never, headers: { cookie, "content-type": type } });
  };
  beforeAll(async () => {
    process.env.__ADMIN_COOKIE__ = (await import("@/lib/admin/session")).createSessionValue(process.env.ADMIN_TOKEN!);
  });

  it("stores an upload under its content hash and serves it with long cache and safe headers", async () => {
    const res = await upload(png, "image/png");
    expect(res.status).toBe(201);
    const { url } = (await res.json()) as { url: string };
    expect(url).toMatch(/^\/media\/[a-f0-9]{64}\.png$/);
    expect(fs.existsSync(path.join(imageDir, url.slice("/media/".length)))).toBe(true);
    const got = await h.call("GET", url);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
  });

  it("refuses SVG/HTML, a body that is not the declared image, and anything over 2 MB", async () => {
    expect((await upload("<svg onload=alert(1)>", "image/svg+xml")).status).toBe(415);
    expect((await upload("<html>", "image/png")).status).toBe(415);
    const big = Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024)]);
    expect((await upload(big, "image/png")).status).toBe(413);
    expect((await h.call("GET", "/media/..%2F..%2Fetc%2Fpasswd")).status).toBe(404);
    expect((await h.call("GET", `/media/${"a".repeat(64)}.png`)).status).toBe(404);
  });
});

describe("catalogue import / export", () => {
  const importFile = async (text: string, format: "json" | "csv", dryRun = false) =>
    (await import("@/lib/catalog/import")).importCatalogue(text, format, { dryRun });
  const snapshot = async () =>
    JSON.stringify([
      await h.prisma.store.findMany({ orderBy: { id: "asc" } }),
      await h.prisma.product.findMany({ orderBy: { sku: "asc" } }),
    ]);

  const goodCsv = [
    "sku,name,price,stock,active,sort_order,image_url,store_sub_mchid,store_name,store_id,store_mchid",
    "IMP-1,导入商品一,12.30,5,true,100,,1900000205,导入店,imp-store,",
    'IMP-2,"导入商品二, 礼盒",0.29,,true,101,,1900000205,导入店,imp-store,',
  ].join("\n");

  it("a file with one bad row changes nothing and names every bad row by line", async () => {
    const before = await snapshot();
    const auditBefore = await h.prisma.catalogAudit.count();
    const bad =
      goodCsv +
      "\nIMP-3,坏的价格,12.345,,true,102,,1900000205,导入店,imp-store,\nIMP-4,负库存,1.00,-2,true,103,,1900000205,导入店,imp-store,";
    const plan = await importFile(bad, "csv");
    expect(plan.errors).toHaveLength(2);
    expect(plan.errors[0]).toMatch(/^line 4 \(IMP-3\): price: "12\.345"/);
    expect(plan.errors[1]).toMatch(/^line 5 \(IMP-4\): stock: must be ≥ 0/);
    expect(await snapshot()).toBe(before);
    expect(await h.prisma.catalogAudit.count()).toBe(auditBefore);
  });

  it("JSON errors carry the line of the bad element", async () => {
    const text = `{\n  "stores": [],\n  "products": [\n    {"sku": "J-1", "name": "x", "price": "1.00", "store": "1900000201"},\n    {"sku": "J-2", "name": "x", "price": 100, "store": "1900000201"}\n  ]\n}`;
    const plan = await importFile(text, "json");
    expect(plan.errors).toEqual([expect.stringMatching(/^line 5: products\[1\] \(J-2\): price:/)]);
    expect(await h.prisma.product.count({ where: { sku: "J-1" } })).toBe(0);
  });

  it("dry run prints what would change and writes nothing; the import is exact and idempotent", async () => {
    const before = await snapshot();
    const dry = await importFile(goodCsv, "csv", true);
    expect(dry.errors).toEqual([]);
    expect(dry.changes).toEqual([
      "+ store 1900000205 (imp-store) 导入店",
      "+ product IMP-1 导入商品一 ¥12.30 stock 5",
      "+ product IMP-2 导入商品二, 礼盒 ¥0.29",
    ]);
    expect(await snapshot()).toBe(before);

    const real = await importFile(goodCsv, "csv");
    expect(real.created).toEqual({ stores: 1, products: 2 });
    const p2 = await h.prisma.product.findUniqueOrThrow({ where: { sku: "IMP-2" } });
    expect([p2.priceFen, p2.stock, p2.storeId]).toEqual([29, null, "imp-store"]);
    expect(
      await h.prisma.catalogAudit.count({ where: { actor: "cli:catalog-import", entityId: { in: ["IMP-1", "IMP-2", "imp-store"] } } }),
    ).toBe(3);

    const again = await importFile(goodCsv, "csv");
    expect(again.changes).toEqual([]);
    expect(again.unchanged).toBe(3);

    const changed = await importFile(goodCsv.replace("12.30,5", "13.00,5"), "csv");
    expect(changed.changes).toEqual(["~ product IMP-1: priceFen 1230 → 1300"]);
  });

  it("CSV export: names a spreadsheet would run as formulas get a leading apostrophe (quoting alone does not stop them); importing the export restores them", async () => {
    const names = ['=HYPERLINK("https://evil.example","点击领取")', "'=已经带撇号", "-20% 折扣装", "+86 礼盒", "@店长推荐", "普通商品"];
    const json = JSON.stringify({
      stores: [{ subMchid: "1900000208", name: "=CMD()店", id: "formula-store" }],
      products: names.map((name, i) => ({ sku: `FX-${i}`, name, price: "1.00", store: "1900000208" })),
    });
    const created = await importFile(json, "json");
    expect(created.errors).toEqual([]);
    const { exportCatalogue } = await import("@/lib/catalog/import");
    const csv = await exportCatalogue("csv");
    // What Excel sees: the cells as written, nothing stripped.
    const { parse } = await import("csv-parse/sync");
    const cells = parse(csv, { bom: true }) as string[][];
    const header = cells[0]!;
    const byName = (sku: string) => cells.find((r) => r[0] === sku)!;
    const col = (name: string) => header.indexOf(name);
    expect(names.map((_, i) => byName(`FX-${i}`)[col("name")])).toEqual([
      `'=HYPERLINK("https://evil.example","点击领取")`,
      "''=已经带撇号",
      "'-20% 折扣装",
      "'+86 礼盒",
      "'@店长推荐",
      "普通商品",
    ]);
    expect(byName("FX-0")[col("store_name")]).toBe("'=CMD()店");
    expect(byName("FX-0")[col("price")]).toBe("1.00");
    // …and the file imports back to exactly the same catalogue.
    const plan = await importFile(csv, "csv", true);
    expect(plan.errors).toEqual([]);
    expect(plan.changes).toEqual([]);
  });

  it("delivery options travel in both formats; a store offering PICKUP without a place is an error naming it", async () => {
    const header = "sku,name,price,stock,active,sort_order,image_url,store_sub_mchid,store_name,store_id,store_mchid";
    const delivery = "store_delivery_methods,store_shipping_fee,store_free_shipping_over,store_pickup_address,store_pickup_hours";
    const csv = [
      `${header},${delivery}`,
      "DLV-1,自提商品,5.00,,true,200,,1900000207,自提店,dlv-store,,SHIPPING|PICKUP,8.00,99.00,广州市天河区 1 号,9:00–21:00",
    ].join("\n");
    const plan = await importFile(csv, "csv");
    expect(plan.errors).toEqual([]);
    const store = await h.prisma.store.findUniqueOrThrow({ where: { id: "dlv-store" } });
    expect([store.deliveryMethods, store.shippingFeeFen, store.freeShippingOverFen, store.pickupAddress, store.pickupHours]).toEqual([
      "SHIPPING,PICKUP",
      800,
      9900,
      "广州市天河区 1 号",
      "9:00–21:00",
    ]);
    const bad = await importFile(csv.replace("广州市天河区 1 号", ""), "csv");
    expect(bad.errors).toEqual(["store 1900000207: pickupAddress: is required when deliveryMethods includes PICKUP"]);
    const badJson = await importFile(
      JSON.stringify({ stores: [{ subMchid: "1900000201", name: "茶语轩茶叶铺", pickupAddress: null }] }),
      "json",
    );
    expect(badJson.errors).toEqual(["store 1900000201: pickupAddress: is required when deliveryMethods includes PICKUP"]);
    const badMethod = await importFile(csv.replace("SHIPPING|PICKUP", "SHIPPING|FLY"), "csv");
    expect(badMethod.errors).toEqual([expect.stringMatching(/^line 2 \(DLV-1\): store_deliveryMethods\.1: /)]);
    const { exportCatalogue } = await import("@/lib/catalog/import");
    const json = JSON.parse(await exportCatalogue("json")) as { stores: Record<string, unknown>[] };
    expect(json.stores.find((s) => s.id === "mumu")).toMatchObject({
      deliveryMethods: ["SHIPPING"],
      shippingFee: "6.00",
      freeShippingOver: "49.00",
      pickupAddress: null,
    });
    expect((await exportCatalogue("csv")).replace(/^\uFEFF/, "").split("\r\n")[0]).toBe(`${header},${delivery},store_jsapi_enabled`);
  });

  it("the JSAPI flag travels in both formats; a file without it leaves the flag as it is", async () => {
    const header = "sku,name,price,stock,active,sort_order,image_url,store_sub_mchid,store_name,store_id,store_mchid";
    const delivery = "store_delivery_methods,store_shipping_fee,store_free_shipping_over,store_pickup_address,store_pickup_hours";
    const line = "JSA-1,微信内可付,5.00,,true,300,,1900000219,微信店,jsapi-store,,SHIPPING,0.00,,,";
    const first = await importFile(`${header},${delivery},store_jsapi_enabled\n${line},true`, "csv");
    expect(first.errors).toEqual([]);
    const flag = async () => (await h.prisma.store.findUniqueOrThrow({ where: { id: "jsapi-store" } })).jsapiEnabled;
    expect(await flag()).toBe(true);
    // The format before the flag existed: the flag is left alone.
    expect((await importFile(`${header},${delivery}\n${line}`, "csv")).errors).toEqual([]);
    expect(await flag()).toBe(true);
    expect(
      (await importFile(JSON.stringify({ stores: [{ subMchid: "1900000219", name: "微信店", jsapiEnabled: false }] }), "json")).errors,
    ).toEqual([]);
    expect(await flag()).toBe(false);
    const { exportCatalogue } = await import("@/lib/catalog/import");
    const json = JSON.parse(await exportCatalogue("json")) as { stores: Record<string, unknown>[] };
    expect(json.stores.find((s) => s.id === "jsapi-store")).toMatchObject({ jsapiEnabled: false });
    const audit = await h.prisma.catalogAudit.findMany({ where: { entity: "STORE", entityId: "jsapi-store", action: "UPDATE" } });
    expect(audit.map((a) => JSON.parse(a.after) as Record<string, unknown>)).toEqual([{ jsapiEnabled: false }]);
  });

  it("export → import round-trips (JSON and CSV): nothing to change", async () => {
    const { exportCatalogue } = await import("@/lib/catalog/import");
    for (const format of ["json", "csv"] as const) {
      const plan = await importFile(await exportCatalogue(format), format, true);
      expect(plan.errors).toEqual([]);
      expect(plan.changes).toEqual([]);
    }
  });
});
