import { createPrivateKey, createPublicKey, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  RequestSigner,
  WechatPayConfigError,
  buildQuery,
  buildRequestMessage,
  escapeComponent,
  formatAuthorization,
  generateNonce,
  loadPrivateKey,
  signMessage,
} from "../../../lib/wechatpay";
import { FIXTURES, parseAuthorization, pem } from "./helpers";

const kat = JSON.parse(readFileSync(path.join(FIXTURES, "vectors/wechatpay-kat.json"), "utf8")) as {
  requestSignature: {
    mchid: string;
    serialNo: string;
    timestamp: string;
    nonce: string;
    cases: { name: string; method: string; url: string; body: string; signature: string }[];
    authorizationExample: string;
  };
};
const docKeyPem = readFileSync(path.join(FIXTURES, "official-doc-test-key.pem"), "utf8");
const rs = kat.requestSignature;

describe("request signing — official known answers (§11.1)", () => {
  for (const c of rs.cases) {
    it(`reproduces the doc signature: ${c.name}`, () => {
      const signer = new RequestSigner({ mchid: rs.mchid, serialNo: rs.serialNo, privateKey: docKeyPem });
      const signed = signer.sign(c.method, c.url, c.body, { timestamp: rs.timestamp, nonce: rs.nonce });
      expect(signed.message).toBe(`${c.method}\n${c.url}\n${rs.timestamp}\n${rs.nonce}\n${c.body}\n`);
      expect(signed.signature).toBe(c.signature);
    });
  }

  it("the GET message ends with an empty body line (\\n\\n)", () => {
    expect(buildRequestMessage("get", "/v3/x", 1, "N", "")).toBe("GET\n/v3/x\n1\nN\n\n");
  });

  it("builds an Authorization header equal (pair for pair) to the official example", () => {
    const signer = new RequestSigner({ mchid: rs.mchid, serialNo: rs.serialNo, privateKey: docKeyPem });
    const get = rs.cases[0]!;
    const { authorization } = signer.sign(get.method, get.url, get.body, { timestamp: rs.timestamp, nonce: rs.nonce });
    expect(authorization.startsWith("WECHATPAY2-SHA256-RSA2048 mchid=")).toBe(true);
    expect(authorization).toBe(
      `WECHATPAY2-SHA256-RSA2048 mchid="${rs.mchid}",nonce_str="${rs.nonce}",timestamp="${rs.timestamp}",serial_no="${rs.serialNo}",signature="${get.signature}"`,
    );
    expect(parseAuthorization(authorization)).toEqual(parseAuthorization(rs.authorizationExample));
  });

  it("accepts a KeyObject, a PKCS#1 PEM and a PEM with literal \\n", () => {
    const ko = createPrivateKey(docKeyPem);
    const pkcs1 = ko.export({ type: "pkcs1", format: "pem" }).toString();
    const escaped = docKeyPem.replace(/\n/g, "\\n");
    const get = rs.cases[0]!;
    const msg = buildRequestMessage(get.method, get.url, rs.timestamp, rs.nonce, "");
    for (const k of [ko, pkcs1, escaped]) expect(signMessage(loadPrivateKey(k), msg)).toBe(get.signature);
  });

  it("rejects an unparsable key without echoing it", () => {
    const bogus = "-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----";
    let err: unknown;
    try {
      loadPrivateKey(bogus);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WechatPayConfigError);
    expect(String((err as Error).message)).not.toContain("SECRETSECRET");
  });
});

describe("request signer (test merchant key, checked with the public key via node:crypto)", () => {
  it("signs with fresh 32-char [0-9A-Za-z] nonces and second timestamps", () => {
    const signer = new RequestSigner({
      mchid: "1900000109",
      serialNo: "ABC",
      privateKey: pem.merchantPrivate,
      now: () => 1_700_000_000_999,
    });
    const a = signer.sign("POST", "/v3/combine-transactions/h5", '{"a":1}');
    const b = signer.sign("POST", "/v3/combine-transactions/h5", '{"a":1}');
    expect(a.nonce).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.timestamp).toBe("1700000000");
    const pub = createPublicKey(pem.merchantPublic);
    expect(verify("sha256", Buffer.from(a.message), pub, Buffer.from(a.signature, "base64"))).toBe(true);
    expect(a.message).toBe(`POST\n/v3/combine-transactions/h5\n1700000000\n${a.nonce}\n{"a":1}\n`);
  });

  it("generateNonce is uniform-ish over the alphabet", () => {
    const s = Array.from({ length: 200 }, () => generateNonce()).join("");
    expect(new Set(s).size).toBe(62);
  });

  it("formatAuthorization quotes every value", () => {
    expect(formatAuthorization({ mchid: "1", nonce: "n", timestamp: 2, serialNo: "s", signature: "x==" })).toBe(
      'WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",timestamp="2",serial_no="s",signature="x=="',
    );
  });
});

describe("URL building: what is signed is what fetch sends", () => {
  it("escapes order-number characters so the WHATWG URL parser leaves them alone", () => {
    for (const raw of ["AB|cd*ef", "a'b!(c)", "中文 空格", "x/y?z#w"]) {
      const p = `/v3/combine-transactions/out-trade-no/${escapeComponent(raw)}`;
      const u = new URL(`https://api.mch.weixin.qq.com${p}`);
      expect(u.pathname).toBe(p);
      expect(decodeURIComponent(u.pathname.split("/").pop()!)).toBe(raw);
    }
    expect(escapeComponent("A|B*C")).toBe("A%7CB%2AC");
  });

  it("builds queries in the given order, skipping undefined, stable under URL parsing", () => {
    const q = buildQuery({ bill_date: "2026-11-26", bill_type: undefined, tar_type: "GZIP", sub_mchid: "1900000201" });
    expect(q).toBe("?bill_date=2026-11-26&tar_type=GZIP&sub_mchid=1900000201");
    const u = new URL(`https://h/v3/bill/tradebill${buildQuery({ a: "x'y z" })}`);
    expect(u.search).toBe("?a=x%27y%20z");
    expect(buildQuery({})).toBe("");
  });
});
