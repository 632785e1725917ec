// The checks of `npm run doctor` as pure functions: settings (and the files they name) in, findings out. Each
// finding says which setting, what is wrong and how to fix it. No network, no database, no process.env here:
// lib/ops/doctor.ts gathers those and feeds them in, so every check is tested with plain values.
//
// The configuration errors every WeChat Pay integrator meets first (and that dominate the SDKs' issue
// trackers) each get their own message: a PKCS#1 or encrypted key, the certificate pasted instead of the key,
// a serial of another certificate, an APIv3 key of the wrong length, the merchant's own public key in place of
// WeChat Pay's, a public key id that is not PUB_KEY_ID_…, an unreachable or http notify URL.
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { isIP } from "node:net";
import {
  ADMIN_TOKEN_MIN_PRODUCTION,
  ConfigError,
  TEST_APIV3_KEY_SHA256,
  TEST_KEY_FINGERPRINTS,
  normalisePem,
  parseEnv,
  type WechatPayMode,
} from "@/lib/env";

export type Level = "error" | "warn" | "ok";

export interface Finding {
  level: Level;
  /** The setting (environment variable, file, store, clock…) the finding is about. */
  setting: string;
  /** What is right or wrong, in one sentence. */
  message: string;
  /** How to fix it (errors and warnings). */
  fix?: string;
}

export type RawEnv = Record<string, string | undefined>;

/** Reads a file named by a *_FILE setting; throws when it cannot. */
export type ReadFile = (path: string) => string;

/** What the offline checks could make of the settings, for the live check (absent when unusable). */
export interface UsableSetup {
  baseUrl: string;
  mode: WechatPayMode;
  mchid: string;
  serialNo: string;
  privateKey: KeyObject;
  apiV3Key: string;
  publicKey?: { id: string; key: KeyObject };
  platformCertificates: boolean;
}

export const WECHAT_API_HOSTS = ["https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com"];
export const MCHID_RE = /^\d{8,10}$/;
export const APPID_RE = /^wx[0-9a-f]{16}$/;
export const PUBLIC_KEY_ID_RE = /^PUB_KEY_ID_\d+$/;

const err = (setting: string, message: string, fix: string): Finding => ({ level: "error", setting, message, fix });
const warn = (setting: string, message: string, fix: string): Finding => ({ level: "warn", setting, message, fix });
const ok = (setting: string, message: string): Finding => ({ level: "ok", setting, message });

const blank = (v: string | undefined) => v === undefined || v === "";

function fingerprint(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(pub.export({ type: "spki", format: "der" }))
    .digest("hex");
}

