import { AppError } from "../errors";

/**
 * THE way a route reads a request body: streams it with a byte cap and stops at the first byte over
 * it (the rest is never buffered; the stream is cancelled), answering 413 PAYLOAD_TOO_LARGE. A
 * Content-Length above the cap is refused before reading anything. `request.text()`, `.json()`,
 * `.formData()` and `.arrayBuffer()` buffer everything first: do not use them on open routes.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Buffer> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

export async function readTextCapped(request: Request, maxBytes: number): Promise<string> {
  return (await readBodyCapped(request, maxBytes)).toString("utf8");
}

/** A form post (urlencoded or multipart) read under the cap, then parsed by the platform. */
export async function readFormCapped(request: Request, maxBytes: number): Promise<FormData> {
  const bytes = await readBodyCapped(request, maxBytes);
  return new Response(new Uint8Array(bytes), { headers: { "content-type": request.headers.get("content-type") ?? "" } }).formData();
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `请求内容过大（上限 ${maxBytes} 字节）`, { maxBytes });
}
