import { createHash } from "node:crypto";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { WechatPayBillHashError, WechatPayValidationError } from "./errors";

// Download/integrity only. Parsing the CSV (backticks, BOM, yuan → fen) belongs to lib/bills.

const gunzipAsync = promisify(gunzip);

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** WeChat appends `tartype=gzip` to download_url when tar_type=GZIP was applied for (unconfirmed: docs/wechatpay.md §8.1). */
export function downloadUrlImpliesGzip(downloadUrl: string): boolean {
  try {
    return new URL(downloadUrl).searchParams.get("tartype")?.toLowerCase() === "gzip";
  } catch {
    return false;
  }
}

/**
 * Gunzip when asked to (or when the bytes are gzip anyway, so a missing tar_type hint cannot make us hash the
 * compressed stream); otherwise the bytes are the plain file.
 */
export async function decompressBill(raw: Buffer, gzip: boolean, requestId?: string): Promise<Buffer> {
  if (!gzip && !isGzip(raw)) return raw;
  if (!isGzip(raw)) {
    throw new WechatPayValidationError("response", "bill download was expected to be gzip but is not", [], { requestId });
  }
  try {
    return await gunzipAsync(raw);
  } catch (cause) {
    throw new WechatPayValidationError("response", "bill download is not valid gzip", [], { cause, requestId });
  }
}

/** §8.2: SHA-1 of the decompressed bytes must equal hash_value (hex, case-insensitive). */
export function verifyBillHash(content: Buffer, hashType: string, hashValue: string, requestId?: string): void {
  if (hashType.toUpperCase() !== "SHA1") {
    throw new WechatPayValidationError(
      "response",
      `unsupported bill hash_type ${JSON.stringify(hashType)}`,
      [{ path: ["hash_type"], message: "expected SHA1" }],
      { requestId },
    );
  }
  const actual = createHash("sha1").update(content).digest("hex");
  const expected = hashValue.trim().toLowerCase();
  if (actual !== expected) throw new WechatPayBillHashError(expected, actual, { requestId });
}

/**
 * The download host may differ from baseUrl (it is WeChat's choice), but we refuse to send a signed request over
 * plain http anywhere except to baseUrl's own origin (the local fake).
 */
export function checkDownloadUrl(downloadUrl: string, baseOrigin: string): URL {
  let u: URL;
  try {
    u = new URL(downloadUrl);
  } catch {
    throw new WechatPayValidationError("response", "download_url is not an absolute URL", [
      { path: ["download_url"], message: "invalid URL" },
    ]);
  }
  if (u.protocol !== "https:" && u.origin !== baseOrigin) {
    throw new WechatPayValidationError("response", "download_url must use https (or have the same origin as baseUrl)", [
      { path: ["download_url"], message: "non-https URL on a foreign origin" },
    ]);
  }
  return u;
}
