import { adminRoute } from "@/lib/admin/guard";
import { STORE_ID_PATTERN } from "@/lib/catalog/validation";
import { AppError } from "@/lib/errors";
import { json } from "@/lib/http/respond";
import { sendStoreTestMessage } from "@/lib/catalog/admin";

type Ctx = { params: Promise<{ id: string }> };

/**
 * 发送测试消息 → 202 {message: {id, status, createdAt, created}}: queued for the store-messages job, which
 * sends it like every other message (same limits, time-out and retries). One waits per store at a time.
 */
export const POST = adminRoute(async (_request: Request, { params }: Ctx, actor) => {
  const { id } = await params;
  if (!STORE_ID_PATTERN.test(id)) throw new AppError("STORE_NOT_FOUND", "店铺不存在");
  return json({ message: await sendStoreTestMessage(actor, id) }, 202);
});
