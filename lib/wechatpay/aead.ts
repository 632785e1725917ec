import { createDecipheriv, type CipherGCMTypes } from "node:crypto";
import { WechatPayConfigError, WechatPayDecryptError } from "./errors";

export const AEAD_ALGORITHM = "AEAD_AES_256_GCM";
const TAG_LENGTH = 16;

function cipherForKeyLength(len: number): CipherGCMTypes | undefined {
  if (len === 32) return "aes-256-gcm";
  if (len === 24) return "aes-192-gcm";
  if (len === 16) return "aes-128-gcm";
  return undefined;
}

function toKeyBytes(key: string | Uint8Array): Buffer {
  return typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
}

/**
 * Low-level AES-GCM open as WeChat Pay does it (§7.3): key = raw bytes, IV = the nonce's UTF-8 bytes (not base64),
 * AAD = associated_data (may be empty), data = base64 ciphertext whose last 16 bytes are the tag.
 *
 * Accepts 16/24/32-byte keys because the Go SDK's own vectors use a 16-byte key (which Go silently turns into
 * AES-128). Production code goes through {@link ApiV3Decryptor}, which insists on 32 bytes.
 */
export function decryptAeadAes256Gcm(
  key: string | Uint8Array,
  nonce: string,
  associatedData: string | undefined,
  ciphertextB64: string,
): Buffer {
  const keyBytes = toKeyBytes(key);
  const algorithm = cipherForKeyLength(keyBytes.length);
  if (!algorithm) throw new WechatPayDecryptError("BAD_KEY_LENGTH", `AES key must be 16, 24 or 32 bytes, got ${keyBytes.length}`);
  return open(algorithm, keyBytes, nonce, associatedData, ciphertextB64);
}

function open(
  algorithm: CipherGCMTypes,
  keyBytes: Buffer,
  nonce: string,
  associatedData: string | undefined,
  ciphertextB64: string,
): Buffer {
  if (typeof nonce !== "string" || nonce.length === 0) throw new WechatPayDecryptError("BAD_NONCE", "nonce is empty");
  // No base64 syntax check: Buffer.from skips stray characters and any corruption fails the GCM tag anyway.
  if (typeof ciphertextB64 !== "string") throw new WechatPayDecryptError("BAD_CIPHERTEXT", "ciphertext is not a string");
  const data = Buffer.from(ciphertextB64, "base64");
  if (data.length < TAG_LENGTH) throw new WechatPayDecryptError("BAD_CIPHERTEXT", "ciphertext is shorter than the 16-byte tag");
  const tagStart = data.length - TAG_LENGTH;
  try {
    const decipher = createDecipheriv(algorithm, keyBytes, Buffer.from(nonce, "utf8"), { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(data.subarray(tagStart));
    if (associatedData) decipher.setAAD(Buffer.from(associatedData, "utf8"));
    const head = decipher.update(data.subarray(0, tagStart));
    const tail = decipher.final();
    return tail.length === 0 ? head : Buffer.concat([head, tail]);
  } catch (cause) {
    // Node reports every GCM failure as "Unsupported state or unable to authenticate data".
    throw new WechatPayDecryptError(
      "AUTHENTICATION_FAILED",
      "AES-GCM authentication failed (wrong APIv3 key, nonce or associated_data, or tampered ciphertext)",
      { cause },
    );
  }
}

/** The APIv3-key decryptor used by notifications and /v3/certificates. Key bytes are copied once at construction. */
export class ApiV3Decryptor {
  private readonly key: Buffer;

  constructor(apiV3Key: string | Uint8Array) {
    const bytes = toKeyBytes(apiV3Key);
    if (bytes.length !== 32) {
      throw new WechatPayConfigError("apiV3Key", `the APIv3 key must be exactly 32 bytes, got ${bytes.length}`);
    }
    this.key = Buffer.from(bytes);
  }

  decrypt(nonce: string, associatedData: string | undefined, ciphertextB64: string): Buffer {
    return open("aes-256-gcm", this.key, nonce, associatedData, ciphertextB64);
  }

  /** Rejects anything but AEAD_AES_256_GCM before touching the cipher (envelope check). */
  decryptResource(resource: { algorithm: string; nonce: string; associated_data?: string | undefined; ciphertext: string }): Buffer {
    if (resource.algorithm !== AEAD_ALGORITHM) {
      throw new WechatPayDecryptError("UNSUPPORTED_ALGORITHM", `unsupported resource.algorithm ${JSON.stringify(resource.algorithm)}`);
    }
    return this.decrypt(resource.nonce, resource.associated_data, resource.ciphertext);
  }
}
