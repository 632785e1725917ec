import { adminRoute } from "@/lib/admin/guard";
import { updateStore } from "@/lib/catalog/admin";
import { StorePatchSchema, STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { AppError } from "@/lib/errors";
import { json, readJson } from "@/lib/http/respond";

type Ctx = { params: Promise<{ id: string }> };

/** 修改 / 停用店铺: any of {"name","subMchid","mchid","logoUrl","active"} → 200 {store}. Never deletes. */
export const PATCH = adminRoute(async (request: Request, { params }: Ctx, actor) => {
  const { id } = await params;
  if (!STORE_ID_PATTERN.test(id)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  const body = await readJson(request, StorePatchSchema);
  return json({ store: await updateStore(actor, id, body) });
});
