// Checkout from an in-app browser (docs/wechatpay.md §15): no order, nothing sent to WeChat, a
// bounded single-use cart draft behind a resume URL, consumed exactly once.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutBody, startHarness, TEST_ADDRESS, TEST_CONTACT, type Harness } from "./harness";

let h: Harness;
// Imported after the harness has pointed DATABASE_URL at this file's private database.
let drafts: typeof import("@/lib/in-app/cart-drafts");
const saveCartDraft: (typeof drafts)["saveCartDraft"] = (...a) => drafts.saveCartDraft(...a);
const consumeCartDraft: (typeof drafts)["consumeCartDraft"] = (...a) => drafts.consumeCartDraft(...a);
const pruneCartDrafts: (typeof drafts)["pruneCartDrafts"] = (...a) => drafts.pruneCartDrafts(...a);
beforeAll(async () => {
  h = await startHarness({ label: "in-app" });
  drafts = await import("@/lib/in-app/cart-drafts");
});
afterAll(() => h.close());

const WECHAT_UA =
  "Mozilla/5.0 (Linux; Android 13; V2254A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/4356 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";
const ALIPAY_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/20B82 Ariver/1.1.0 AliApp(AP/10.3.10.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.3.10.6000 Language/zh-Hans Region/CN NebulaX/1.0.0";

type OpenInBrowser = { code: string; message: string; resumeUrl: string; expiresAt: string };

/** Items only, as the guide's 复制链接 sends them before the form is filled in; or `json` for a whole body. */
function checkoutFrom(ua: string, items: { sku: string; quantity: number }[], cookie?: string, json: unknown = { items }) {
  return h.call("POST", "/api/checkout", { json, headers: { "user-agent": ua, ...(cookie ? { cookie } : {}) } });
}
const tokenOf = (resumeUrl: string) => new URL(resumeUrl).searchParams.get("resume")!;
const cookieFrom = (res: Response) => res.headers.get("set-cookie")!.split(";")[0]!;
const prepays = async () =>
  (await h.control<{ method: string; path: string }[]>("/requests")).filter(
    (r) => r.method === "POST" && r.path.includes("combine-transactions/h5"),
  );
// Far-apart instants give each rate-limit test its own empty window.
const LIMITS = { ttlHours: 24, maxPerMinute: 2, maxLive: 3, maxPerClientPerHour: 1000 };

describe("POST /api/checkout from an in-app browser", () => {
  it("answers 409 OPEN_IN_BROWSER with an absolute resume URL; creates no order and sends nothing to WeChat", async () => {
    const ordersBefore = await h.prisma.order.count();
    const prepaysBefore = (await prepays()).length;
    const res = await checkoutFrom(WECHAT_UA, [
      { sku: "TEA-LJ-50", quantity: 2 },
      { sku: "BAK-TS-01", quantity: 1 },
    ]);
    expect(res.status).toBe(409);
    const body = (await res.json()) as OpenInBrowser;
    expect(body.code).toBe("OPEN_IN_BROWSER");
    expect(body.message).toContain("微信");
    expect(body.resumeUrl).toMatch(new RegExp(`^${h.appUrl}/\\?resume=[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3_600_000);
    expect(await h.prisma.order.count()).toBe(ordersBefore);
    expect((await prepays()).length).toBe(prepaysBefore);
    expect(res.headers.get("set-cookie")).toMatch(
      /^cart_draft=[A-Za-z0-9_-]{43}; Path=\/api\/checkout; Max-Age=\d+; HttpOnly; SameSite=Lax/,
    );
    // The same cart from a real browser does reach WeChat (so the counts above can see a prepay).
    expect(
      (
        await checkoutFrom(
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
          [],
          undefined,
          checkoutBody([
            { sku: "TEA-LJ-50", quantity: 2 },
            { sku: "BAK-TS-01", quantity: 1 },
          ]),
        )
      ).status,
    ).toBe(201);
    expect((await prepays()).length).toBe(prepaysBefore + 1);
  });

  it("other in-app browsers (Alipay) get the same answer", async () => {
    const res = await checkoutFrom(ALIPAY_UA, [{ sku: "STA-PEN-3", quantity: 1 }]);
    expect(res.status).toBe(409);
    expect(((await res.json()) as OpenInBrowser).message).toContain("支付宝");
  });

  it("stores only the token's hash, with the cart canonicalised (merged, sorted)", async () => {
    const res = await checkoutFrom(WECHAT_UA, [
      { sku: "STA-NB-A5", quantity: 1 },
      { sku: "BAK-CK-02", quantity: 2 },
      { sku: "STA-NB-A5", quantity: 2 },
    ]);
    const token = tokenOf(((await res.json()) as OpenInBrowser).resumeUrl);
    const hash = createHash("sha256").update(token).digest("hex");
    const row = await h.prisma.cartDraft.findUniqueOrThrow({ where: { tokenHash: hash } });
    expect(row.items).toBe(
      JSON.stringify([
        { sku: "BAK-CK-02", quantity: 2 },
        { sku: "STA-NB-A5", quantity: 3 },
      ]),
    );
    const all = await h.prisma.cartDraft.findMany();
    expect(all.some((r) => r.tokenHash.includes(token) || r.items.includes(token))).toBe(false);
  });

  it("the same browser (draft cookie) asking again for the identical cart gets the same link and no new row", async () => {
    const items = [{ sku: "TEA-PE-357", quantity: 1 }];
    const first = await checkoutFrom(WECHAT_UA, items);
    const url1 = ((await first.json()) as OpenInBrowser).resumeUrl;
    const rows = await h.prisma.cartDraft.count();
    const again = await checkoutFrom(WECHAT_UA, items, cookieFrom(first));
    expect(((await again.json()) as OpenInBrowser).resumeUrl).toBe(url1);
    expect(await h.prisma.cartDraft.count()).toBe(rows);
  });

  it("a changed cart, or no cookie, gets a new link", async () => {
    const first = await checkoutFrom(WECHAT_UA, [{ sku: "TEA-BC-100", quantity: 1 }]);
    const url1 = ((await first.json()) as OpenInBrowser).resumeUrl;
    const changed = await checkoutFrom(WECHAT_UA, [{ sku: "TEA-BC-100", quantity: 2 }], cookieFrom(first));
    expect(((await changed.json()) as OpenInBrowser).resumeUrl).not.toBe(url1);
    const noCookie = await checkoutFrom(WECHAT_UA, [{ sku: "TEA-BC-100", quantity: 1 }]);
    expect(((await noCookie.json()) as OpenInBrowser).resumeUrl).not.toBe(url1);
  });

  it("a used draft in the cookie is not handed out again", async () => {
    const items = [{ sku: "BAK-DH-06", quantity: 1 }];
    const first = await checkoutFrom(WECHAT_UA, items);
    const url1 = ((await first.json()) as OpenInBrowser).resumeUrl;
    expect((await consumeCartDraft(tokenOf(url1))).status).toBe("restored");
    const again = await checkoutFrom(WECHAT_UA, items, cookieFrom(first));
    expect(((await again.json()) as OpenInBrowser).resumeUrl).not.toBe(url1);
  });

  it("an unknown SKU is refused (400 UNKNOWN_SKU) and stores nothing", async () => {
    const rows = await h.prisma.cartDraft.count();
    const res = await checkoutFrom(WECHAT_UA, [{ sku: "NOPE-1", quantity: 1 }]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("UNKNOWN_SKU");
    expect(await h.prisma.cartDraft.count()).toBe(rows);
  });

  it("quantities and line counts stay bounded (400 before anything is stored)", async () => {
    const rows = await h.prisma.cartDraft.count();
    expect((await checkoutFrom(WECHAT_UA, [{ sku: "TEA-LJ-50", quantity: 100 }])).status).toBe(400);
    expect(
      (
        await checkoutFrom(WECHAT_UA, [
          { sku: "TEA-LJ-50", quantity: 60 },
          { sku: "TEA-LJ-50", quantity: 60 },
        ])
      ).status,
    ).toBe(400);
    const many = Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    expect((await checkoutFrom(WECHAT_UA, many)).status).toBe(400);
    expect(await h.prisma.cartDraft.count()).toBe(rows);
  });

  it("the draft carries the contact and delivery choices filled in so far, and opening it gives them back", async () => {
    const items = [
      { sku: "TEA-LJ-50", quantity: 1 },
      { sku: "BAK-TS-01", quantity: 1 },
    ];
    const json = checkoutBody(items, { methods: { chayu: "PICKUP" } });
    const res = await checkoutFrom(WECHAT_UA, items, undefined, json);
    expect(res.status).toBe(409);
    const restored = await consumeCartDraft(tokenOf(((await res.json()) as OpenInBrowser).resumeUrl));
    expect(restored).toEqual({
      status: "restored",
      items: [
        { sku: "BAK-TS-01", quantity: 1 },
        { sku: "TEA-LJ-50", quantity: 1 },
      ],
      dropped: [],
      contact: TEST_CONTACT,
      delivery: { methods: json.delivery.methods, address: TEST_ADDRESS },
    });
  });

  it("what the draft carries is checked like a checkout (400 naming the field, nothing stored)", async () => {
    const rows = await h.prisma.cartDraft.count();
    const items = [{ sku: "TEA-LJ-50", quantity: 1 }];
    const badPhone = await checkoutFrom(WECHAT_UA, items, undefined, checkoutBody(items, { contact: { name: "张三", phone: "12345" } }));
    expect([badPhone.status, await badPhone.json()]).toEqual([
      400,
      expect.objectContaining({ code: "INVALID_REQUEST", field: "contact.phone" }),
    ]);
    const badCity = await checkoutFrom(WECHAT_UA, items, undefined, checkoutBody(items, { address: { ...TEST_ADDRESS, city: "苏州市" } }));
    expect([badCity.status, await badCity.json()]).toEqual([
      400,
      expect.objectContaining({ code: "INVALID_REQUEST", field: "delivery.address.city" }),
    ]);
    expect(await h.prisma.cartDraft.count()).toBe(rows);
  });

  it("a foreign Origin is still refused before anything else", async () => {
    const res = await h.call("POST", "/api/checkout", {
      json: { items: [{ sku: "TEA-LJ-50", quantity: 1 }] },
      headers: { "user-agent": WECHAT_UA, origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
  });
});

describe("draft limits (counted in the database)", () => {
  const items = [{ sku: "TEA-LJ-50", quantity: 1 }];

  it("at most maxPerMinute new drafts a minute, shop-wide: the next one is RATE_LIMITED, a minute later it works", async () => {
    const now = new Date("2031-01-01T00:00:00Z");
    await saveCartDraft(items, { now, limits: LIMITS });
    await saveCartDraft(items, { now: new Date(now.getTime() + 1000), limits: LIMITS });
    await expect(saveCartDraft(items, { now: new Date(now.getTime() + 2000), limits: LIMITS })).rejects.toMatchObject({
      code: "RATE_LIMITED",
      status: 429,
    });
    await expect(saveCartDraft(items, { now: new Date(now.getTime() + 61_000), limits: LIMITS })).resolves.toMatchObject({ reused: false });
  });

  it("at most maxLive unused, unexpired drafts in total", async () => {
    const now = new Date("2032-01-01T00:00:00Z");
    for (let i = 0; i < 3; i++) await saveCartDraft(items, { now: new Date(now.getTime() + i * 120_000), limits: LIMITS });
    await expect(saveCartDraft(items, { now: new Date(now.getTime() + 10 * 60_000), limits: LIMITS })).rejects.toMatchObject({
      code: "RATE_LIMITED",
    });
    // Once they expire, there is room again.
    await expect(saveCartDraft(items, { now: new Date(now.getTime() + 25 * 3_600_000), limits: LIMITS })).resolves.toMatchObject({
      reused: false,
    });
  });
});

describe("the per-client draft quota (in front of the shop-wide caps)", () => {
  const items = [{ sku: "TEA-LJ-50", quantity: 1 }];
  const limits = { ttlHours: 24, maxPerMinute: 100, maxLive: 100, maxPerClientPerHour: 2 };

  it("one client gets maxPerClientPerHour new drafts an hour, then RATE_LIMITED with retryAfterSeconds; others are unaffected", async () => {
    const now = new Date("2034-01-01T00:10:00Z");
    const save = (client: string, ms = 0) => saveCartDraft(items, { client, now: new Date(now.getTime() + ms), limits });
    await save("203.0.113.50");
    await save("203.0.113.50", 1000);
    const rows = await h.prisma.cartDraft.count();
    await expect(save("203.0.113.50", 2000)).rejects.toMatchObject({ code: "RATE_LIMITED", extra: { retryAfterSeconds: 50 * 60 - 2 } });
    expect(await h.prisma.cartDraft.count()).toBe(rows);
    await expect(save("203.0.113.51", 3000)).resolves.toMatchObject({ reused: false });
    // the next hour's window
    await expect(save("203.0.113.50", 50 * 60_000)).resolves.toMatchObject({ reused: false });
  });

  it("a draft refused by a shop-wide cap does not use up the client's quota", async () => {
    const now = new Date("2035-01-01T00:00:00Z");
    const tight = { ...limits, maxPerMinute: 1 };
    await saveCartDraft(items, { client: "203.0.113.60", now, limits: tight });
    await expect(saveCartDraft(items, { client: "203.0.113.61", now, limits: tight })).rejects.toMatchObject({ code: "RATE_LIMITED" });
    await saveCartDraft(items, { client: "203.0.113.61", now: new Date(now.getTime() + 61_000), limits: tight });
    await expect(
      saveCartDraft(items, { client: "203.0.113.61", now: new Date(now.getTime() + 122_000), limits: tight }),
    ).resolves.toMatchObject({ reused: false });
  });
});

describe("opening a resume link", () => {
  it("restores exactly the saved cart once; the second open says it was used", async () => {
    const { token } = await saveCartDraft([
      { sku: "STA-NT-SET", quantity: 4 },
      { sku: "BAK-TS-01", quantity: 1 },
    ]);
    expect(await consumeCartDraft(token)).toEqual({
      status: "restored",
      items: [
        { sku: "BAK-TS-01", quantity: 1 },
        { sku: "STA-NT-SET", quantity: 4 },
      ],
      dropped: [],
    });
    expect(await consumeCartDraft(token)).toEqual({ status: "used" });
  });

  it("opened many times at once, it is restored exactly once", async () => {
    const { token } = await saveCartDraft([{ sku: "STA-ERASER", quantity: 2 }]);
    const results = await Promise.all(Array.from({ length: 8 }, () => consumeCartDraft(token)));
    expect(results.filter((r) => r.status === "restored")).toHaveLength(1);
    expect(results.filter((r) => r.status === "used")).toHaveLength(7);
  });

  it("after its expiry it says expired and restores nothing", async () => {
    const now = new Date();
    const { token, expiresAt } = await saveCartDraft([{ sku: "TEA-LJ-50", quantity: 1 }], { now });
    expect(expiresAt.getTime() - now.getTime()).toBe(24 * 3_600_000);
    expect(await consumeCartDraft(token, new Date(expiresAt.getTime() + 1))).toEqual({ status: "expired" });
    // Still unused: before the expiry it would have worked.
    expect((await consumeCartDraft(token, new Date(expiresAt.getTime() - 1000))).status).toBe("restored");
  });

  it("an unknown or malformed token is invalid", async () => {
    expect(await consumeCartDraft("A".repeat(43))).toEqual({ status: "invalid" });
    expect(await consumeCartDraft("short")).toEqual({ status: "invalid" });
    expect(await consumeCartDraft("'; DROP TABLE x; --".padEnd(43, "x"))).toEqual({ status: "invalid" });
  });

  it("items that left the catalogue are dropped and named", async () => {
    const { token } = await saveCartDraft([
      { sku: "STA-NB-A5", quantity: 1 },
      { sku: "BAK-CK-02", quantity: 3 },
    ]);
    await h.prisma.product.update({ where: { sku: "BAK-CK-02" }, data: { active: false } });
    try {
      expect(await consumeCartDraft(token)).toEqual({
        status: "restored",
        items: [{ sku: "STA-NB-A5", quantity: 1 }],
        dropped: ["海盐芝士蛋糕（4寸）"],
      });
    } finally {
      await h.prisma.product.update({ where: { sku: "BAK-CK-02" }, data: { active: true } });
    }
  });
});

describe("pruneCartDrafts", () => {
  it("deletes drafts past their expiry (used or not) and keeps live ones", async () => {
    const now = new Date("2040-01-01T00:00:00Z");
    const old = await saveCartDraft([{ sku: "TEA-LJ-50", quantity: 1 }], { now, limits: LIMITS });
    const usedOld = await saveCartDraft([{ sku: "TEA-LJ-50", quantity: 2 }], { now, limits: LIMITS });
    await consumeCartDraft(usedOld.token, now);
    const later = new Date(now.getTime() + 24 * 3_600_000);
    const live = await saveCartDraft([{ sku: "TEA-LJ-50", quantity: 3 }], { now: later, limits: LIMITS });
    const hash = (t: string) => createHash("sha256").update(t).digest("hex");
    expect(await pruneCartDrafts(later)).toBeGreaterThanOrEqual(2);
    expect(await h.prisma.cartDraft.findUnique({ where: { tokenHash: hash(old.token) } })).toBeNull();
    expect(await h.prisma.cartDraft.findUnique({ where: { tokenHash: hash(usedOld.token) } })).toBeNull();
    expect(await h.prisma.cartDraft.findUnique({ where: { tokenHash: hash(live.token) } })).not.toBeNull();
  });
});