/** The PEM text of NAME or NAME_FILE, or a finding saying why there is none. */
function pemSetting(raw: RawEnv, name: string, readFile: ReadFile): { pem?: string; setting: string; finding?: Finding } {
  const inline = raw[name];
  const file = raw[`${name}_FILE`];
  if (!blank(inline) && !blank(file)) {
    return {
      setting: name,
      finding: err(name, `${name} and ${name}_FILE are both set.`, `Keep one of them (preferably ${name}_FILE, a mounted secret).`),
    };
  }
  if (!blank(file)) {
    try {
      return { pem: normalisePem(readFile(file!)), setting: `${name}_FILE` };
    } catch (e) {
      return {
        setting: `${name}_FILE`,
        finding: err(
          `${name}_FILE`,
          `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
          "Check the path (inside the container: the mounted secret's path) and that the app's user may read it.",
        ),
      };
    }
  }
  if (!blank(inline)) return { pem: normalisePem(inline!), setting: name };
  return { setting: name };
}

/** What kind of PEM (or not-PEM) the text is, by its armour. */
function pemKind(pem: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
}

function checkMerchantPrivateKey(raw: RawEnv, readFile: ReadFile, production: boolean): { findings: Finding[]; key?: KeyObject } {
  const name = "WECHATPAY_MERCHANT_PRIVATE_KEY";
  const s = pemSetting(raw, name, readFile);
  if (s.finding) return { findings: [s.finding] };
  if (!s.pem) {
    return {
      findings: [
        err(
          name,
          "is not set (nor WECHATPAY_MERCHANT_PRIVATE_KEY_FILE).",
          "Point WECHATPAY_MERCHANT_PRIVATE_KEY_FILE at apiclient_key.pem from the merchant API certificate download (商户平台 → 账户中心 → API安全 → 申请API证书).",
        ),
      ],
    };
  }
  const kind = pemKind(s.pem);
  const findings: Finding[] = [];
  if (kind === undefined) {
    return {
      findings: [
        err(
          s.setting,
          "holds no PEM (no -----BEGIN … PRIVATE KEY----- line).",
          "Use the whole apiclient_key.pem file, armour lines included; in an environment variable write its line breaks as \\n.",
        ),
      ],
    };
  }
  if (kind === "CERTIFICATE") {
    return {
      findings: [
        err(
          s.setting,
          "holds a certificate (apiclient_cert.pem), not the private key.",
          "Use apiclient_key.pem from the same download; the certificate only gives the serial (WECHATPAY_MERCHANT_SERIAL_NO).",
        ),
      ],
    };
  }
  if (kind === "PUBLIC KEY") {
    return {
      findings: [
        err(s.setting, "holds a public key, not the merchant's private key.", "Use apiclient_key.pem (-----BEGIN PRIVATE KEY-----)."),
      ],
    };
  }
  if (kind === "ENCRYPTED PRIVATE KEY") {
    return {
      findings: [
        err(
          s.setting,
          "is encrypted with a passphrase; the app cannot use it.",
          "Decrypt it once: openssl pkcs8 -in encrypted.pem -out apiclient_key.pem (then keep that file secret).",
        ),
      ],
    };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(s.pem);
  } catch {
    return {
      findings: [
        err(
          s.setting,
          `does not parse as a private key (${kind}); it may be truncated or its line breaks lost.`,
          "Use the file itself (WECHATPAY_MERCHANT_PRIVATE_KEY_FILE) instead of pasting it.",
        ),
      ],
    };
  }
  if (key.asymmetricKeyType !== "rsa") {
    findings.push(
      err(s.setting, `is a ${key.asymmetricKeyType ?? "non-RSA"} key; WeChat Pay merchant keys are RSA 2048.`, "Use apiclient_key.pem."),
    );
    return { findings };
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (bits !== 2048) {
    findings.push(
      err(
        s.setting,
        `is RSA ${bits ?? "?"}; WeChat Pay merchant API keys are RSA 2048.`,
        "Use apiclient_key.pem from the merchant API certificate download.",
      ),
    );
    return { findings };
  }
  if (kind === "RSA PRIVATE KEY") {
    findings.push(
      warn(
        s.setting,
        "is PKCS#1 (-----BEGIN RSA PRIVATE KEY-----). This app can sign with it, but apiclient_key.pem is PKCS#8 and most WeChat Pay SDKs and tools accept only that.",
        "Convert it: openssl pkcs8 -topk8 -nocrypt -in key.pem -out apiclient_key.pem",
      ),
    );
  } else {
    findings.push(ok(s.setting, "parses: RSA 2048, PKCS#8."));
  }
  if (production && TEST_KEY_FINGERPRINTS.has(fingerprint(key))) {
    findings.push(err(s.setting, "is a committed TEST key; production refuses it.", "Use the merchant's own apiclient_key.pem."));
  }
  return { findings, key };
}

/** Certificate serials compare without case, separators or leading zeros (openssl prints 0F…, x509 F…). */
export function normaliseSerial(s: string): string {
  return s
    .replace(/^serial=/i, "")
    .replace(/[^0-9A-Fa-f]/g, "")
    .toUpperCase()
    .replace(/^0+/, "");
}

function checkSerial(
  raw: RawEnv,
  key: KeyObject | undefined,
  certPem: string | undefined,
  mchid: string | undefined,
  now: Date,
): Finding[] {
  const name = "WECHATPAY_MERCHANT_SERIAL_NO";
  const serial = raw[name];
  const findings: Finding[] = [];
  if (blank(serial)) {
    findings.push(
      err(
        name,
        "is not set.",
        "Read it from the certificate: openssl x509 -in apiclient_cert.pem -noout -serial (or 商户平台 → API安全 → 管理证书).",
      ),
    );
  } else if (!/^[0-9A-Fa-f]{8,64}$/.test(serial!)) {
    findings.push(
      err(
        name,
        `is not a hex serial (${serial!.length} characters${/serial=|[:\s]/i.test(serial!) ? ", with a prefix, colons or spaces" : ""}).`,
        "Set only the hex digits: openssl x509 -in apiclient_cert.pem -noout -serial prints serial=<this part>.",
      ),
    );
  } else {
    findings.push(ok(name, `is a hex serial (${serial!.length} digits).`));
  }
  if (certPem === undefined) return findings;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    findings.push(
      err("apiclient_cert.pem (--cert)", "does not parse as an X.509 certificate.", "Pass the apiclient_cert.pem of the download."),
    );
    return findings;
  }
  if (!blank(serial) && normaliseSerial(cert.serialNumber) !== normaliseSerial(serial!)) {
    findings.push(
      err(
        name,
        `is ${serial}, but apiclient_cert.pem has serial ${cert.serialNumber}: WeChat Pay would answer 401 SIGN_ERROR.`,
        `Set WECHATPAY_MERCHANT_SERIAL_NO=${cert.serialNumber} — or use the key and certificate of the same download.`,
      ),
    );
  } else if (!blank(serial)) {
    findings.push(ok(name, "matches apiclient_cert.pem."));
  }
  if (key && !cert.checkPrivateKey(key)) {
    findings.push(
      err(
        "WECHATPAY_MERCHANT_PRIVATE_KEY",
        "does not belong to apiclient_cert.pem (another download's key?).",
        "Use apiclient_key.pem and apiclient_cert.pem from the same certificate download, or download a new pair.",
      ),
    );
  }
  if (new Date(cert.validTo) < now) {
    findings.push(
      err("apiclient_cert.pem (--cert)", `expired on ${cert.validTo}.`, "Renew it: 商户平台 → 账户中心 → API安全 → 管理证书 → 更换证书."),
    );
  } else if (new Date(cert.validTo).getTime() - now.getTime() < 30 * 86_400_000) {
    findings.push(
      warn("apiclient_cert.pem (--cert)", `expires on ${cert.validTo}.`, "Renew it before then (商户平台 → API安全 → 管理证书)."),
    );
  }
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  if (cn && mchid && /^\d+$/.test(cn) && cn !== mchid) {
    findings.push(
      warn(
        "apiclient_cert.pem (--cert)",
        `is the certificate of merchant ${cn}, not of WECHATPAY_COMBINE_MCHID ${mchid}.`,
        "Use the certificate (and key, serial) of the combine initiator's merchant id.",
      ),
    );
  }
  return findings;
}

function checkApiV3Key(raw: RawEnv, production: boolean): Finding[] {
  const name = "WECHATPAY_APIV3_KEY";
  const k = raw[name];
  const fix = "Copy the APIv3 key (32 characters, set at 商户平台 → 账户中心 → API安全 → 设置APIv3密钥); it is not the APIv2 key.";
  if (blank(k)) return [err(name, "is not set.", fix)];
  if (k !== k!.trim()) return [err(name, "has spaces or a line break at its start or end (copied with them?).", "Remove them: " + fix)];
  if (!/^[\x21-\x7e]*$/.test(k!))
    return [err(name, "contains non-ASCII or control characters; the key is 32 printable ASCII characters.", fix)];
  if (k!.length !== 32) return [err(name, `is ${k!.length} bytes; it must be exactly 32 ASCII bytes.`, fix)];
  if (production && createHash("sha256").update(k!).digest("hex") === TEST_APIV3_KEY_SHA256) {
    return [err(name, "is the committed TEST key; production refuses it.", fix)];
  }
  return [ok(name, "is 32 ASCII bytes.")];
}

function checkPublicKey(
  raw: RawEnv,
  readFile: ReadFile,
  merchantKey: KeyObject | undefined,
  production: boolean,
): { findings: Finding[]; publicKey?: { id: string; key: KeyObject }; platformCertificates: boolean } {
  const name = "WECHATPAY_PUBLIC_KEY";
  const findings: Finding[] = [];
  const certMode = ["1", "true"].includes(raw.WECHATPAY_PLATFORM_CERTIFICATES ?? "");
  const s = pemSetting(raw, name, readFile);
  const id = raw.WECHATPAY_PUBLIC_KEY_ID;
  if (s.finding) return { findings: [s.finding], platformCertificates: certMode };
  const download =
    "Download it at 商户平台 → 账户中心 → API安全 → 微信支付公钥 (pub_key.pem) and note its id (PUB_KEY_ID_…) shown next to it.";
  if (!s.pem) {
    if (!blank(id)) findings.push(err(name, "is not set, but WECHATPAY_PUBLIC_KEY_ID is.", download));
    if (certMode) {
      findings.push(
        warn(
          "WECHATPAY_PLATFORM_CERTIFICATES",
          "certificate mode: WeChat's platform certificates are downloaded at run time (--live checks they come and verify).",
          "New merchants get 微信支付公钥 only; set WECHATPAY_PUBLIC_KEY_FILE and WECHATPAY_PUBLIC_KEY_ID when yours has one.",
        ),
      );
    } else {
      findings.push(
        err(name, "is not set and certificate mode is off: nothing could verify WeChat Pay's answers and notifications.", download),
      );
    }
    return { findings, platformCertificates: certMode };
  }
  const kind = pemKind(s.pem);
  if (kind === "CERTIFICATE") {
    findings.push(
      err(
        s.setting,
        "holds a certificate (a platform certificate?), not the 微信支付公钥.",
        `${download} For platform certificates set WECHATPAY_PLATFORM_CERTIFICATES=1 instead.`,
      ),
    );
    return { findings, platformCertificates: certMode };
  }
  if (kind !== undefined && kind.includes("PRIVATE KEY")) {
    findings.push(
      err(
        s.setting,
        "holds a PRIVATE key. WeChat Pay's public key is public; no WeChat private key is ever needed.",
        `Remove it. ${download}`,
      ),
    );
    return { findings, platformCertificates: certMode };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(s.pem);
  } catch {
    findings.push(err(s.setting, "does not parse as a public key (-----BEGIN PUBLIC KEY-----).", download));
    return { findings, platformCertificates: certMode };
  }
  if (key.asymmetricKeyType !== "rsa" || key.asymmetricKeyDetails?.modulusLength !== 2048) {
    findings.push(
      err(
        s.setting,
        `is ${key.asymmetricKeyType ?? "?"} ${key.asymmetricKeyDetails?.modulusLength ?? ""}; WeChat Pay's public key is RSA 2048.`,
        download,
      ),
    );
    return { findings, platformCertificates: certMode };
  }
  if (merchantKey && fingerprint(merchantKey) === fingerprint(key)) {
    findings.push(
      err(s.setting, "is the merchant's OWN public key (it matches WECHATPAY_MERCHANT_PRIVATE_KEY), not WeChat Pay's.", download),
    );
    return { findings, platformCertificates: certMode };
  }
  if (production && TEST_KEY_FINGERPRINTS.has(fingerprint(key))) {
    findings.push(err(s.setting, "is a committed TEST key; production refuses it.", download));
    return { findings, platformCertificates: certMode };
  }
  findings.push(ok(s.setting, "parses: RSA 2048 public key."));
  if (blank(id)) {
    findings.push(err("WECHATPAY_PUBLIC_KEY_ID", "is not set; it is required with the public key.", download));
    return { findings, platformCertificates: certMode };
  }
  if (!PUBLIC_KEY_ID_RE.test(id!)) {
    findings.push(
      err(
        "WECHATPAY_PUBLIC_KEY_ID",
        `is "${id!.slice(0, 40)}"; a public key id looks like PUB_KEY_ID_ followed by digits${/^[0-9A-F]{30,}$/i.test(id!) ? " (this looks like a certificate serial)" : ""}.`,
        download,
      ),
    );
    return { findings, platformCertificates: certMode };
  }
  findings.push(ok("WECHATPAY_PUBLIC_KEY_ID", "looks like PUB_KEY_ID_…."));
  return { findings, publicKey: { id: id!, key }, platformCertificates: certMode };
}

function checkIds(raw: RawEnv): Finding[] {
  const findings: Finding[] = [];
  const mchid = raw.WECHATPAY_COMBINE_MCHID;
  if (blank(mchid) || !MCHID_RE.test(mchid!)) {
    findings.push(
      err(
        "WECHATPAY_COMBINE_MCHID",
        blank(mchid) ? "is not set." : `is "${mchid}"; a merchant id (商户号) is 8–10 digits.`,
        "Set the combine initiator's 商户号 (the service provider's in partner mode): 商户平台 → 账户中心 → 商户信息.",
      ),
    );
  } else findings.push(ok("WECHATPAY_COMBINE_MCHID", "is a merchant id (8–10 digits)."));
  const appid = raw.WECHATPAY_COMBINE_APPID;
  if (blank(appid) || !APPID_RE.test(appid!)) {
    const hint = appid?.startsWith("gh_")
      ? " (this is an official account's original id, 原始ID)"
      : appid?.startsWith("ww")
        ? " (this is a WeCom corp id)"
        : "";
    findings.push(
      err(
        "WECHATPAY_COMBINE_APPID",
        blank(appid) ? "is not set." : `is "${appid}"; an AppID is wx followed by 16 hex digits${hint}.`,
        "Use the AppID bound to WECHATPAY_COMBINE_MCHID (商户平台 → 产品中心 → AppID账号管理; the official account's 设置与开发 → 基本配置).",
      ),
    );
  } else findings.push(ok("WECHATPAY_COMBINE_APPID", "is an AppID (wx + 16 hex)."));
  const mode = raw.WECHATPAY_MODE ?? "partner";
  if (!["partner", "direct", ""].includes(mode)) {
    findings.push(err("WECHATPAY_MODE", `is "${mode}".`, 'Set "partner" (service provider, default) or "direct".'));
  }
  return findings;
}

function checkUrls(raw: RawEnv, production: boolean): Finding[] {
  const findings: Finding[] = [];
  const name = "APP_BASE_URL";
  const value = raw[name];
  const problem = production ? err : warn;
  if (blank(value)) {
    findings.push(
      problem(
        name,
        "is not set (http://localhost:3000 is assumed): WeChat cannot reach a notify URL there.",
        "Set the public https URL, e.g. https://shop.example.com.",
      ),
    );
  } else {
    let u: URL | undefined;
    try {
      u = new URL(value!);
    } catch {
      findings.push(err(name, `is not an absolute URL ("${value}").`, "Set e.g. https://shop.example.com."));
    }
    if (u) {
      const host = u.hostname.replace(/^\[|\]$/g, "");
      const local = host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1" || host === "0.0.0.0";
      const before = findings.length;
      if (u.search || u.hash) {
        findings.push(
          err(
            name,
            "has a query or fragment; notify_url (APP_BASE_URL/api/wechatpay/notify) must have none.",
            "Remove everything from ? or # on.",
          ),
        );
      }
      if (u.protocol !== "https:") {
        findings.push(
          problem(
            name,
            "is not https: WeChat Pay only calls https notify URLs.",
            "Terminate TLS at the proxy and set APP_BASE_URL=https://your.domain.",
          ),
        );
      }
      if (local) {
        findings.push(
          problem(name, `is local (${host}): WeChat Pay cannot reach it.`, "Set the public domain shoppers and WeChat Pay use."),
        );
      } else if (isIP(host)) {
        findings.push(
          problem(
            name,
            `is an IP address (${host}): H5 payment needs a domain (the H5 domain configured at WeChat Pay, ICP-filed under the merchant).`,
            "Set the shop's domain.",
          ),
        );
      }
      const notify = `${value!.replace(/\/+$/, "")}/api/wechatpay/notify`;
      if (notify.length > 255)
        findings.push(err(name, "is too long: notify_url must be at most 255 characters.", "Use a shorter base URL."));
      if (findings.length === before) findings.push(ok(name, `gives notify_url ${notify}.`));
    }
  }
  const base = raw.WECHATPAY_BASE_URL;
  if (!blank(base) && !WECHAT_API_HOSTS.includes(base!.replace(/\/+$/, ""))) {
    const f = production && !base!.startsWith("https://") ? err : warn;
    findings.push(
      f(
        "WECHATPAY_BASE_URL",
        `is ${base}, not WeChat Pay's API (${WECHAT_API_HOSTS[0]}).`,
        "Leave it unset in production (the fake WeChat Pay is for development and tests only).",
      ),
    );
  }
  return findings;
}

const WEAK_TOKENS = ["password", "changeme", "secret", "admin", "123456", "qwerty", "letmein", "e2e-admin-token"];

function checkAdminToken(raw: RawEnv, production: boolean): Finding[] {
  const name = "ADMIN_TOKEN";
  const t = raw[name];
  const fix = "Generate one: openssl rand -base64 32";
  if (blank(t)) return [warn(name, "is not set: the back office (/admin) is disabled.", `${fix} — if you want the back office.`)];
  const min = production ? ADMIN_TOKEN_MIN_PRODUCTION : 16;
  if (t!.length < min)
    return [err(name, `is ${t!.length} characters; at least ${min} are required${production ? " in production" : ""}.`, fix)];
  const lower = t!.toLowerCase();
  if (WEAK_TOKENS.some((w) => lower.includes(w))) return [err(name, "contains a well-known word or the test token: guessable.", fix)];
  const distinct = new Set(t!).size;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(t!)).length;
  if (distinct < 10 || (classes < 2 && t!.length < 40)) {
    return [err(name, `has little variety (${distinct} distinct characters, ${classes} character classes): guessable.`, fix)];
  }
  return [ok(name, `is ${t!.length} characters with ${distinct} distinct ones.`)];
}

