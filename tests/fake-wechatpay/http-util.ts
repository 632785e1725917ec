// Small node:http helpers shared by the API, the cashier and the control API.
import type { IncomingMessage, ServerResponse } from "node:http";

/** Reads the raw body bytes: the request signature covers them exactly (§1.1 line 5). */
export function readBody(req: IncomingMessage, limitBytes = 1 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string = ""): void {
  if (res.headersSent || res.destroyed) return;
  const buf = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  // 204 must not carry Content-Length/body; everything else gets an exact length so signed bytes == sent bytes.
  if (status !== 204) headers["Content-Length"] = String(buf.length);
  res.writeHead(status, headers);
  res.end(status === 204 ? undefined : buf);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, { "Content-Type": "application/json; charset=utf-8" }, JSON.stringify(value, null, 2));
}

export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Splits the raw request target into the raw path and raw query (no decoding: signatures cover the raw form). */
export function splitTarget(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf("?");
  return q < 0 ? { rawPath: url, rawQuery: "" } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}
