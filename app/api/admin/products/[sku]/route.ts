import { adminRoute } from "@/lib/admin/guard";
import { updateProduct } from "@/lib/catalog/admin";
import { ProductPatchSchema, SKU_PATTERN } from "@/lib/catalog/validation";
import { AppError } from "@/lib/errors";
import { json, readJson } from "@/lib/http/respond";

type Ctx = { params: Promise<{ sku: string }> };

/** 修改 / 下架商品 (the SKU itself never changes) → 200 {product}. */
export const PATCH = adminRoute(async (request: Request, { params }: Ctx, actor) => {
  const { sku } = await params;
  if (!SKU_PATTERN.test(sku)) throw new AppError("PRODUCT_NOT_FOUND", "商品不存在");
  const body = await readJson(request, ProductPatchSchema);
  return json({ product: await updateProduct(actor, sku, body) });
});
