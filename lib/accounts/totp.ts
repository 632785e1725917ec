import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { generateSecret, generateSync, generateURI, verifySync } from "otplib";
import { toString as qrToString } from "qrcode";

/**
 * The optional second factor: TOTP (RFC 6238) as every authenticator app speaks it (SHA-1, 6 digits,
 * 30-second steps), through otplib (audited @noble/@scure primitives underneath), with an injected clock so
 * tests and callers never depend on the wall clock. Recovery codes replace the phone once each.
 * Framework-free: no Next.js, Prisma or env here.
 */

/** Seconds per time step (RFC 6238's X; what every authenticator app uses). */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now by default: a phone up to 30 s off (or a code typed as it rolled over) still works. */
export const TOTP_DEFAULT_WINDOW = 1;
const MAX_WINDOW = 10;

/** A new shared secret: 160 random bits (RFC 4226's recommended length), base32 without padding, 32 characters. */
export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/**
 * The otpauth:// URI an authenticator app scans: `otpauth://totp/{issuer}:{username}?secret=…&issuer=…`.
 * A colon would split the label in the wrong place, so it never reaches the issuer.
 */
export function totpUri(input: { secret: string; username: string; issuer: string }): string {
  const issuer = input.issuer.replaceAll(":", " ").replace(/\s+/g, " ").trim();
  return generateURI({ issuer, label: input.username, secret: input.secret });
}

/** The URI as an SVG QR code (a self-contained string, no external resource), for the enrolment page. */
export async function totpQrSvg(uri: string): Promise<string> {
  return qrToString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}

/** The RFC 6238 time step `now` falls in: floor(unix seconds / 30). */
export function totpStep(now: Date = new Date()): number {
  return Math.floor(Math.floor(now.getTime() / 1000) / TOTP_PERIOD_SECONDS);
}

/** The code an authenticator shows for `secret` at `now` (tests and the enrolment check). `digits: 8` is RFC 6238's test form. */
export function totpToken(input: { secret: string; now?: Date; digits?: 6 | 8 }): string {
  return generateSync({
    secret: input.secret,
    epoch: Math.floor((input.now ?? new Date()).getTime() / 1000),
    digits: input.digits ?? TOTP_DIGITS,
  });
}

/**
 * Checks `token` against the steps within `window` of now and answers the step it matched, or null.
 * Callers that must refuse a replay store the step of each accepted code and pass it back as `afterStep`:
 * codes of that step and earlier are then refused, whichever of the window's steps they were taken from.
 * Spaces in the token are ignored ("123 456", as some apps show it). Never throws on bad input: a token
 * that is not 6 digits, a secret that is not base32 or too short, an `afterStep` ahead of the window → null.
 */
export function verifyTotpStep(input: {
  secret: string;
  token: string;
  now?: Date;
  window?: number;
  afterStep?: number | null;
}): number | null {
  const window = input.window ?? TOTP_DEFAULT_WINDOW;
  // A programming error, not input: fail loudly rather than accept every code of an hour.
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) throw new RangeError(`TOTP window must be 0…${MAX_WINDOW} steps`);
  if (typeof input.token !== "string" || typeof input.secret !== "string") return null;
  const token = input.token.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const afterStep = input.afterStep ?? undefined;
  const now = input.now ?? new Date();
  try {
    const result = verifySync({
      secret: input.secret,
      token,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: window * TOTP_PERIOD_SECONDS,
      digits: TOTP_DIGITS,
      afterTimeStep: afterStep !== undefined && afterStep >= 0 ? Math.floor(afterStep) : undefined,
    });
    // delta: the matched step's offset from now's (the functional API's result type does not carry the step itself).
    return result.valid ? totpStep(now) + result.delta : null;
  } catch {
    // otplib throws on a malformed secret or token, and when afterTimeStep is beyond the window
    // (every step it could match was already used): all of them mean "not accepted".
    return null;
  }
}

/** True when `token` is the code of a step within `window` (default ±1) of `now`. For replay refusal use verifyTotpStep(). */
export function verifyTotp(input: { secret: string; token: string; now?: Date; window?: number }): boolean {
  return verifyTotpStep(input) !== null;
}

// --- recovery codes ---

/**
 * Crockford's base32 alphabet: no i, l, o or u, so a code read off paper is not mistyped; normalisation maps
 * the look-alikes back (i, l → 1; o → 0). 12 characters of 5 bits each: 60 random bits per code.
 */
const RECOVERY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const RECOVERY_GROUPS = 3;
const RECOVERY_GROUP_CHARS = 4;
const RECOVERY_CODE = new RegExp(`^[${RECOVERY_ALPHABET}]{${RECOVERY_GROUPS * RECOVERY_GROUP_CHARS}}$`);

/** `count` one-time recovery codes, shown once at enrolment, like `7kq2-x9m4-p3ch`. Store only hashRecoveryCode() of each. */
export function generateRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () =>
    Array.from({ length: RECOVERY_GROUPS }, () =>
      Array.from({ length: RECOVERY_GROUP_CHARS }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join(""),
    ).join("-"),
  );
}

/** A typed code as the generator wrote it: case, spaces and dashes ignored, look-alike letters mapped back. */
function normaliseRecoveryCode(code: string): string {
  return code
    .toLowerCase()
    .replace(/[\s-]+/g, "")
    .replace(/[il]/g, "1")
    .replace(/o/g, "0");
}

/**
 * The stored form of a recovery code: sha256 hex of the normalised code. No salt or slow hash: the code is 60
 * random bits, not a person's choice, so the hash cannot be reversed by guessing.
 */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(normaliseRecoveryCode(code), "utf8").digest("hex");
}

/**
 * The index in `hashes` of the code typed, or -1. Every stored hash is compared, in constant time, whatever
 * matched. The caller spends the code by removing that hash in the same conditional update that accepts
 * it, so two sign-ins racing with one code cannot both win.
 */
export function matchRecoveryCode(hashes: string[], code: string): number {
  if (typeof code !== "string" || !RECOVERY_CODE.test(normaliseRecoveryCode(code))) return -1;
  const typed = Buffer.from(hashRecoveryCode(code), "hex");
  let found = -1;
  hashes.forEach((stored, i) => {
    if (typeof stored !== "string" || !/^[0-9a-f]{64}$/.test(stored)) return;
    if (timingSafeEqual(Buffer.from(stored, "hex"), typed) && found === -1) found = i;
  });
  return found;
}
