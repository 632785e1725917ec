// Catalogue import / export (npm run catalog:import / catalog:export, and prisma/seed.ts).
//
// File format — JSON:
//   { "stores":   [{ "subMchid", "name", "id"?, "mchid"?, "logoUrl"?, "active"?,
//                    "deliveryMethods"? (["SHIPPING","PICKUP","NONE"], a non-empty subset),
//                    "shippingFee"? (yuan string, "0" = free), "freeShippingOver"? (yuan string or null),
//                    "pickupAddress"?, "pickupHours"?, "jsapiEnabled"? (true: the store authorised the provider's JSAPI) }],
//     "products": [{ "sku", "name", "price": "68.00" (yuan, a string), "store": "<subMchid>",
//                    "stock"? (null = unlimited), "imageUrl"?, "active"?, "sortOrder"? }] }
// or CSV, one product per line (its store's columns repeated on every line):
//   sku,name,price,stock,active,sort_order,image_url,store_sub_mchid,store_name,store_id,store_mchid,
//   store_delivery_methods (SHIPPING|PICKUP),store_shipping_fee,store_free_shipping_over,store_pickup_address,store_pickup_hours,
//   store_jsapi_enabled (true|false)
// (a file with only the first eleven columns, the format before delivery options, is still read and
// leaves every store's delivery options as they are; one without store_jsapi_enabled leaves that flag as it is). A store offering PICKUP needs a pickup address.
// Written and read by lib/csv.ts (the export for Excel: BOM + CRLF; a text cell a spreadsheet would run as a
// formula, e.g. a name starting with =, is written with a leading ' that the import removes again).
//
// Upsert by sub_mchid (stores) and SKU (products); rows not in the file are left alone. Every row is
// validated first and every bad row reported with its line number; one bad row means nothing is
// written. The writes happen in ONE transaction with their audit rows, so a crash half-way leaves
// the catalogue as it was. Importing the same file twice changes nothing the second time.
import { z } from "zod";
import { EXCEL_CSV, parseCsv, toCsv } from "@/lib/csv";
import { prisma } from "@/lib/db";
import { fenToYuanString, yuanEntryToFen } from "@/lib/money";
import { changedFields, writeAudit } from "./admin";
import { DeliveryMethodsSchema, formatDeliveryMethods, parseDeliveryMethods } from "@/lib/delivery/model";
import { imageUrlProblem } from "./images";
import { setStock, withStockTotals } from "./stock";
import {
  displayText,
  IMAGE_URL_PATTERN,
  MAX_PRICE_FEN,
  MAX_SHIPPING_FEE_FEN,
  MAX_STOCK,
  MCHID_PATTERN,
  SKU_PATTERN,
  STORE_ID_PATTERN,
  pickupAddressSchema,
  pickupHoursSchema,
  storeDeliveryProblem,
} from "./validation";

/** The columns of the CSV format before stores had delivery options (still accepted on import). */
const CSV_COLUMNS_V1 = [
  "sku",
  "name",
  "price",
  "stock",
  "active",
  "sort_order",
  "image_url",
  "store_sub_mchid",
  "store_name",
  "store_id",
  "store_mchid",
] as const;
/** The columns before stores had the JSAPI flag (still accepted on import). */
const CSV_COLUMNS_V2 = [
  ...CSV_COLUMNS_V1,
  "store_delivery_methods",
  "store_shipping_fee",
  "store_free_shipping_over",
  "store_pickup_address",
  "store_pickup_hours",
] as const;
export const CSV_COLUMNS = [...CSV_COLUMNS_V2, "store_jsapi_enabled"] as const;
/** Methods in one CSV cell: "SHIPPING|PICKUP" (a comma would need quoting). */
const CSV_METHOD_SEPARATOR = "|";

const name = displayText;
const mchid = z.string().regex(MCHID_PATTERN, "must be 8–10 digits");
const imageUrl = z.string().regex(IMAGE_URL_PATTERN, "must be /media/…, /images/… or an https:// URL");

