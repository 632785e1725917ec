// Back-office catalogue writes: stores and products, each change audited (who, when, before → after)
// in the same transaction as the change. Uniqueness (SKU, sub_mchid, mchid) is the database's call:
// a unique violation becomes 409 ALREADY_EXISTS naming the field.
import { prisma, type Prisma } from "@/lib/db";
import { Prisma as PrismaNs } from "@/lib/generated/prisma/client";
import { AppError, invalidField } from "@/lib/errors";
import { formatDeliveryMethods, parseDeliveryMethods } from "@/lib/delivery/model";
import { assertWebhookUrlAllowed } from "@/lib/store-messages/policy";
import { maskWebhookUrl } from "@/lib/store-messages/webhook-url";
import { enqueueTestMessage } from "@/lib/store-messages/outbox";
import { listStoreMessages } from "@/lib/store-messages/admin";
import { actorLabel, assertCan, canSeeStore, productWhere, storeWhere, type AdminActor } from "@/lib/admin/scope";
import { assertImageUrlShown } from "./images";
import { setStock, withStockTotals } from "./stock";
import {
  storeDeliveryProblem,
  type ProductCreate,
  type ProductPatch,
  type StoreCreate,
  type StoreDelivery,
  type StorePatch,
} from "./validation";

type Tx = Prisma.TransactionClient;

export const STORE_FIELDS = [
  "id",
  "name",
  "subMchid",
  "mchid",
  "logoUrl",
  "active",
  "deliveryMethods",
  "shippingFeeFen",
  "freeShippingOverFen",
  "pickupAddress",
  "pickupHours",
  "jsapiEnabled",
] as const;
export const PRODUCT_FIELDS = ["sku", "name", "priceFen", "storeId", "stock", "imageUrl", "active", "sortOrder"] as const;
export const ADMIN_PAGE_SIZE = 50;

export type StoreRow = {
  id: string;
  name: string;
  subMchid: string;
  mchid: string | null;
  logoUrl: string | null;
  active: boolean;
  /** masked (key=****): the URL itself is a secret and never leaves the server */
  notifyWebhookUrl: string | null;
  /** the store authorised the provider's JSAPI product: inside WeChat its carts may pay with JSAPI */
  jsapiEnabled: boolean;
} & StoreDelivery;
export type ProductRow = {
  sku: string;
  name: string;
  priceFen: number;
  storeId: string;
  /** units left now (the product's rows' sum when sharded); null = unlimited */
  stock: number | null;
  /** the rows the units are kept in (lib/catalog/stock.ts): 1, or more for a flash-sale product */
  stockShards: number;
  imageUrl: string | null;
  active: boolean;
  sortOrder: number;
};

const storeSelect = {
  id: true,
  name: true,
  subMchid: true,
  mchid: true,
  logoUrl: true,
  active: true,
  notifyWebhookUrl: true,
  deliveryMethods: true,
  shippingFeeFen: true,
  freeShippingOverFen: true,
  pickupAddress: true,
  pickupHours: true,
  jsapiEnabled: true,
} as const;

/** What answers, pages and the audit trail show of a store: its webhook masked. */
function maskedStore<T extends { notifyWebhookUrl: string | null }>(s: T): T {
  return { ...s, notifyWebhookUrl: s.notifyWebhookUrl === null ? null : maskWebhookUrl(s.notifyWebhookUrl) };
}

/** The database keeps deliveryMethods as "SHIPPING,PICKUP" (portable); the API and the forms see an array. */
function toStoreRow<T extends { deliveryMethods: string }>(row: T): Omit<T, "deliveryMethods"> & Pick<StoreDelivery, "deliveryMethods"> {
  return { ...row, deliveryMethods: parseDeliveryMethods(row.deliveryMethods) };
}

/** A patch in the database's spelling (audit rows compare and record this form). */
function storeData<T extends { deliveryMethods?: StoreDelivery["deliveryMethods"] }>(p: T) {
  const { deliveryMethods, ...rest } = p;
  return { ...rest, ...(deliveryMethods !== undefined ? { deliveryMethods: formatDeliveryMethods(deliveryMethods) } : {}) };
}