export const WECHAT_OPEN_HOST = "https://open.weixin.qq.com";
export const WECHAT_API_HOST = "https://api.weixin.qq.com";

/**
 * WECHAT_JSAPI_* (README "Paying inside WeChat (JSAPI)"): off says so; on needs the 服务号 AppID and its AppSecret
 * (never echoed: only its length is named), WeChat's real hosts in production and no bridge shim there.
 */
export function checkJsapi(raw: RawEnv, readFile: ReadFile, production: boolean): Finding[] {
  const flag = raw.WECHAT_JSAPI_ENABLED;
  if (blank(flag) || flag === "false" || flag === "0") {
    return [ok("WECHAT_JSAPI_ENABLED", "is off: inside WeChat shoppers get the open-in-browser guide (H5 only).")];
  }
  const findings: Finding[] = [];
  const appid = raw.WECHAT_MP_APPID;
  if (blank(appid)) {
    findings.push(
      err("WECHAT_MP_APPID", "is not set, and JSAPI is on.", "Set the AppID of the verified 服务号 bound to your mchid (wx…)."),
    );
  } else if (!APPID_RE.test(appid!)) {
    findings.push(
      err(
        "WECHAT_MP_APPID",
        `("${appid}") does not look like an AppID (wx + 16 hex characters).`,
        "Copy it from 公众平台 → 设置与开发 → 基本配置.",
      ),
    );
  } else {
    const same = appid === raw.WECHATPAY_COMBINE_APPID ? " (the same appid as H5: fine when it is the 服务号)" : "";
    findings.push(ok("WECHAT_MP_APPID", `is ${appid}${same}; it must be a verified 服务号 bound to the mchid.`));
  }
  let secretText: string | undefined;
  let secretSetting = "WECHAT_MP_APPSECRET";
  if (!blank(raw.WECHAT_MP_APPSECRET) && !blank(raw.WECHAT_MP_APPSECRET_FILE)) {
    findings.push(err(secretSetting, "and WECHAT_MP_APPSECRET_FILE are both set.", "Keep one (preferably the _FILE, a mounted secret)."));
  } else if (!blank(raw.WECHAT_MP_APPSECRET_FILE)) {
    secretSetting = "WECHAT_MP_APPSECRET_FILE";
    try {
      secretText = readFile(raw.WECHAT_MP_APPSECRET_FILE!).trim();
    } catch {
      findings.push(
        err(secretSetting, `cannot read ${raw.WECHAT_MP_APPSECRET_FILE}.`, "Check the path and that the app's user may read it."),
      );
    }
  } else {
    secretText = raw.WECHAT_MP_APPSECRET;
  }
  if (blank(secretText) && !findings.some((f) => f.setting.startsWith("WECHAT_MP_APPSECRET"))) {
    findings.push(err(secretSetting, "is not set, and JSAPI is on.", "Set the 服务号's AppSecret (公众平台 → 设置与开发 → 基本配置)."));
  } else if (secretText !== undefined && !blank(secretText)) {
    findings.push(
      /^[0-9a-f]{32}$/i.test(secretText)
        ? ok(secretSetting, "is set (32 hex characters).")
        : warn(
            secretSetting,
            `is ${secretText.length} characters; an AppSecret is 32 hex characters.`,
            "Copy it again from 基本配置 (reset it if unsure).",
          ),
    );
  }
  for (const [name, real] of [
    ["WECHAT_OPEN_BASE_URL", WECHAT_OPEN_HOST],
    ["WECHAT_API_BASE_URL", WECHAT_API_HOST],
  ] as const) {
    const v = raw[name];
    if (!blank(v) && v!.replace(/\/+$/, "") !== real) {
      const f = production && !v!.startsWith("https://") ? err : warn;
      findings.push(
        f(name, `is ${v}, not WeChat's ${real}.`, "Leave it unset in production (the fake is for development and tests only)."),
      );
    }
  }
  if (!blank(raw.WECHAT_JSBRIDGE_SHIM_URL)) {
    findings.push(
      (production ? err : warn)(
        "WECHAT_JSBRIDGE_SHIM_URL",
        "is set: the pay pages load the fake's WeixinJSBridge instead of WeChat's.",
        "Unset it: the shim is for tests and npm run dev only.",
      ),
    );
  }
  return findings;
}