/** A yuan string → fen; with `zero`, "0" / "0.00" is allowed (a free shipping fee). */
const yuan = (maxFen: number, zero = false) =>
  z.string().transform((v, ctx) => {
    if (zero && /^\s*[¥￥]?0(\.0{1,2})?\s*$/.test(v)) return 0;
    try {
      return yuanEntryToFen(v, maxFen);
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `${JSON.stringify(v)}: ${(e as Error).message}` });
      return z.NEVER;
    }
  });

const FileStoreSchema = z.strictObject({
  subMchid: mchid,
  name: name(40),
  id: z.string().regex(STORE_ID_PATTERN, "must be 2–32 of a-z 0-9 -").optional(),
  mchid: mchid.nullable().optional(),
  logoUrl: imageUrl.nullable().optional(),
  active: z.boolean().optional(),
  deliveryMethods: DeliveryMethodsSchema.optional(),
  shippingFee: yuan(MAX_SHIPPING_FEE_FEN, true).optional(),
  freeShippingOver: yuan(MAX_PRICE_FEN * 50)
    .nullable()
    .optional(),
  pickupAddress: pickupAddressSchema.optional(),
  pickupHours: pickupHoursSchema.optional(),
  jsapiEnabled: z.boolean().optional(),
});
const FileProductSchema = z.strictObject({
  sku: z.string().regex(SKU_PATTERN, "must be 1–64 of A-Z a-z 0-9 _ -"),
  name: name(60),
  price: yuan(MAX_PRICE_FEN),
  store: mchid,
  stock: z.number().int("must be a whole number").min(0, "must be ≥ 0").max(MAX_STOCK).nullable().optional(),
  imageUrl: imageUrl.nullable().optional(),
  active: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(1_000_000).optional(),
});
type FileStore = z.infer<typeof FileStoreSchema>;
type FileProduct = z.infer<typeof FileProductSchema>;

export interface ParsedCatalogue {
  stores: FileStore[];
  products: FileProduct[];
  errors: string[];
}

