import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/http/respond";

// Every /api/ path no route claims (a typo, a probe, /api/wechatpay/notify-anything) is a JSON 404
// like the rest of the API, with the API's security headers (next.config.ts), never the HTML
// not-found page. The body is never read.
const notFound = async (): Promise<Response> => errorResponse(new AppError("NOT_FOUND", "接口不存在"));

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