export interface OfflineInput {
  raw: RawEnv;
  readFile: ReadFile;
  /** apiclient_cert.pem's text (doctor --cert), to compare the serial and the key. */
  certPem?: string;
  now: Date;
}

export function isProduction(raw: RawEnv): boolean {
  return raw.NODE_ENV === "production";
}

/** Every offline check of the WeChat Pay and app settings. */
export function offlineChecks(input: OfflineInput): { findings: Finding[]; setup?: UsableSetup } {
  const { raw, readFile, now } = input;
  const production = isProduction(raw);
  const findings: Finding[] = [];
  // WECHATPAY_PREPAY_MAX_PER_SECOND is a limit, not part of a WeChat identity: setting it keeps zero-config.
  const identityVar = (k: string) => k.startsWith("WECHATPAY_") && k !== "WECHATPAY_PREPAY_MAX_PER_SECOND";
  if (!production && Object.keys(raw).every((k) => !identityVar(k) || blank(raw[k]))) {
    // lib/env.ts's zero-config development: the app uses the local fake and the committed test keys.
    findings.push(
      warn(
        "WECHATPAY_*",
        "none is set: zero-config development (the local fake WeChat Pay and the TEST keys); there is no real setup to check.",
        "Set the WECHATPAY_* variables of the merchant (.env.example), then run the doctor again (with --live).",
      ),
      ...checkUrls(raw, production),
      ...checkAdminToken(raw, production),
      ...checkJsapi(raw, readFile, production),
    );
    return { findings };
  }
  findings.push(...checkIds(raw));
  const merchant = checkMerchantPrivateKey(raw, readFile, production);
  findings.push(...merchant.findings);
  findings.push(...checkSerial(raw, merchant.key, input.certPem, raw.WECHATPAY_COMBINE_MCHID, now));
  findings.push(...checkApiV3Key(raw, production));
  const pub = checkPublicKey(raw, readFile, merchant.key, production);
  findings.push(...pub.findings);
  findings.push(...checkUrls(raw, production));
  findings.push(...checkAdminToken(raw, production));
  findings.push(...checkJsapi(raw, readFile, production));

  // lib/env.ts's own start-up check (the app refuses to start on it): reported unless a finding above names
  // the same setting already — the doctor explains, the app only stops at the first problem.
  try {
    parseEnv(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const named = findings.some((f) => f.level === "error" && (f.setting === e.variable || f.setting.startsWith(`${e.variable}_`)));
    if (!named)
      findings.push(
        err(
          e.variable,
          `stops the app at start-up: ${e.message.replace(/^Invalid configuration: /, "")}.`,
          'See .env.example and README "Configuration".',
        ),
      );
  }

  const usable =
    !findings.some((f) => f.level === "error" && f.setting.startsWith("WECHATPAY_")) &&
    merchant.key !== undefined &&
    (pub.publicKey || pub.platformCertificates);
  const setup: UsableSetup | undefined = usable
    ? {
        baseUrl: (raw.WECHATPAY_BASE_URL || WECHAT_API_HOSTS[0]!).replace(/\/+$/, ""),
        mode: raw.WECHATPAY_MODE === "direct" ? "direct" : "partner",
        mchid: raw.WECHATPAY_COMBINE_MCHID!,
        serialNo: raw.WECHATPAY_MERCHANT_SERIAL_NO!.toUpperCase(),
        privateKey: merchant.key!,
        apiV3Key: raw.WECHATPAY_APIV3_KEY!,
        publicKey: pub.publicKey,
        platformCertificates: pub.platformCertificates,
      }
    : undefined;
  return { findings, setup };
}

export interface StoreRow {
  id: string;
  name: string;
  subMchid: string;
  mchid: string | null;
  active: boolean;
  /** 支持微信内支付 (Store.jsapiEnabled); undefined when the database predates the column */
  jsapiEnabled?: boolean;
}

/**
 * With JSAPI on, only carts whose stores all have 支持微信内支付 pay inside WeChat (README "Paying inside WeChat
 * (JSAPI)"): none ticked means every WeChat shopper still gets the guide.
 */
export function jsapiStoreChecks(stores: StoreRow[], jsapiOn: boolean): Finding[] {
  if (!jsapiOn) return [];
  const active = stores.filter((s) => s.active);
  const ready = active.filter((s) => s.jsapiEnabled);
  if (active.length === 0) return [];
  if (ready.length === 0) {
    return [
      warn(
        "stores (JSAPI)",
        "JSAPI is on, but no active store has 支持微信内支付 ticked: inside WeChat every cart still gets the open-in-browser guide.",
        "Once a store has authorised the provider's JSAPI product (特约商户授权产品 → 已授权), tick it in the back office (店铺).",
      ),
    ];
  }
  const notReady = active.length - ready.length;
  return [
    ok(
      "stores (JSAPI)",
      `${ready.length} of ${active.length} active store(s) pay inside WeChat${notReady ? `; a cart with any of the other ${notReady} gets the guide` : ""}.`,
    ),
  ];
}

export function storeChecks(stores: StoreRow[], mode: WechatPayMode, combineMchid: string | undefined): Finding[] {
  const findings: Finding[] = [];
  const active = stores.filter((s) => s.active);
  if (active.length === 0) {
    findings.push(
      warn("stores", "no active store: the cart sells nothing.", "Add stores in the back office (店铺) or with npm run catalog:import."),
    );
  }
  for (const s of active) {
    const setting = `store ${s.id} (${s.name})`;
    if (!MCHID_RE.test(s.subMchid)) {
      findings.push(err(setting, `has sub_mchid "${s.subMchid}"; a 特约商户号 is 8–10 digits.`, "Correct it in the back office (店铺)."));
    } else if (s.subMchid === combineMchid && mode === "partner") {
      findings.push(
        err(
          setting,
          "has the service provider's own mchid as sub_mchid.",
          "Use the store's 特约商户号 (sub-merchant id) given at onboarding.",
        ),
      );
    }
    if (mode === "direct" && (!s.mchid || !MCHID_RE.test(s.mchid))) {
      findings.push(
        err(
          setting,
          s.mchid
            ? `has mchid "${s.mchid}"; a merchant id is 8–10 digits.`
            : "has no mchid: direct mode needs each store's own merchant id.",
          "Set the store's 商户号 in the back office, or use partner mode.",
        ),
      );
    }
  }
  if (active.length && !findings.some((f) => f.level === "error")) {
    findings.push(ok("stores", `${active.length} active store(s): ids have the right shape (${mode} mode).`));
  }
  return findings;
}

export interface DatabaseState {
  /** undefined when the database could not be reached; the reason in `error`. */
  applied?: string[];
  expected: string[];
  error?: string;
  /** SQLite: the database file does not exist. */
  missingFile?: boolean;
}

export function databaseChecks(state: DatabaseState): Finding[] {
  if (state.applied === undefined && state.missingFile) {
    return [
      err(
        "DATABASE_URL",
        `${state.error ?? "no database file"}.`,
        "Create and migrate it: npm run db:deploy (npm run db:setup also seeds the demo catalogue).",
      ),
    ];
  }
  if (state.applied === undefined) {
    return [
      err(
        "DATABASE_URL",
        `cannot be reached: ${state.error ?? "no answer"}.`,
        "Check host, port, user, password and database name, and that the server lets this host in (sslmode=require outside a private network).",
      ),
    ];
  }
  const applied = new Set(state.applied);
  const pending = state.expected.filter((m) => !applied.has(m));
  if (pending.length) {
    return [
      err(
        "DATABASE_URL",
        `is reachable, but ${pending.length} migration(s) of this build are not applied (${pending.join(", ")}).`,
        "Run the migrations once: npm run db:deploy (container image: docker run … <image> migrate).",
      ),
    ];
  }
  return [ok("DATABASE_URL", `reachable; all ${state.expected.length} migrations applied.`)];
}

/** What the live call brought back (lib/ops/doctor.ts makes it). */
export interface LiveResult {
  /** HTTP status, or undefined when no answer came. */
  status?: number;
  code?: string;
  message?: string;
  /** Transport failure (no answer). */
  networkError?: string;
  /** Whether the answer's signature verified with the configured key/certificates; the reason when not. */
  signature: { verified: true } | { verified: false; reason: string; serial?: string } | { verified: "unsigned" };
  /** The answer's Date header. */
  date?: string;
  requestId?: string;
  /** Certificate mode: the certificate download's failure, if any. */
  certificateError?: string;
}

export const MAX_SKEW_SECONDS = 300;

export function liveChecks(r: LiveResult, setup: UsableSetup, now: Date): Finding[] {
  const findings: Finding[] = [];
  const rid = r.requestId ? ` (Request-ID ${r.requestId})` : "";
  if (r.networkError !== undefined) {
    return [
      err(
        "WECHATPAY_BASE_URL",
        `no answer from ${setup.baseUrl}: ${r.networkError}.`,
        "Check outbound HTTPS (firewall, proxy, DNS) from this host to api.mch.weixin.qq.com:443.",
      ),
    ];
  }
  const signing = "WECHATPAY_MERCHANT_SERIAL_NO + WECHATPAY_MERCHANT_PRIVATE_KEY";
  if (r.status === 404 && r.code === "ORDER_NOT_EXIST") {
    findings.push(
      ok(signing, `accepted by WeChat Pay for mchid ${setup.mchid}: a query of a random order answered ORDER_NOT_EXIST${rid}.`),
    );
  } else if (r.code === "SIGN_ERROR" || r.status === 401) {
    findings.push(
      err(
        signing,
        `refused by WeChat Pay: ${r.status} ${r.code ?? ""} "${r.message ?? ""}"${rid}. The mchid, the certificate serial and the private key do not belong together (or the clock is off by more than 5 minutes).`,
        "Check: openssl x509 -in apiclient_cert.pem -noout -serial equals WECHATPAY_MERCHANT_SERIAL_NO; apiclient_key.pem comes from the same download; the certificate is WECHATPAY_COMBINE_MCHID's; run doctor --cert apiclient_cert.pem.",
      ),
    );
  } else if (r.code === "NO_AUTH" || r.status === 403) {
    findings.push(
      err(
        "WECHATPAY_COMBINE_MCHID",
        `has no permission for combine payment: ${r.status} ${r.code ?? ""} "${r.message ?? ""}"${rid}.`,
        "Apply for 合单支付 for this merchant (商户平台/服务商平台 → 产品中心), and check the mchid is the combine initiator's.",
      ),
    );
  } else if (r.code === "INVALID_REQUEST" || r.code === "PARAM_ERROR" || r.status === 400) {
    findings.push(
      err(
        "WECHATPAY_COMBINE_MCHID",
        `WeChat Pay refused the request: ${r.status} ${r.code ?? ""} "${r.message ?? ""}"${rid}.`,
        "Its message names the field; usually the mchid is not the one the certificate belongs to, or a proxy rewrote the request.",
      ),
    );
  } else if (r.status !== undefined && r.status >= 500) {
    findings.push(
      warn(
        "WECHATPAY_BASE_URL",
        `WeChat Pay answered ${r.status} ${r.code ?? ""}${rid}; nothing was proven.`,
        "Run doctor --live again later.",
      ),
    );
  } else if (r.status !== undefined && r.status < 300) {
    findings.push(ok(signing, `accepted by WeChat Pay (${r.status})${rid}.`));
  } else {
    findings.push(
      warn(
        signing,
        `unexpected answer ${r.status} ${r.code ?? ""} "${r.message ?? ""}"${rid}.`,
        "Look the code up in docs/wechatpay.md §9.",
      ),
    );
  }

  if (r.certificateError !== undefined) {
    findings.push(
      err(
        "WECHATPAY_PLATFORM_CERTIFICATES",
        `the platform certificates could not be downloaded: ${r.certificateError}.`,
        "Certificate mode needs GET /v3/certificates to work (and the right APIv3 key to decrypt them); new merchants use 微信支付公钥 instead.",
      ),
    );
  }
  const verifier = setup.publicKey ? `WECHATPAY_PUBLIC_KEY (${setup.publicKey.id})` : "the platform certificates";
  if (r.signature.verified === true) {
    findings.push(
      ok(setup.publicKey ? "WECHATPAY_PUBLIC_KEY" : "WECHATPAY_PLATFORM_CERTIFICATES", `the answer's signature verifies with ${verifier}.`),
    );
  } else if (r.signature.verified === "unsigned") {
    findings.push(
      warn(
        "WECHATPAY_PUBLIC_KEY",
        "the answer carried no Wechatpay-Signature (a gateway or proxy answered?): the public key could not be checked.",
        "Run doctor --live again; make sure nothing between this host and WeChat Pay rewrites answers.",
      ),
    );
  } else {
    const serial = r.signature.serial;
    if (serial && setup.publicKey && serial.startsWith("PUB_KEY_ID_") && serial !== setup.publicKey.id) {
      findings.push(
        err(
          "WECHATPAY_PUBLIC_KEY_ID",
          `is ${setup.publicKey.id}, but WeChat Pay signs with ${serial}.`,
          `Set WECHATPAY_PUBLIC_KEY_ID=${serial} and the public key of that id (商户平台 → API安全 → 微信支付公钥).`,
        ),
      );
    } else if (serial && !serial.startsWith("PUB_KEY_ID_") && !setup.platformCertificates) {
      findings.push(
        err(
          "WECHATPAY_PLATFORM_CERTIFICATES",
          `WeChat Pay signs this merchant's answers with platform certificate ${serial}, and certificate mode is off.`,
          "Set WECHATPAY_PLATFORM_CERTIFICATES=1 (keep the public key too: that is the migration mode), or finish switching to 微信支付公钥 in 商户平台.",
        ),
      );
    } else {
      findings.push(
        err(
          setup.publicKey ? "WECHATPAY_PUBLIC_KEY" : "WECHATPAY_PLATFORM_CERTIFICATES",
          `the answer's signature does not verify with ${verifier} (${r.signature.reason}${serial ? `, signed by ${serial}` : ""}): answers and notifications would all be refused.`,
          setup.publicKey
            ? "Download the 微信支付公钥 again (商户平台 → API安全) and check its id."
            : "Check WECHATPAY_APIV3_KEY (it decrypts the certificates).",
        ),
      );
    }
  }

  if (r.date) {
    const skew = Math.round((now.getTime() - new Date(r.date).getTime()) / 1000);
    const text = `this host's clock is ${Math.abs(skew)} s ${skew >= 0 ? "ahead of" : "behind"} WeChat Pay's (its Date header).`;
    if (Math.abs(skew) >= MAX_SKEW_SECONDS) {
      findings.push(
        err(
          "system clock",
          `${text} Signatures more than 5 minutes off are refused both ways.`,
          "Sync the clock (NTP: timedatectl set-ntp true, chrony).",
        ),
      );
    } else if (Math.abs(skew) >= 60) {
      findings.push(warn("system clock", text, "Sync the clock (NTP) before it drifts past 5 minutes."));
    } else {
      findings.push(ok("system clock", `within ${Math.max(1, Math.abs(skew))} s of WeChat Pay's.`));
    }
  }
  return findings;
}

const MARK: Record<Level, string> = { error: "✗", warn: "!", ok: "✓" };

/** The report printed by `npm run doctor`: one block per finding, then a summary line. */
export function formatReport(findings: Finding[], opts: { showOk?: boolean } = {}): string {
  const shown = opts.showOk === false ? findings.filter((f) => f.level !== "ok") : findings;
  const lines = shown.map((f) => `${MARK[f.level]} ${f.setting}: ${f.message}${f.fix ? `\n    fix: ${f.fix}` : ""}`);
  const errors = findings.filter((f) => f.level === "error").length;
  const warnings = findings.filter((f) => f.level === "warn").length;
  lines.push(
    "",
    errors ? `${errors} error(s), ${warnings} warning(s): fix the errors before taking payments.` : `no errors, ${warnings} warning(s).`,
  );
  return lines.join("\n");
}
