// OAuth state of the fake (codes, the default fake WeChat user) and the openid rule, apart from the handlers so that
// the context and the prepay rules can use them without a cycle.
import { createHash, randomBytes } from "node:crypto";
import { randomAlnum } from "./signing";

/** The code is single-use and valid 5 minutes (business clock). */
export const OAUTH_CODE_TTL_MS = 5 * 60_000;
/** The fake keeps at most this many codes (expired and used ones are pruned first): a bound, as for every fake table. */
const MAX_CODES = 10_000;
/** The browser's fake WeChat user, on the fake's own origin (Playwright: context.addCookies). */
export const WECHAT_USER_COOKIE = "fake_wechat_user";
export const DEFAULT_WECHAT_USER = "default";
export const USER_RE = /^[0-9A-Za-z_-]{1,32}$/;

const b64 = (s: string) => createHash("sha256").update(s, "utf8").digest("base64url");

/**
 * The openid of a fake WeChat user under an appid: 28 characters, "o" + 5 characters that depend on the appid only +
 * 22 that depend on (appid, user). Stable across restarts (so an app's cookie outlives the fake), different per appid
 * like WeChat's, and checkable without state: prepay knows which appid an openid was minted for.
 */
export function fakeOpenid(appid: string, user: string = DEFAULT_WECHAT_USER): string {
  return `o${b64(`appid:${appid}`).slice(0, 5)}${b64(`${appid}\u0000${user}`).slice(0, 22)}`;
}

/** Whether an openid was minted under this appid (see fakeOpenid). */
export function openidBelongsTo(openid: string, appid: string): boolean {
  return /^o[0-9A-Za-z_-]{27}$/.test(openid) && openid.slice(1, 6) === b64(`appid:${appid}`).slice(0, 5);
}

/** A snapshot-page virtual account's openid: minted under no real appid, so every prepay refuses it. */
export function snapshotOpenid(): string {
  return `o${b64("appid:snapshot-virtual").slice(0, 5)}${randomBytes(17).toString("base64url").slice(0, 22)}`;
}

interface CodeEntry {
  appid: string;
  user: string;
  createdAtMs: number;
  used: boolean;
}

export class FakeOauth {
  readonly codes = new Map<string, CodeEntry>();
  /** The user of a browser without the cookie (start option wechatUser; POST /__fake/settings {wechatUser}). */
  defaultUser: string;
  /** Exchanges answered (for tests and /__fake/oauth): appid, errcode (0 = ok), openid — never the secret. */
  readonly exchanges: { at: string; appid: string; errcode: number; openid?: string; fault?: string }[] = [];

  constructor(private readonly initialUser: string = DEFAULT_WECHAT_USER) {
    this.defaultUser = initialUser;
  }

  reset(): void {
    this.codes.clear();
    this.exchanges.length = 0;
    this.defaultUser = this.initialUser;
  }

  issue(appid: string, user: string, nowMs: number): string {
    if (this.codes.size >= MAX_CODES) {
      for (const [code, e] of this.codes) if (e.used || nowMs - e.createdAtMs > OAUTH_CODE_TTL_MS) this.codes.delete(code);
      while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!);
    }
    const code = `0${randomAlnum(31)}`;
    this.codes.set(code, { appid, user, createdAtMs: nowMs, used: false });
    return code;
  }
}