const productSelect = {
  sku: true,
  name: true,
  priceFen: true,
  storeId: true,
  stock: true,
  imageUrl: true,
  active: true,
  sortOrder: true,
} as const;

function pick<T extends Record<string, unknown>>(row: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));
}

/** The fields that differ, as {before, after} objects; null when nothing changed. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>) {
  const keys = Object.keys(after).filter((k) => (before[k] ?? null) !== (after[k] ?? null));
  if (!keys.length) return null;
  return {
    before: Object.fromEntries(keys.map((k) => [k, before[k] ?? null])),
    after: Object.fromEntries(keys.map((k) => [k, after[k] ?? null])),
  };
}

export async function writeAudit(
  db: Tx,
  a: { actor: string; entity: "STORE" | "PRODUCT"; entityId: string; action: "CREATE" | "UPDATE"; before: unknown; after: unknown },
): Promise<void> {
  await db.catalogAudit.create({
    data: {
      actor: a.actor.slice(0, 64),
      entity: a.entity,
      entityId: a.entityId,
      action: a.action,
      before: a.before === null ? null : JSON.stringify(a.before),
      after: JSON.stringify(a.after),
    },
  });
}

function maskedDiff(d: { before: Record<string, unknown>; after: Record<string, unknown> }) {
  const mask = (o: Record<string, unknown>) =>
    "notifyWebhookUrl" in o && typeof o.notifyWebhookUrl === "string" ? { ...o, notifyWebhookUrl: maskWebhookUrl(o.notifyWebhookUrl) } : o;
  return { before: mask(d.before), after: mask(d.after) };
}

function uniqueConflict(e: unknown, entity: "store" | "product"): never {
  if (e instanceof PrismaNs.PrismaClientKnownRequestError && e.code === "P2002") {
    const target = JSON.stringify(e.meta ?? {});
    const field = /subMchid/.test(target) ? "subMchid" : /mchid/.test(target) ? "mchid" : entity === "product" ? "sku" : "id";
    throw new AppError("ALREADY_EXISTS", `已存在相同的 ${field}`, { field });
  }
  throw e;
}

const txOptions = { maxWait: 15_000, timeout: 15_000 };

// ---------------------------------------------------------------- stores

/** Stores the actor sees (a store's staff: their own). */
export async function listStores(who: AdminActor, q?: string, page = 1) {
  const where = {
    ...storeWhere(who),
    ...(q ? { OR: [{ name: { contains: q } }, { subMchid: { contains: q } }, { id: { contains: q } }] } : {}),
  };
  const [total, stores] = await Promise.all([
    prisma.store.count({ where }),
    prisma.store.findMany({
      where,
      select: { ...storeSelect, _count: { select: { products: true } } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      skip: (page - 1) * ADMIN_PAGE_SIZE,
      take: ADMIN_PAGE_SIZE,
    }),
  ]);
  return { total, page, stores: stores.map(({ _count, ...s }) => ({ ...toStoreRow(maskedStore(s)), productCount: _count.products })) };
}

export async function getAdminStore(who: AdminActor, id: string): Promise<StoreRow | null> {
  if (!canSeeStore(who, id)) return null;
  const row = await prisma.store.findUnique({ where: { id }, select: storeSelect });
  return row && toStoreRow(maskedStore(row));
}

export async function createStore(who: AdminActor, input: StoreCreate): Promise<StoreRow> {
  assertCan(who, "store-settings");
  const actor = actorLabel(who);
  assertImageUrlShown(input.logoUrl, "logoUrl");
  const data = {
    id: input.id ?? `store-${input.subMchid}`,
    name: input.name,
    subMchid: input.subMchid,
    mchid: input.mchid ?? null,
    logoUrl: input.logoUrl ?? null,
    active: input.active ?? true,
    deliveryMethods: formatDeliveryMethods(input.deliveryMethods ?? ["SHIPPING"]),
    shippingFeeFen: input.shippingFeeFen ?? 0,
    freeShippingOverFen: input.freeShippingOverFen ?? null,
    pickupAddress: input.pickupAddress ?? null,
    pickupHours: input.pickupHours ?? null,
    jsapiEnabled: input.jsapiEnabled ?? false,
  };
  try {
    return await prisma.$transaction(async (db) => {
      const store = maskedStore(await db.store.create({ data, select: storeSelect }));
      await writeAudit(db, { actor, entity: "STORE", entityId: store.id, action: "CREATE", before: null, after: store });
      return toStoreRow(store);
    }, txOptions);
  } catch (e) {
    uniqueConflict(e, "store");
  }
}

/** A store's settings: owners only; another store is not found for a store's staff (no enumeration). */
export async function updateStore(who: AdminActor, id: string, patch: StorePatch): Promise<StoreRow> {
  if (!canSeeStore(who, id)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  assertCan(who, "store-settings");
  const actor = actorLabel(who);
  if (patch.notifyWebhookUrl) assertWebhookUrlAllowed(patch.notifyWebhookUrl);
  assertImageUrlShown(patch.logoUrl, "logoUrl");
  try {
    return await prisma.$transaction(async (db) => {
      const before = await db.store.findUnique({ where: { id }, select: storeSelect });
      if (!before) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
      // The cross-field delivery rule holds for the store as it will be, not just for the patch.
      const problem = storeDeliveryProblem({ ...toStoreRow(before), ...patch });
      if (problem) throw invalidField(problem.field, problem.message);
      const after = await db.store.update({ where: { id }, data: storeData(patch), select: storeSelect });
      // Compared unmasked (a new key is a change), recorded masked.
      const diff = changedFields(before, pick(after, Object.keys(patch)));
      if (diff) await writeAudit(db, { actor, entity: "STORE", entityId: id, action: "UPDATE", ...maskedDiff(diff) });
      return toStoreRow(maskedStore(after));
    }, txOptions);
  } catch (e) {
    uniqueConflict(e, "store");
  }
}

/** 发送测试消息 to a store's webhook: the store must be one the actor sees (else 404, like an unknown id). */
export async function sendStoreTestMessage(who: AdminActor, storeId: string) {
  assertCan(who, "store-messages");
  if (!canSeeStore(who, storeId)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  return enqueueTestMessage(storeId);
}

/** The store's latest webhook messages, for a store the actor sees (else none). */
export async function listStoreMessagesFor(who: AdminActor, storeId: string) {
  return canSeeStore(who, storeId) ? listStoreMessages(storeId) : [];
}

// ---------------------------------------------------------------- products

export async function listAdminProducts(who: AdminActor, q?: string, page = 1) {
  assertCan(who, "catalogue");
  const where = {
    ...productWhere(who),
    ...(q ? { OR: [{ sku: { contains: q } }, { name: { contains: q } }, { store: { name: { contains: q } } }] } : {}),
  };
  const [total, products] = await Promise.all([
    prisma.product.count({ where }),
    prisma.product.findMany({
      where,
      select: { ...productSelect, store: { select: { name: true, active: true } } },
      orderBy: [{ sortOrder: "asc" }, { sku: "asc" }],
      skip: (page - 1) * ADMIN_PAGE_SIZE,
      take: ADMIN_PAGE_SIZE,
    }),
  ]);
  return { total, page, products: await withStockTotals(prisma, products) };
}

export async function getAdminProduct(who: AdminActor, sku: string): Promise<ProductRow | null> {
  const product = await prisma.product.findFirst({ where: { sku, ...productWhere(who) }, select: productSelect });
  return product && (await withStockTotals(prisma, [product]))[0]!;
}

/** The product's store must exist and be one the actor sees (another store reads as unknown). */
async function assertStore(db: Tx, who: AdminActor, storeId: string): Promise<void> {
  if (!canSeeStore(who, storeId) || !(await db.store.findUnique({ where: { id: storeId }, select: { id: true } }))) {
    throw invalidField("storeId", `店铺 ${storeId} 不存在`);
  }
}

export async function createProduct(who: AdminActor, input: ProductCreate): Promise<ProductRow> {
  assertCan(who, "catalogue");
  const actor = actorLabel(who);
  assertImageUrlShown(input.imageUrl, "imageUrl");
  try {
    return await prisma.$transaction(async (db) => {
      await assertStore(db, who, input.storeId);
      const sortOrder = input.sortOrder ?? ((await db.product.aggregate({ _max: { sortOrder: true } }))._max.sortOrder ?? 0) + 1;
      await db.product.create({
        data: {
          sku: input.sku,
          name: input.name,
          priceFen: input.priceFen,
          storeId: input.storeId,
          imageUrl: input.imageUrl ?? null,
          active: input.active ?? true,
          sortOrder,
        },
      });
      await setStock(db, input.sku, input.stock ?? null, input.stockShards ?? 1);
      const product = await productRow(db, input.sku);
      await writeAudit(db, { actor, entity: "PRODUCT", entityId: product.sku, action: "CREATE", before: null, after: product });
      return product;
    }, txOptions);
  } catch (e) {
    uniqueConflict(e, "product");
  }
}

/**
 * Changes a product. The SKU never changes (orders refer to it). A new price applies to carts from
 * now on; existing orders keep their own line prices and sub-order amounts (re-prepay sends those).
 * Setting `stock` sets the units left now (units held by pending orders are already taken out).
 */
export async function updateProduct(who: AdminActor, sku: string, patch: ProductPatch): Promise<ProductRow> {
  assertCan(who, "catalogue");
  const actor = actorLabel(who);
  assertImageUrlShown(patch.imageUrl, "imageUrl");
  return prisma.$transaction(async (db) => {
    // Another store's product is not found, like one that does not exist.
    const found = await db.product.findFirst({ where: { sku, ...productWhere(who) }, select: productSelect });
    if (!found) throw new AppError("PRODUCT_NOT_FOUND", "商品不存在");
    const before = (await withStockTotals(db, [found]))[0]!;
    if (patch.storeId !== undefined) await assertStore(db, who, patch.storeId);
    const { stock, stockShards, ...fields } = patch;
    if (Object.keys(fields).length) await db.product.update({ where: { sku }, data: fields });
    // Units and rows are set together: a new row count spreads the units left now over the new rows.
    if (stock !== undefined || stockShards !== undefined) {
      await setStock(db, sku, stock === undefined ? before.stock : stock, stockShards ?? before.stockShards);
    }
    const after = await productRow(db, sku);
    const diff = changedFields(before, pick(after, Object.keys(patch)));
    if (diff) await writeAudit(db, { actor, entity: "PRODUCT", entityId: sku, action: "UPDATE", ...diff });
    return after;
  }, txOptions);
}

/** A product as the admin API answers it: its units left summed over its rows. */
async function productRow(db: Tx, sku: string): Promise<ProductRow> {
  return (await withStockTotals(db, [await db.product.findUniqueOrThrow({ where: { sku }, select: productSelect })]))[0]!;
}

// ---------------------------------------------------------------- audit

/**
 * Catalogue audit rows. A store's staff see the rows of their stores and of their stores' products as
 * they are now (a product moved away takes its history with it).
 */
export async function listCatalogAudit(who: AdminActor, opts: { entity?: "STORE" | "PRODUCT"; entityId?: string; take?: number } = {}) {
  assertCan(who, "catalogue");
  const scoped =
    who.storeIds === "all"
      ? {}
      : {
          OR: [
            { entity: "STORE", entityId: { in: [...who.storeIds] } },
            {
              entity: "PRODUCT",
              entityId: { in: (await prisma.product.findMany({ where: productWhere(who), select: { sku: true } })).map((p) => p.sku) },
            },
          ],
        };
  return prisma.catalogAudit.findMany({
    where: { ...scoped, ...(opts.entity ? { entity: opts.entity } : {}), ...(opts.entityId ? { entityId: opts.entityId } : {}) },
    orderBy: { id: "desc" },
    take: opts.take ?? 100,
  });
}
