import { adminRoute } from "@/lib/admin/guard";
import { createStore, listStores } from "@/lib/catalog/admin";
import { CatalogListQuerySchema, StoreCreateSchema } from "@/lib/catalog/validation";
import { json, parseWith, readJson } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

/** 店铺列表 (?q= searches name, sub_mchid and id; ?page=). */
export const GET = adminRoute(async (request: Request, _ctx, actor) => {
  const q = parseWith(CatalogListQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  return json(await listStores(actor, q.q, q.page));
});

/** 新建店铺: {"name","subMchid", "id"?, "mchid"?, "logoUrl"?, "active"?} → 201 {store}. */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  const body = await readJson(request, StoreCreateSchema);
  return json({ store: await createStore(actor, body) }, 201);
});
