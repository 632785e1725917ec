import { readMediaFile } from "@/lib/catalog/images";
import { MEDIA_CSP } from "@/lib/http/security-headers";

type Ctx = { params: Promise<{ file: string }> };

/** Uploaded catalogue images. Names are content hashes, so a response never changes: cache it for a year. */
export async function GET(_request: Request, { params }: Ctx): Promise<Response> {
  const media = await readMediaFile((await params).file);
  if (!media)
    return new Response("not found", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "content-security-policy": MEDIA_CSP },
    });
  return new Response(new Uint8Array(media.body), {
    headers: {
      "content-type": media.contentType,
      "content-length": String(media.body.length),
      "cache-control": "public, max-age=31536000, immutable",
      "x-content-type-options": "nosniff",
      "content-security-policy": MEDIA_CSP,
    },
  });
}
