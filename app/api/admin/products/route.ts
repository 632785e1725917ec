import { adminRoute } from "@/lib/admin/guard";
import { createProduct, listAdminProducts } from "@/lib/catalog/admin";
import { CatalogListQuerySchema, ProductCreateSchema } from "@/lib/catalog/validation";
import { json, parseWith, readJson } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** 商品列表 (?q= searches SKU, name and store name; ?page=). */
export const GET = adminRoute(async (request: Request, _ctx, actor) => {
  const q = parseWith(CatalogListQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  return json(await listAdminProducts(actor, q.q, q.page));
});

/** 新建商品: {"sku","name","priceFen","storeId","stock"?,"imageUrl"?,"active"?,"sortOrder"?} → 201 {product}. */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  const body = await readJson(request, ProductCreateSchema);
  return json({ product: await createProduct(actor, body) }, 201);
});