function issueText(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.length ? i.path.join(".") : "row"}: ${i.message}`).join("; ");
}

/** Line (1-based) where each element of the top-level "stores" / "products" arrays starts. */
function elementLines(text: string): Record<string, number[]> {
  const out: Record<string, number[]> = { stores: [], products: [] };
  let line = 1,
    depth = 0,
    inString = false,
    key = "",
    lastString = "",
    current: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      else lastString += c;
      continue;
    }
    if (c === '"') {
      inString = true;
      lastString = "";
    } else if (c === ":" && depth === 1) key = lastString;
    else if (c === "[" || c === "{") {
      if (depth === 1 && c === "[") current = key in out ? key : null;
      else if (depth === 2 && current) out[current]!.push(line);
      depth++;
    } else if (c === "]" || c === "}") depth--;
  }
  return out;
}

export function parseJsonCatalogue(text: string): ParsedCatalogue {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { stores: [], products: [], errors: [`not valid JSON: ${(e as Error).message}`] };
  }
  const top = z.strictObject({ stores: z.array(z.unknown()).default([]), products: z.array(z.unknown()).default([]) }).safeParse(data);
  if (!top.success) return { stores: [], products: [], errors: [`file: ${issueText(top.error)}`] };
  const lines = elementLines(text);
  const result: ParsedCatalogue = { stores: [], products: [], errors: [] };
  top.data.stores.forEach((row, i) => {
    const r = FileStoreSchema.safeParse(row);
    if (r.success) result.stores.push(r.data);
    else result.errors.push(`line ${lines.stores![i] ?? "?"}: stores[${i}]: ${issueText(r.error)}`);
  });
  top.data.products.forEach((row, i) => {
    const r = FileProductSchema.safeParse(row);
    if (r.success) result.products.push(r.data);
    else
      result.errors.push(
        `line ${lines.products![i] ?? "?"}: products[${i}]${typeof (row as { sku?: unknown })?.sku === "string" ? ` (${(row as { sku: string }).sku})` : ""}: ${issueText(r.error)}`,
      );
  });
  return result;
}

export function parseCsvCatalogue(text: string): ParsedCatalogue {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    return { stores: [], products: [], errors: [(e as Error).message] };
  }
  const header = records.shift();
  const result: ParsedCatalogue = { stores: [], products: [], errors: [] };
  const columns = [CSV_COLUMNS, CSV_COLUMNS_V2, CSV_COLUMNS_V1].find((c) => header?.fields.join(",") === c.join(","));
  if (!columns) {
    result.errors.push(`line 1: the header must be exactly: ${CSV_COLUMNS.join(",")}`);
    return result;
  }
  const withDelivery = columns !== CSV_COLUMNS_V1;
  const withJsapi = columns === CSV_COLUMNS;
  const stores = new Map<string, { store: FileStore; line: number }>();
  for (const { line, fields } of records) {
    if (fields.length !== columns.length) {
      result.errors.push(`line ${line}: expected ${columns.length} columns, found ${fields.length}`);
      continue;
    }
    const f = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, fields[i]?.trim() ?? ""])) as Record<(typeof CSV_COLUMNS)[number], string>;
    const bool = (v: string) => (v === "" ? undefined : v === "true" || v === "1" ? true : v === "false" || v === "0" ? false : v);
    const int = (v: string) => (v === "" ? undefined : /^-?\d+$/.test(v) ? Number(v) : v);
    const problems: string[] = [];
    const p = FileProductSchema.safeParse({
      sku: f.sku,
      name: f.name,
      price: f.price,
      store: f.store_sub_mchid,
      stock: f.stock === "" ? null : int(f.stock),
      active: bool(f.active),
      sortOrder: int(f.sort_order),
      imageUrl: f.image_url === "" ? null : f.image_url,
    });
    if (!p.success) problems.push(issueText(p.error));
    const s = FileStoreSchema.safeParse({
      subMchid: f.store_sub_mchid,
      name: f.store_name,
      ...(f.store_id ? { id: f.store_id } : {}),
      ...(f.store_mchid ? { mchid: f.store_mchid } : {}),
      ...(withDelivery
        ? {
            deliveryMethods: f.store_delivery_methods.split(CSV_METHOD_SEPARATOR).map((m) => m.trim()),
            shippingFee: f.store_shipping_fee || "0",
            freeShippingOver: f.store_free_shipping_over || null,
            pickupAddress: f.store_pickup_address || null,
            pickupHours: f.store_pickup_hours || null,
          }
        : {}),
      ...(withJsapi ? { jsapiEnabled: bool(f.store_jsapi_enabled) ?? false } : {}),
    });
    if (!s.success) problems.push(issueText(s.error).replace(/^(\w)/, "store_$1"));
    else {
      const seen = stores.get(s.data.subMchid);
      if (seen && JSON.stringify(seen.store) !== JSON.stringify(s.data)) {
        problems.push(`store ${s.data.subMchid} differs from line ${seen.line} (a store's columns must be the same on every line)`);
      } else if (!seen) stores.set(s.data.subMchid, { store: s.data, line });
    }
    if (problems.length) result.errors.push(`line ${line}${f.sku ? ` (${f.sku})` : ""}: ${problems.join("; ")}`);
    else result.products.push(p.data!);
  }
  result.stores = [...stores.values()].map((s) => s.store);
  return result;
}

export interface ImportPlan {
  errors: string[];
  changes: string[];
  created: { stores: number; products: number };
  updated: { stores: number; products: number };
  unchanged: number;
}

/**
 * Validates the file against itself and the database, and applies it unless `dryRun` or any error.
 * Returns what changed (or would change) and every error.
 */
