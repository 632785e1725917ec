// Everything a request handler needs, built once by startFakeWechatPay.
import type { BillOverrides } from "./bill-overrides";
import type { Faults } from "./faults";
import type { FakeKeys, MerchantIdentity } from "./keys";
import type { Notifier } from "./notifier";
import type { FakeOauth } from "./oauth-codes";
import type { VerifyMode } from "./signing";
import type { FakeStore } from "./store";
import type { BusinessClock } from "./time";

export interface FakeContext {
  keys: FakeKeys;
  mode: VerifyMode;
  clock: BusinessClock;
  store: FakeStore;
  faults: Faults;
  notifier: Notifier;
  bills: BillOverrides;
  /** OAuth codes and the default fake WeChat user (oauth.ts). */
  oauth: FakeOauth;
  /** Merchants allowed to call the API, by mchid (the test identity plus any extraMerchants). */
  merchants: Map<string, MerchantIdentity>;
  /** The merchant's domains: H5 Referer / redirect_url hosts, and the 服务号's 网页授权域名 for OAuth redirect_uri. */
  h5Domains: string[];
  /** Short name the cashier shows for the initiator (§0: "the cashier shows the initiator's short name"). */
  merchantShortName: string;
  publicBaseUrl: () => string;
  log: (line: string) => void;
  /** ms from refund acceptance to SUCCESS (docs/wechatpay.md §14.1.2); null = only `refund-result` decides. */
  refundDelayMs: number | null;
  /** Partial refunds of one sub-order closer than this → 429 FREQUENCY_LIMITED (§14.1.2: 1 minute). */
  refundMinIntervalMs: number;
  /**
   * WeChat's frequency limit: at most this many calls of one API (one route: prepay, query, close, …) per caller
   * mchid per real-clock second; beyond it → 429 FREQUENCY_LIMITED, no effect. null = no limit (the default).
   */
  maxQps: number | null;
}

/** One authenticated APIv3 call as the handlers see it. */
export interface ApiCall {
  method: string;
  /** Raw request target (path + query) as received: what the signature covered. */
  url: string;
  rawPath: string;
  rawQuery: string;
  /** Decoded path parameters captured by the router. */
  params: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  callerMchid: string;
}

export type ApiResult =
  | { status: number; json?: unknown }
  /** Bill file stream (§8.2): sent as-is, WITHOUT Wechatpay-* signature headers. */
  | { status: number; unsigned: { body: Buffer; contentType: string } };
