import { adminRoute } from "@/lib/admin/guard";
import { assertCan } from "@/lib/admin/scope";
import { saveUploadedImage } from "@/lib/catalog/images";
import { json } from "@/lib/http/respond";

/** 上传图片: the raw bytes with Content-Type image/png|jpeg|webp (≤ 2 MB) → 201 {url}. */
export const POST = adminRoute(async (request: Request, _ctx, actor) => {
  assertCan(actor, "catalogue");
  return json(await saveUploadedImage(request), 201);
});