export async function importCatalogue(
  text: string,
  format: "json" | "csv",
  opts: { dryRun?: boolean; actor?: string } = {},
): Promise<ImportPlan> {
  const parsed = format === "json" ? parseJsonCatalogue(text) : parseCsvCatalogue(text);
  const plan: ImportPlan = {
    errors: [...parsed.errors],
    changes: [],
    created: { stores: 0, products: 0 },
    updated: { stores: 0, products: 0 },
    unchanged: 0,
  };
  const actor = opts.actor ?? "cli:catalog-import";

  const dupes = (keys: string[], what: string) => {
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k)) plan.errors.push(`${what} ${k} appears more than once`);
      else seen.add(k);
    }
  };
  dupes(
    parsed.stores.map((s) => s.subMchid),
    "store sub_mchid",
  );
  // A SKU is one product whatever its letter case (a unique index on lower(sku) decides it in the
  // database); say so by line here instead of failing the whole write.
  const fileSkus = new Map<string, string>();
  for (const p of parsed.products) {
    const first = fileSkus.get(p.sku.toLowerCase());
    if (first === undefined) fileSkus.set(p.sku.toLowerCase(), p.sku);
    else if (first === p.sku) plan.errors.push(`product sku ${p.sku} appears more than once`);
    else plan.errors.push(`product ${p.sku}: SKU differs only in letter case from ${first} in the same file`);
  }

  const existingStores = await prisma.store.findMany();
  const bySub = new Map(existingStores.map((s) => [s.subMchid, s]));
  const byId = new Map(existingStores.map((s) => [s.id, s]));
  const byMchid = new Map(existingStores.filter((s) => s.mchid).map((s) => [s.mchid!, s]));
  const fileStoreIds = new Map<string, string>(); // subMchid → store id after the import

  type StoreWrite = { kind: "create" | "update"; id: string; data: Record<string, unknown>; before: Record<string, unknown> | null };
  const storeWrites: StoreWrite[] = [];
  for (const s of parsed.stores) {
    const current = bySub.get(s.subMchid);
    const id = current?.id ?? s.id ?? `store-${s.subMchid}`;
    fileStoreIds.set(s.subMchid, id);
    if (s.id && current && s.id !== current.id) {
      plan.errors.push(`store ${s.subMchid}: id ${s.id} differs from the existing store's id ${current.id} (a store id never changes)`);
      continue;
    }
    if (!current && byId.has(id)) plan.errors.push(`store ${s.subMchid}: id ${id} is already used by store ${byId.get(id)!.subMchid}`);
    const mchOwner = s.mchid ? byMchid.get(s.mchid) : undefined;
    if (mchOwner && mchOwner.subMchid !== s.subMchid)
      plan.errors.push(`store ${s.subMchid}: mchid ${s.mchid} is already used by store ${mchOwner.subMchid}`);
    const logoProblem = imageUrlProblem(s.logoUrl);
    if (logoProblem) plan.errors.push(`store ${s.subMchid}: logoUrl: ${logoProblem}`);
    const wanted = {
      name: s.name,
      ...(s.mchid !== undefined ? { mchid: s.mchid } : {}),
      ...(s.logoUrl !== undefined ? { logoUrl: s.logoUrl } : {}),
      ...(s.active !== undefined ? { active: s.active } : {}),
      ...(s.deliveryMethods !== undefined ? { deliveryMethods: formatDeliveryMethods(s.deliveryMethods) } : {}),
      ...(s.shippingFee !== undefined ? { shippingFeeFen: s.shippingFee } : {}),
      ...(s.freeShippingOver !== undefined ? { freeShippingOverFen: s.freeShippingOver } : {}),
      ...(s.pickupAddress !== undefined ? { pickupAddress: s.pickupAddress } : {}),
      ...(s.pickupHours !== undefined ? { pickupHours: s.pickupHours } : {}),
      ...(s.jsapiEnabled !== undefined ? { jsapiEnabled: s.jsapiEnabled } : {}),
    };
    const defaults = {
      deliveryMethods: "SHIPPING",
      shippingFeeFen: 0,
      freeShippingOverFen: null,
      pickupAddress: null,
      pickupHours: null,
      jsapiEnabled: false,
    };
    const after = { ...defaults, ...current, ...wanted };
    const problem = storeDeliveryProblem({
      deliveryMethods: parseDeliveryMethods(after.deliveryMethods),
      pickupAddress: after.pickupAddress,
    });
    if (problem) plan.errors.push(`store ${s.subMchid}: ${problem.field}: ${problem.message}`);
    if (!current) {
      storeWrites.push({
        kind: "create",
        id,
        data: { id, subMchid: s.subMchid, mchid: null, logoUrl: null, active: true, ...defaults, ...wanted },
        before: null,
      });
      plan.changes.push(`+ store ${s.subMchid} (${id}) ${s.name}`);
    } else {
      const diff = changedFields(current, wanted);
      if (diff) {
        storeWrites.push({ kind: "update", id, data: diff.after, before: diff.before });
        plan.changes.push(`~ store ${s.subMchid} (${id}): ${describeDiff(diff)}`);
      } else plan.unchanged++;
    }
  }

  // Units left as the admin shows them (a sharded product's rows summed): what the file's `stock` is compared with.
  const existingProducts = await withStockTotals(
    prisma,
    await prisma.product.findMany({ where: { sku: { in: parsed.products.map((p) => p.sku) } } }),
  );
  const bySku = new Map(existingProducts.map((p) => [p.sku, p]));
  const byFoldedSku = new Map((await prisma.product.findMany({ select: { sku: true } })).map((p) => [p.sku.toLowerCase(), p.sku]));
  let nextSort = ((await prisma.product.aggregate({ _max: { sortOrder: true } }))._max.sortOrder ?? 0) + 1;
  type ProductWrite = { kind: "create" | "update"; sku: string; data: Record<string, unknown>; before: Record<string, unknown> | null };
  const productWrites: ProductWrite[] = [];
  for (const p of parsed.products) {
    const storeId = fileStoreIds.get(p.store) ?? bySub.get(p.store)?.id;
    if (!storeId) {
      plan.errors.push(`product ${p.sku}: store ${p.store} is neither in the file nor in the database`);
      continue;
    }
    const wanted = {
      name: p.name,
      priceFen: p.price,
      storeId,
      ...(p.stock !== undefined ? { stock: p.stock } : {}),
      ...(p.imageUrl !== undefined ? { imageUrl: p.imageUrl } : {}),
      ...(p.active !== undefined ? { active: p.active } : {}),
      ...(p.sortOrder !== undefined ? { sortOrder: p.sortOrder } : {}),
    };
    const imageProblem = imageUrlProblem(p.imageUrl);
    if (imageProblem) plan.errors.push(`product ${p.sku}: imageUrl: ${imageProblem}`);
    const current = bySku.get(p.sku);
    const caseTwin = current ? undefined : byFoldedSku.get(p.sku.toLowerCase());
    if (caseTwin) {
      plan.errors.push(`product ${p.sku}: SKU differs only in letter case from the existing product ${caseTwin}`);
      continue;
    }
    if (!current) {
      const data = { sku: p.sku, stock: null, imageUrl: null, active: true, sortOrder: p.sortOrder ?? nextSort++, ...wanted };
      productWrites.push({ kind: "create", sku: p.sku, data, before: null });
      plan.changes.push(`+ product ${p.sku} ${p.name} ¥${fenToYuanString(p.price)}${p.stock != null ? ` stock ${p.stock}` : ""}`);
    } else {
      const diff = changedFields(current, wanted);
      if (diff) {
        productWrites.push({ kind: "update", sku: p.sku, data: diff.after, before: diff.before });
        plan.changes.push(`~ product ${p.sku}: ${describeDiff(diff)}`);
      } else plan.unchanged++;
    }
  }

  plan.created = {
    stores: storeWrites.filter((w) => w.kind === "create").length,
    products: productWrites.filter((w) => w.kind === "create").length,
  };
  plan.updated = { stores: storeWrites.length - plan.created.stores, products: productWrites.length - plan.created.products };
  if (plan.errors.length || opts.dryRun || (!storeWrites.length && !productWrites.length)) return plan;

  await prisma.$transaction(
    async (db) => {
      for (const w of storeWrites) {
        if (w.kind === "create") await db.store.create({ data: w.data as never });
        else await db.store.update({ where: { id: w.id }, data: w.data });
      }
      const creates = productWrites.filter((w) => w.kind === "create");
      if (creates.length) await db.product.createMany({ data: creates.map((w) => w.data as never) });
      for (const w of productWrites) {
        if (w.kind !== "update") continue;
        const { stock, ...fields } = w.data;
        if (Object.keys(fields).length) await db.product.update({ where: { sku: w.sku }, data: fields, select: { sku: true } });
        // New units left, kept in as many rows as the product has now (lib/catalog/stock.ts).
        if ("stock" in w.data) await setStock(db, w.sku, stock as number | null, bySku.get(w.sku)?.stockShards ?? 1);
      }
      const audits = [
        ...storeWrites.map((w) => ({
          entity: "STORE" as const,
          entityId: w.id,
          action: w.kind === "create" ? ("CREATE" as const) : ("UPDATE" as const),
          before: w.before,
          after: w.data,
        })),
        ...productWrites.map((w) => ({
          entity: "PRODUCT" as const,
          entityId: w.sku,
          action: w.kind === "create" ? ("CREATE" as const) : ("UPDATE" as const),
          before: w.before,
          after: w.data,
        })),
      ];
      if (audits.length > 20) {
        // One statement for a large import (the 1,000-product benchmark); same rows as writeAudit.
        await db.catalogAudit.createMany({
          data: audits.map((a) => ({
            actor,
            entity: a.entity,
            entityId: a.entityId,
            action: a.action,
            before: a.before === null ? null : JSON.stringify(a.before),
            after: JSON.stringify(a.after),
          })),
        });
      } else for (const a of audits) await writeAudit(db, { actor, ...a });
    },
    { maxWait: 30_000, timeout: 120_000 },
  );
  return plan;
}

