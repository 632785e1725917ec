import { hash, parseOptions, verify, type Algorithm } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";
import { z } from "zod";

/**
 * Staff passwords: argon2id through @node-rs/argon2 (prebuilt Rust binaries, no compiler needed) and the
 * password rules of the back office. Framework-free on purpose: no Next.js, Prisma or env here, so the
 * account code, the CLI and the tests share one implementation.
 */

/** argon2id cost: memory in KiB, passes, lanes. */
export type PasswordCost = { memoryKiB: number; timeCost: number; parallelism: number };

/**
 * OWASP's argon2id minimum (m = 19 MiB, t = 2, p = 1): about 30 ms per hash on one core, so a sign-in stays
 * quick while a stolen hash costs an attacker 19 MiB and two passes per guess. Raising it later needs no
 * migration: each stored string names its own parameters, and needsRehash() tells the sign-in to re-hash.
 */
export const PASSWORD_COST: PasswordCost = Object.freeze({ memoryKiB: 19_456, timeCost: 2, parallelism: 1 });

/** Length rules, counted in Unicode code points (a 汉字 or an emoji is one character, as a person counts). */
export const PASSWORD_MIN_CHARS = 12;
export const PASSWORD_MAX_CHARS = 256;

// The enum is `const` in the typings and absent at run time (isolatedModules cannot inline it).
const ARGON2ID = 2 as Algorithm;
// A stored string whose own parameters exceed these is refused instead of run: a corrupted or planted row must
// not make one sign-in allocate gigabytes. Generous enough for any cost this app will ever choose.
const MAX_STORED = { memoryKiB: 262_144, timeCost: 16, parallelism: 8 };
// Longer input than any allowed password is not worth hashing (the limiter counts it as a failure all the same).
const MAX_VERIFY_CHARS = 1024;
const PHC_ARGON2ID = /^\$argon2id\$v=19\$m=\d{1,7},t=\d{1,3},p=\d{1,2}\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{16,128}$/;

/**
 * NFKC so the same password typed on another keyboard or system (composed vs decomposed é, full-width
 * digits from a Chinese IME) is the same password, as NIST SP 800-63B asks.
 */
const normalise = (password: string) => password.normalize("NFKC");
const codePoints = (s: string) => [...s].length;

/** Hashes a password into a self-describing PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, random 16-byte salt). */
export async function hashPassword(password: string, cost: PasswordCost = PASSWORD_COST): Promise<string> {
  return hash(normalise(password), {
    algorithm: ARGON2ID,
    memoryCost: cost.memoryKiB,
    timeCost: cost.timeCost,
    parallelism: cost.parallelism,
  });
}

function storedParams(stored: unknown): PasswordCost | null {
  if (typeof stored !== "string" || !PHC_ARGON2ID.test(stored)) return null;
  try {
    const p = parseOptions(stored);
    if (p.algorithm !== ARGON2ID) return null;
    return { memoryKiB: p.memoryCost, timeCost: p.timeCost, parallelism: p.parallelism };
  } catch {
    return null;
  }
}

/**
 * True when `password` is the one `stored` was made from. The comparison is argon2's own (constant time).
 * Never throws: a malformed, foreign or absurdly expensive stored string, or a non-string input, is `false`.
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const params = storedParams(stored);
  if (!params || typeof password !== "string" || codePoints(password) > MAX_VERIFY_CHARS) return false;
  if (params.memoryKiB > MAX_STORED.memoryKiB || params.timeCost > MAX_STORED.timeCost || params.parallelism > MAX_STORED.parallelism) {
    return false;
  }
  try {
    return await verify(stored, normalise(password));
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends what a real check costs and answers false: the sign-in calls it when the username is unknown, so
 * the response time does not tell which usernames exist.
 */
export async function verifyNoAccount(password: string): Promise<false> {
  dummyHash ??= hashPassword("no account has this password");
  await verifyPassword(await dummyHash, typeof password === "string" ? password : "");
  return false;
}

/** True when `stored` was not made with today's algorithm and cost (or cannot be read): re-hash after a successful sign-in. */
export function needsRehash(stored: string, cost: PasswordCost = PASSWORD_COST): boolean {
  const params = storedParams(stored);
  return !params || params.memoryKiB !== cost.memoryKiB || params.timeCost !== cost.timeCost || params.parallelism !== cost.parallelism;
}

export type PasswordPolicyCode = "PASSWORD_TOO_SHORT" | "PASSWORD_IS_USERNAME" | "PASSWORD_TOO_COMMON" | "PASSWORD_TOO_LONG";
export type PasswordPolicyResult = { ok: true } | { ok: false; code: PasswordPolicyCode; message: string };

export const PASSWORD_POLICY_MESSAGES: Record<PasswordPolicyCode, string> = {
  PASSWORD_TOO_SHORT: `密码至少 ${PASSWORD_MIN_CHARS} 个字符`,
  PASSWORD_TOO_LONG: `密码最多 ${PASSWORD_MAX_CHARS} 个字符`,
  PASSWORD_IS_USERNAME: "密码不能与用户名相同",
  PASSWORD_TOO_COMMON: "这个密码太常见，容易被猜中，请换一个",
};

/**
 * The length rules alone, for a request schema (`{ password: PasswordSchema }`). The username and
 * common-password rules need more than the field: checkPasswordPolicy() is the full check.
 */
export const PasswordSchema = z
  .string()
  .refine((p) => codePoints(normalise(p)) >= PASSWORD_MIN_CHARS, { message: PASSWORD_POLICY_MESSAGES.PASSWORD_TOO_SHORT, abort: true })
  .refine((p) => codePoints(normalise(p)) <= PASSWORD_MAX_CHARS, { message: PASSWORD_POLICY_MESSAGES.PASSWORD_TOO_LONG });

let common: Set<string> | undefined;
/**
 * zxcvbn-ts's list of the most common leaked passwords (about 49,000, decompressed when this module loads,
 * some 20 ms). Only the few hundred long enough to pass the length rule can matter, so only they are kept,
 * lower-cased into a set on first use.
 */
function commonPasswords(): Set<string> {
  common ??= new Set(
    dictionary["passwords-common"].map((p) => normalise(p).toLowerCase()).filter((p) => codePoints(p) >= PASSWORD_MIN_CHARS),
  );
  return common;
}

/** The password rules of the back office: length, not the username, not a common password. */
export function checkPasswordPolicy(input: { password: string; username: string }): PasswordPolicyResult {
  const password = normalise(typeof input.password === "string" ? input.password : "");
  const fail = (code: PasswordPolicyCode): PasswordPolicyResult => ({ ok: false, code, message: PASSWORD_POLICY_MESSAGES[code] });
  const length = codePoints(password);
  if (length < PASSWORD_MIN_CHARS) return fail("PASSWORD_TOO_SHORT");
  if (length > PASSWORD_MAX_CHARS) return fail("PASSWORD_TOO_LONG");
  const lower = password.toLowerCase();
  if (typeof input.username === "string" && lower === normalise(input.username).toLowerCase()) return fail("PASSWORD_IS_USERNAME");
  if (commonPasswords().has(lower)) return fail("PASSWORD_TOO_COMMON");
  return { ok: true };
}
