// Catalogue images on local disk (CATALOG_IMAGE_DIR, default .data/images), served by app/media/[file].
// A file is named by the SHA-256 of its bytes, so a URL never changes meaning: it can be cached for a
// year (immutable), re-uploading the same picture is a no-op, and no user-chosen name reaches the disk.
// Only PNG, JPEG and WebP, recognised by their magic bytes (never by the client's content type): no
// SVG or HTML, which a browser would run as script on our origin. Several app instances need the
// directory on shared storage (or a CDN URL in imageUrl instead): see README › Catalogue.
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { readBodyCapped } from "@/lib/http/body";
import { imageAllowedByPolicy } from "@/lib/http/security-headers";

export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
export const MEDIA_FILE_PATTERN = /^[a-f0-9]{64}\.(png|jpg|webp)$/;
export const MEDIA_CONTENT_TYPES = { png: "image/png", jpg: "image/jpeg", webp: "image/webp" } as const;
type Ext = keyof typeof MEDIA_CONTENT_TYPES;

/** The image format from the file's first bytes, or null. */
export function sniffImage(bytes: Uint8Array): Ext | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16));
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpg";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") return "webp";
  return null;
}

/** Reads at most MAX_IMAGE_BYTES + 1 bytes of the body, so an oversized upload is refused without buffering it all. */
/** Stores the request body (the raw image bytes) and returns its public URL `/media/<sha256>.<ext>`. */
export async function saveUploadedImage(request: Request): Promise<{ url: string; bytes: number; contentType: string }> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!Object.values(MEDIA_CONTENT_TYPES).includes(type as never)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "只支持 PNG、JPEG、WebP 图片");
  }
  const bytes = await readBodyCapped(request, MAX_IMAGE_BYTES);
  const ext = sniffImage(bytes);
  if (!ext || MEDIA_CONTENT_TYPES[ext] !== type) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "文件内容不是所声明的图片格式");
  const name = `${createHash("sha256").update(bytes).digest("hex")}.${ext}`;
  const dir = env().catalogImageDir;
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, name);
  // Write to a temporary name and rename: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, file);
  return { url: `/media/${name}`, bytes: bytes.length, contentType: MEDIA_CONTENT_TYPES[ext] };
}

/** The stored bytes of a media file, or null (unknown or malformed name). */
export async function readMediaFile(name: string): Promise<{ body: Buffer; contentType: string } | null> {
  if (!MEDIA_FILE_PATTERN.test(name)) return null;
  const ext = name.slice(name.lastIndexOf(".") + 1) as Ext;
  try {
    const body = await fs.readFile(path.join(env().catalogImageDir, name));
    return { body, contentType: MEDIA_CONTENT_TYPES[ext] };
  } catch {
    return null;
  }
}

/**
 * Why the shop's pages could not show this image, or null: an https image must come from an origin
 * in IMAGE_ORIGINS, which the pages' CSP allows in img-src (lib/http/security-headers.ts). Checked
 * when a product or store is saved, so no image is stored that the shop's own policy would block.
 */
export function imageUrlProblem(url: string | null | undefined): string | null {
  if (url == null || imageAllowedByPolicy(url, env().imageOrigins)) return null;
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // the schemas only let through /… paths and https URLs; keep the raw text in the message
  }
  return `images from ${origin} are blocked by the shop's Content-Security-Policy: add the origin to IMAGE_ORIGINS`;
}

/** 400 INVALID_REQUEST naming the field when imageUrlProblem() finds one. */
export function assertImageUrlShown(url: string | null | undefined, field: "imageUrl" | "logoUrl"): void {
  const problem = imageUrlProblem(url);
  if (problem) throw new AppError("INVALID_REQUEST", `请求参数有误（${field}: ${problem}）`, { field });
}
