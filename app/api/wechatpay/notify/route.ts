import { env } from "@/lib/env";
import { readTextCapped } from "@/lib/http/body";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/respond";
import { notifyResponse } from "@/lib/http/notify-reply";
import { countJunkNotification } from "@/lib/notify/junk";
import { handleNotification } from "@/lib/notify/dispatch";

// The signature covers the raw bytes: read the text before anything parses it — under a cap
// (NOTIFY_MAX_BODY_BYTES, far above any real notification), streamed, so a huge body costs nothing.
export async function POST(request: Request): Promise<Response> {
  let raw: string;
  try {
    raw = await readTextCapped(request, env().limits.notifyMaxBodyBytes);
  } catch (e) {
    if (e instanceof AppError && e.code === "PAYLOAD_TOO_LARGE") countJunkNotification("body-too-large");
    return errorResponse(e);
  }
  return notifyResponse(await handleNotification(request.headers, raw));
}
