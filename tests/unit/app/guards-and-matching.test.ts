import { describe, expect, it } from "vitest";
import { clientIp, clientKey, ipv6Network64 } from "@/lib/http/request-guards";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { installPeerAddressStamp, PEER_HEADER, peerStamp } from "@/lib/http/peer-address";
import { findMismatch } from "@/lib/orders/apply-result";
import type { CombineTransaction } from "@/lib/wechatpay";

const req = (xff?: string, peer?: string) =>
  new Request("http://x/", {
    headers: { ...(xff ? { "x-forwarded-for": xff } : {}), ...(peer !== undefined ? { [PEER_HEADER]: peerStamp(peer) } : {}) },
  });

describe("clientIp", () => {
  it("without a proxy uses the socket address our server stamped, never the client's own X-Forwarded-For", () => {
    expect(clientIp(req("198.18.0.1", "203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientIp(req(undefined, "::ffff:198.51.100.2"), 0)).toBe("198.51.100.2");
    expect(clientIp(req(undefined, "2001:db8::1"), 0)).toBe("2001:db8::1");
    // No genuine stamp: the address is unknown (a request that did not pass our server, or a forged stamp).
    expect(clientIp(req("203.0.113.7"), 0)).toBe("127.0.0.1");
    const forged = new Request("http://x/", { headers: { [PEER_HEADER]: "guessed-secret 203.0.113.7" } });
    expect(clientIp(forged, 0)).toBe("127.0.0.1");
  });
  it("behind N trusted proxies takes the peer the outermost trusted proxy saw, never a client-written entry", () => {
    // The client forged "1.1.1.1"; our one proxy appended the real peer 203.0.113.9.
    expect(clientIp(req("1.1.1.1, 203.0.113.9"), 1)).toBe("203.0.113.9");
    // CDN appended the client, then the load balancer appended the CDN.
    expect(clientIp(req("1.1.1.1, 203.0.113.9, 10.0.0.2"), 2)).toBe("203.0.113.9");
    expect(clientIp(req("203.0.113.9"), 2)).toBe("127.0.0.1");
    // behind a proxy the stamp is the proxy itself: not the client
    expect(clientIp(req("203.0.113.9", "10.0.0.2"), 1)).toBe("203.0.113.9");
  });
  it("falls back to a safe value for garbage", () => {
    expect(clientIp(req("not-an-ip"), 1)).toBe("127.0.0.1");
    expect(clientIp(req(undefined, "not-an-ip"), 0)).toBe("127.0.0.1");
    expect(clientIp(req(), 0)).toBe("127.0.0.1");
  });
});

describe("the peer-address stamp of our HTTP server", () => {
  it("stamps the socket address over anything the client sent, so clientIp sees the real peer", async () => {
    installPeerAddressStamp();
    const server = http.createServer((q, r) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(q.headers)) if (typeof v === "string") headers.set(k, v);
      r.end(clientIp(new Request("http://x/", { headers }), 0));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const seen = await new Promise<string>((ok, fail) => {
      http
        .get(
          {
            host: "127.0.0.1",
            port: (server.address() as AddressInfo).port,
            localAddress: "127.0.0.2",
            headers: { [PEER_HEADER]: "forged 198.18.0.9", "x-forwarded-for": "198.18.0.1" },
          },
          (res) => {
            let body = "";
            res.on("data", (c: Buffer) => (body += c.toString()));
            res.on("end", () => ok(body));
          },
        )
        .on("error", fail);
    });
    server.close();
    expect(seen).toBe("127.0.0.2");
  });
});

describe("clientKey (what per-client limits count under)", () => {
  it("is the IPv4 address, or the /64 of an IPv6 address", () => {
    expect(clientKey(req(undefined, "203.0.113.7"), 0)).toBe("203.0.113.7");
    expect(clientKey(req(undefined, "2001:db8:a:b::1"), 0)).toBe("2001:db8:a:b::/64");
    expect(clientKey(req(undefined, "2001:db8:a:b:ffff:ffff:ffff:ffff"), 0)).toBe("2001:db8:a:b::/64");
    expect(clientKey(req("2001:db8:a:c::1"), 1)).toBe("2001:db8:a:c::/64");
  });
  it("is one shared key when the address cannot be trusted: never a key per forged header", () => {
    expect(clientKey(req("198.18.0.1"), 0)).toBe("unknown");
    expect(clientKey(req("198.18.0.2"), 0)).toBe("unknown");
  });
  it("ipv6Network64 expands :: and drops leading zeros and zone ids", () => {
    expect(ipv6Network64("2001:0db8:0001:0002:0003::1")).toBe("2001:db8:1:2::/64");
    expect(ipv6Network64("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipv6Network64("::1")).toBe("0:0:0:0::/64");
    expect(ipv6Network64("1::2:3:4:5:6:7")).toBe("1:0:2:3::/64");
    expect(ipv6Network64("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(ipv6Network64("64:ff9b::198.51.100.7")).toBe("64:ff9b:0:0::/64");
    expect(ipv6Network64("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
  });
});

const ours = {
  combineMchid: "1900000109",
  combineAppid: "wxd930ea5d5a258f4f",
  subOrders: [
    { outTradeNo: "C1-1", mchid: "1900000109", subMchid: "1900000201", amountFen: 100 },
    { outTradeNo: "C1-2", mchid: "1900000109", subMchid: "1900000202", amountFen: 250 },
  ],
};
// The tests mutate one field at a time: a writable, index-checked view of the wire type.
type Mutable = CombineTransaction & { sub_orders: NonNullable<CombineTransaction["sub_orders"]> };
const theirs = (): CombineTransaction =>
  ({
    combine_appid: "wxd930ea5d5a258f4f",
    combine_mchid: "1900000109",
    combine_out_trade_no: "C1",
    sub_orders: ours.subOrders.map((s) => ({
      mchid: s.mchid,
      sub_mchid: s.subMchid,
      out_trade_no: s.outTradeNo,
      trade_state: "SUCCESS",
      amount: { total_amount: s.amountFen, payer_amount: s.amountFen, currency: "CNY" },
    })),
  }) as unknown as CombineTransaction;

describe("findMismatch: a payment result must describe exactly our order", () => {
  it("accepts our order", () => expect(findMismatch(ours, theirs())).toBeNull());
  it.each([
    ["combine_mchid", (t: Mutable) => void (t.combine_mchid = "1"), /combine_mchid/],
    ["combine_appid", (t: Mutable) => void (t.combine_appid = "wx1"), /combine_appid/],
    ["amount", (t: Mutable) => void (t.sub_orders[1]!.amount.total_amount = 249), /total_amount 249 ≠ 250/],
    ["sub_mchid", (t: Mutable) => void (t.sub_orders[0]!.sub_mchid = "1900000204"), /sub_mchid/],
    ["mchid", (t: Mutable) => void (t.sub_orders[0]!.mchid = "1900000301"), /mchid/],
    ["unknown out_trade_no", (t: Mutable) => void (t.sub_orders[0]!.out_trade_no = "C1-9"), /unexpected sub-order/],
    ["duplicated sub-order", (t: Mutable) => void (t.sub_orders[1] = t.sub_orders[0]!), /unexpected sub-order/],
    ["missing sub-order", (t: Mutable) => void t.sub_orders.pop(), /expected 2 sub-orders, got 1/],
    ["currency", (t: Mutable) => void (t.sub_orders[0]!.amount.currency = "USD"), /currency/],
  ])("rejects a different %s", (_n, mutate, why) => {
    const t = theirs();
    mutate(t as Mutable);
    expect(findMismatch(ours, t)).toMatch(why);
  });
});