function describeDiff(diff: { before: Record<string, unknown>; after: Record<string, unknown> }): string {
  return Object.keys(diff.after)
    .map((k) => `${k} ${JSON.stringify(diff.before[k])} → ${JSON.stringify(diff.after[k])}`)
    .join(", ");
}

/** The whole catalogue in the import format (round-trips: exporting then importing changes nothing). */
export async function exportCatalogue(format: "json" | "csv"): Promise<string> {
  const stores = await prisma.store.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const products = await withStockTotals(prisma, await prisma.product.findMany({ orderBy: [{ sortOrder: "asc" }, { sku: "asc" }] }));
  const storeById = new Map(stores.map((s) => [s.id, s]));
  if (format === "json") {
    const lines = [
      "{",
      '  "stores": [',
      stores
        .map(
          (s) =>
            `    ${JSON.stringify({
              id: s.id,
              name: s.name,
              subMchid: s.subMchid,
              mchid: s.mchid,
              logoUrl: s.logoUrl,
              active: s.active,
              deliveryMethods: parseDeliveryMethods(s.deliveryMethods),
              shippingFee: fenToYuanString(s.shippingFeeFen),
              freeShippingOver: s.freeShippingOverFen === null ? null : fenToYuanString(s.freeShippingOverFen),
              pickupAddress: s.pickupAddress,
              pickupHours: s.pickupHours,
              jsapiEnabled: s.jsapiEnabled,
            })}`,
        )
        .join(",\n"),
      "  ],",
      '  "products": [',
      products
        .map(
          (p) =>
            `    ${JSON.stringify({ sku: p.sku, name: p.name, price: fenToYuanString(p.priceFen), store: storeById.get(p.storeId)!.subMchid, stock: p.stock, imageUrl: p.imageUrl, active: p.active, sortOrder: p.sortOrder })}`,
        )
        .join(",\n"),
      "  ]",
      "}",
    ];
    return lines.filter((l) => l !== "").join("\n") + "\n";
  }
  const rows = products.map((p) => {
    const s = storeById.get(p.storeId)!;
    return [
      p.sku,
      p.name,
      fenToYuanString(p.priceFen),
      p.stock === null ? "" : String(p.stock),
      String(p.active),
      String(p.sortOrder),
      p.imageUrl ?? "",
      s.subMchid,
      s.name,
      s.id,
      s.mchid ?? "",
      parseDeliveryMethods(s.deliveryMethods).join(CSV_METHOD_SEPARATOR),
      fenToYuanString(s.shippingFeeFen),
      s.freeShippingOverFen === null ? "" : fenToYuanString(s.freeShippingOverFen),
      s.pickupAddress ?? "",
      s.pickupHours ?? "",
      String(s.jsapiEnabled),
    ];
  });
  // For Excel (BOM + CRLF); names a spreadsheet would run as formulas are neutralised by lib/csv and restored on import.
  return toCsv([CSV_COLUMNS, ...rows], EXCEL_CSV);
}
