// `npm run doctor` (lib/ops/doctor.ts, lib/ops/doctor-checks.ts) against the fake WeChat Pay and a real
// database: one fully correct configuration passes --live; a table of deliberately broken settings each yields
// its own message naming the setting (and, for errors, a fix), and an error exit code. Settings lib/env.ts
// would refuse at start-up are reported as findings, never as a crash.
import { generateKeyPairSync, createPrivateKey } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor, type DoctorOptions } from "@/lib/ops/doctor";
import { formatReport, liveChecks, type Finding, type UsableSetup } from "@/lib/ops/doctor-checks";
import { startFakeWechatPay, type RunningFakeWechatPay } from "../fake-wechatpay/server";
import { freshDatabaseUrl } from "../support/test-db";
import { testAppEnv, testKeyFiles, testKeys } from "../support/test-identity";

const root = path.resolve(import.meta.dirname, "../..");
const tmp = path.join(root, ".data", `doctor-${process.pid}`);
const STRONG_TOKEN = "Zq8v1Lr0Xw3Tn5Pk7Jm9Hc2Fb4Dy6Gs8A=";

let fake: RunningFakeWechatPay;
let certFake: RunningFakeWechatPay;
let databaseUrl: string;
const files: Record<string, string> = {};
const keyLines = fs
  .readFileSync(testKeyFiles.merchantPrivateKey, "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("-----"));

function write(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

beforeAll(async () => {
  fs.mkdirSync(tmp, { recursive: true });
  fake = await startFakeWechatPay({ port: 0, host: "127.0.0.1" });
  certFake = await startFakeWechatPay({ port: 0, host: "127.0.0.1", verifyMode: "certificate" });
  databaseUrl = freshDatabaseUrl("doctor");
  const merchant = createPrivateKey(fs.readFileSync(testKeyFiles.merchantPrivateKey, "utf8"));
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
  files.pkcs1 = write("pkcs1.pem", merchant.export({ type: "pkcs1", format: "pem" }) as string);
  files.encrypted = write(
    "encrypted.pem",
    merchant.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" }) as string,
  );
  files.rsa1024 = write(
    "rsa1024.pem",
    generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  );
  files.ec = write(
    "ec.pem",
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }) as string,
  );
  files.otherPrivate = write("other-private.pem", other.privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  files.otherPublic = write("other-public.pem", other.publicKey.export({ type: "spki", format: "pem" }) as string);
  files.garbage = write("garbage.pem", "not a key at all");
});

afterAll(async () => {
  await fake?.close();
  await certFake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The correct configuration for the fake (development: the fake's http URL and test keys are allowed). */
function goodEnv(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const e: Record<string, string | undefined> = {
    ...testAppEnv({ wechatpayBaseUrl: fake.url, appBaseUrl: "https://shop.example.com", databaseUrl }),
    NODE_ENV: "development",
    ADMIN_TOKEN: STRONG_TOKEN,
    WECHATPAY_UNSAFE_ALLOW_TEST_SETUP: undefined,
  };
  return { ...e, ...over };
}

const doctor = (env: Record<string, string | undefined>, o: Partial<DoctorOptions> = {}) => runDoctor({ env, live: true, ...o });

describe("npm run doctor", () => {
  it("a fully correct configuration passes, live against the fake: keys, public key, clock, database, stores", async () => {
    const { findings, exitCode } = await doctor(goodEnv(), { certFile: path.join(root, "tests/fixtures/keys/merchant-certificate.pem") });
    const report = formatReport(findings);
    expect(exitCode, report).toBe(0);
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
    const oks = findings.filter((f) => f.level === "ok").map((f) => `${f.setting}: ${f.message}`);
    expect(oks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^WECHATPAY_MERCHANT_SERIAL_NO \+ WECHATPAY_MERCHANT_PRIVATE_KEY: accepted by WeChat Pay .*ORDER_NOT_EXIST/),
        expect.stringMatching(/^WECHATPAY_PUBLIC_KEY: the answer's signature verifies with WECHATPAY_PUBLIC_KEY \(PUB_KEY_ID_/),
        expect.stringMatching(/^system clock: within \d+ s/),
        expect.stringMatching(/^DATABASE_URL: reachable; all \d+ migrations applied/),
        expect.stringMatching(/^stores: \d+ active store\(s\): ids have the right shape \(partner mode\)/),
        "WECHATPAY_MERCHANT_SERIAL_NO: matches apiclient_cert.pem.",
        "WECHATPAY_APIV3_KEY: is 32 ASCII bytes.",
      ]),
    );
    // development against the fake: its http URL is a warning, not an error
    expect(findings.find((f) => f.setting === "WECHATPAY_BASE_URL")?.level).toBe("warn");
  });

  it("certificate mode: the downloaded platform certificates verify the answer", async () => {
    const env = goodEnv({
      WECHATPAY_BASE_URL: certFake.url,
      WECHATPAY_PUBLIC_KEY_FILE: undefined,
      WECHATPAY_PUBLIC_KEY_ID: undefined,
      WECHATPAY_PLATFORM_CERTIFICATES: "1",
    });
    const { findings, exitCode } = await doctor(env);
    expect(exitCode, formatReport(findings)).toBe(0);
    expect(findings).toContainEqual(
      expect.objectContaining({
        level: "ok",
        setting: "WECHATPAY_PLATFORM_CERTIFICATES",
        message: expect.stringMatching(/verifies with the platform certificates/),
      }),
    );
  });

  // [case, settings changed, doctor options, the expected finding's setting, level and message]
  type Case = [string, () => Record<string, string | undefined>, Partial<DoctorOptions>, string, "error" | "warn", RegExp];
  const cases: Case[] = [
    [
      "PKCS#1 private key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.pkcs1 }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "warn",
      /is PKCS#1/,
    ],
    [
      "certificate instead of the key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: path.join(root, "tests/fixtures/keys/merchant-certificate.pem") }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /holds a certificate \(apiclient_cert\.pem\)/,
    ],
    [
      "public key instead of the private key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: testKeyFiles.merchantPublicKey }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /holds a public key, not the merchant's private key/,
    ],
    [
      "encrypted private key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.encrypted }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /encrypted with a passphrase/,
    ],
    [
      "RSA 1024 key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.rsa1024 }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /is RSA 1024/,
    ],
    [
      "EC key",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.ec }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /is a ec key/,
    ],
    [
      "no PEM at all",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.garbage }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /holds no PEM/,
    ],
    [
      "key file missing",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: path.join(tmp, "nope.pem") }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY_FILE",
      "error",
      /cannot read .*ENOENT/,
    ],
    [
      "key inline and as a file",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY: "x" }),
      {},
      "WECHATPAY_MERCHANT_PRIVATE_KEY",
      "error",
      /both set/,
    ],
    [
      "serial with openssl's prefix",
      () => ({ WECHATPAY_MERCHANT_SERIAL_NO: `serial=${testKeys.merchantSerialNo}` }),
      {},
      "WECHATPAY_MERCHANT_SERIAL_NO",
      "error",
      /not a hex serial .*with a prefix/,
    ],
    [
      "serial of another certificate (--cert)",
      () => ({ WECHATPAY_MERCHANT_SERIAL_NO: "5E1F0000000000000000000000000000000000AA" }),
      { live: false, certFile: path.join(root, "tests/fixtures/keys/merchant-certificate.pem") },
      "WECHATPAY_MERCHANT_SERIAL_NO",
      "error",
      /but apiclient_cert\.pem has serial 3F1A0C2B/,
    ],
    [
      "key of another certificate (--cert)",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.otherPrivate }),
      { live: false, certFile: path.join(root, "tests/fixtures/keys/merchant-certificate.pem") },
      "WECHATPAY_MERCHANT_PRIVATE_KEY",
      "error",
      /does not belong to apiclient_cert\.pem/,
    ],
    [
      "APIv3 key of 31 bytes",
      () => ({ WECHATPAY_APIV3_KEY: "a".repeat(31) }),
      {},
      "WECHATPAY_APIV3_KEY",
      "error",
      /is 31 bytes; it must be exactly 32 ASCII bytes/,
    ],
    [
      "APIv3 key with Chinese characters",
      () => ({ WECHATPAY_APIV3_KEY: `${"a".repeat(26)}密钥` }),
      {},
      "WECHATPAY_APIV3_KEY",
      "error",
      /non-ASCII/,
    ],
    [
      "APIv3 key with a line break",
      () => ({ WECHATPAY_APIV3_KEY: `${"a".repeat(32)}\n` }),
      {},
      "WECHATPAY_APIV3_KEY",
      "error",
      /spaces or a line break/,
    ],
    [
      "merchant's own public key as WeChat's",
      () => ({ WECHATPAY_PUBLIC_KEY_FILE: testKeyFiles.merchantPublicKey }),
      {},
      "WECHATPAY_PUBLIC_KEY_FILE",
      "error",
      /merchant's OWN public key/,
    ],
    [
      "platform certificate as the public key",
      () => ({ WECHATPAY_PUBLIC_KEY_FILE: testKeyFiles.platformCertificate }),
      {},
      "WECHATPAY_PUBLIC_KEY_FILE",
      "error",
      /holds a certificate \(a platform certificate\?\)/,
    ],
    [
      "public key id that is a serial",
      () => ({ WECHATPAY_PUBLIC_KEY_ID: testKeys.platformCertificateSerialNo }),
      {},
      "WECHATPAY_PUBLIC_KEY_ID",
      "error",
      /PUB_KEY_ID_ followed by digits \(this looks like a certificate serial\)/,
    ],
    [
      "no way to verify WeChat Pay",
      () => ({ WECHATPAY_PUBLIC_KEY_FILE: undefined, WECHATPAY_PUBLIC_KEY_ID: undefined }),
      {},
      "WECHATPAY_PUBLIC_KEY",
      "error",
      /nothing could verify/,
    ],
    [
      "http APP_BASE_URL in production",
      () => ({ NODE_ENV: "production", APP_BASE_URL: "http://shop.example.com" }),
      { live: false },
      "APP_BASE_URL",
      "error",
      /is not https/,
    ],
    [
      "localhost APP_BASE_URL in production",
      () => ({ NODE_ENV: "production", APP_BASE_URL: "https://localhost:3000" }),
      { live: false },
      "APP_BASE_URL",
      "error",
      /is local \(localhost\)/,
    ],
    [
      "IP APP_BASE_URL in production",
      () => ({ NODE_ENV: "production", APP_BASE_URL: "https://203.0.113.7" }),
      { live: false },
      "APP_BASE_URL",
      "error",
      /is an IP address/,
    ],
    [
      "APP_BASE_URL with a query",
      () => ({ APP_BASE_URL: "https://shop.example.com/?from=wx" }),
      { live: false },
      "APP_BASE_URL",
      "error",
      /has a query or fragment/,
    ],
    [
      "official account id as AppID",
      () => ({ WECHATPAY_COMBINE_APPID: "gh_0123456789ab" }),
      { live: false },
      "WECHATPAY_COMBINE_APPID",
      "error",
      /original id, 原始ID/,
    ],
    [
      "mchid of 5 digits",
      () => ({ WECHATPAY_COMBINE_MCHID: "12345" }),
      { live: false },
      "WECHATPAY_COMBINE_MCHID",
      "error",
      /is "12345"; a merchant id \(商户号\) is 8–10 digits/,
    ],
    [
      "weak ADMIN_TOKEN",
      () => ({ ADMIN_TOKEN: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }),
      { live: false },
      "ADMIN_TOKEN",
      "error",
      /little variety/,
    ],
    [
      "ADMIN_TOKEN with a well-known word",
      () => ({ ADMIN_TOKEN: "Password-Password-2026-xyz-QWE-rty" }),
      { live: false },
      "ADMIN_TOKEN",
      "error",
      /well-known word/,
    ],
    [
      "short ADMIN_TOKEN in production",
      () => ({ NODE_ENV: "production", ADMIN_TOKEN: "Zq8v1Lr0Xw3Tn5Pk7J" }),
      { live: false },
      "ADMIN_TOKEN",
      "error",
      /is 18 characters; at least 32 are required in production/,
    ],
    [
      "a setting only lib/env.ts checks",
      () => ({ JOBS_PERIODS: "close-expired:60" }),
      { live: false },
      "JOBS_PERIODS",
      "error",
      /stops the app at start-up: JOBS_PERIODS must look like/,
    ],
    [
      "database unreachable",
      () => ({ DATABASE_URL: "postgresql://doctor:pw-secret@127.0.0.1:1/x" }),
      { live: false },
      "DATABASE_URL",
      "error",
      /cannot be reached/,
    ],
    [
      "migrations pending",
      () => ({ DATABASE_URL: pendingMigrationDb() }),
      { live: false },
      "DATABASE_URL",
      "error",
      /migration\(s\) of this build are not applied/,
    ],
    [
      "a store's sub_mchid of 6 digits",
      () => ({ DATABASE_URL: badStoreDb() }),
      { live: false },
      "store bad (坏店铺)",
      "error",
      /has sub_mchid "123456"; a 特约商户号 is 8–10 digits/,
    ],
    [
      "live: serial WeChat does not know",
      () => ({ WECHATPAY_MERCHANT_SERIAL_NO: "5E1F0000000000000000000000000000000000AA" }),
      {},
      "WECHATPAY_MERCHANT_SERIAL_NO + WECHATPAY_MERCHANT_PRIVATE_KEY",
      "error",
      /refused by WeChat Pay: 401 SIGN_ERROR/,
    ],
    [
      "live: private key of another merchant",
      () => ({ WECHATPAY_MERCHANT_PRIVATE_KEY_FILE: files.otherPrivate }),
      {},
      "WECHATPAY_MERCHANT_SERIAL_NO + WECHATPAY_MERCHANT_PRIVATE_KEY",
      "error",
      /do not belong together/,
    ],
    [
      "live: wrong WeChat Pay public key",
      () => ({ WECHATPAY_PUBLIC_KEY_FILE: files.otherPublic }),
      {},
      "WECHATPAY_PUBLIC_KEY",
      "error",
      /does not verify with WECHATPAY_PUBLIC_KEY/,
    ],
    [
      "live: public key id of another key",
      () => ({ WECHATPAY_PUBLIC_KEY_ID: "PUB_KEY_ID_0999999999999999999999999999999999" }),
      {},
      "WECHATPAY_PUBLIC_KEY_ID",
      "error",
      /but WeChat Pay signs with PUB_KEY_ID_0119/,
    ],
    [
      "live: WeChat still signs with a platform certificate",
      () => ({ WECHATPAY_BASE_URL: certFake.url }),
      {},
      "WECHATPAY_PLATFORM_CERTIFICATES",
      "error",
      /signs this merchant's answers with platform certificate/,
    ],
    [
      "live: clock 10 minutes ahead",
      () => ({}),
      { now: () => new Date(Date.now() + 600_000) },
      "system clock",
      "error",
      /clock is 60[01] s ahead of WeChat Pay.s/,
    ],
    [
      "live: WeChat Pay unreachable",
      () => ({ WECHATPAY_BASE_URL: "http://127.0.0.1:9" }),
      {},
      "WECHATPAY_BASE_URL",
      "error",
      /no answer from http:\/\/127\.0\.0\.1:9/,
    ],
  ];

  const seen = new Map<string, string>();
  it.each(cases)("%s → its own message", async (label, over, opts, setting, level, message) => {
    const { findings, exitCode } = await doctor(goodEnv(over()), opts);
    const hit = findings.find((f) => f.setting === setting && f.level === level && message.test(f.message));
    expect(hit, `no ${level} for ${setting} matching ${message}:\n${formatReport(findings)}`).toBeTruthy();
    if (level === "error") {
      expect(exitCode).toBe(1);
      expect(hit!.fix).toBeTruthy();
    }
    // each case's message is its own
    expect(seen.get(hit!.message), `"${label}" produced the same message as "${seen.get(hit!.message)}"`).toBeUndefined();
    seen.set(hit!.message, label);
    // and no secret is ever echoed: no database password, no key material
    const report = formatReport(findings);
    expect(report).not.toContain("pw-secret");
    for (const line of keyLines) expect(report).not.toContain(line);
  });

  it("NO_AUTH and INVALID_REQUEST answers are explained (the fake has no merchant without the permission)", () => {
    const setup = { mchid: "1900000109", baseUrl: "https://api.mch.weixin.qq.com", platformCertificates: false } as UsableSetup;
    const unsigned = { verified: "unsigned" } as const;
    const noAuth = liveChecks({ status: 403, code: "NO_AUTH", message: "无权限", signature: unsigned }, setup, new Date());
    expect(noAuth[0]).toMatchObject({
      level: "error",
      setting: "WECHATPAY_COMBINE_MCHID",
      message: expect.stringMatching(/no permission for combine payment/),
    });
    expect(noAuth[0]!.fix).toMatch(/合单支付/);
    const invalid = liveChecks(
      { status: 400, code: "INVALID_REQUEST", message: "mchid与appid不匹配", signature: unsigned },
      setup,
      new Date(),
    );
    expect(invalid[0]).toMatchObject({
      level: "error",
      message: expect.stringMatching(/refused the request: 400 INVALID_REQUEST "mchid与appid不匹配"/),
    });
  });

  it("the report names the setting, the problem and the fix, then counts", () => {
    const findings: Finding[] = [
      { level: "error", setting: "WECHATPAY_APIV3_KEY", message: "is 31 bytes.", fix: "Copy it again." },
      { level: "ok", setting: "ADMIN_TOKEN", message: "is fine." },
    ];
    expect(formatReport(findings)).toBe(
      "✗ WECHATPAY_APIV3_KEY: is 31 bytes.\n    fix: Copy it again.\n✓ ADMIN_TOKEN: is fine.\n\n1 error(s), 0 warning(s): fix the errors before taking payments.",
    );
  });
});

/** A copy of the database with its newest migration hidden. */
function pendingMigrationDb(): string {
  const url = freshDatabaseUrl("doctor-pending");
  const db = new Database(url.slice("file:".length));
  db.prepare("DELETE FROM _prisma_migrations WHERE migration_name = (SELECT MAX(migration_name) FROM _prisma_migrations)").run();
  db.close();
  return url;
}

/** A copy of the database with a store whose sub_mchid has 6 digits. */
function badStoreDb(): string {
  const url = freshDatabaseUrl("doctor-store");
  const db = new Database(url.slice("file:".length));
  db.prepare(`INSERT INTO "Store" (id, name, "subMchid", active) VALUES ('bad', '坏店铺', '123456', 1)`).run();
  db.close();
  return url;
}
