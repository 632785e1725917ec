// public/ assets are small and long-cached; the guide's words differ between iOS and Android.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import nextConfig from "@/next.config";
import { guideText, openInBrowserMessage } from "@/lib/in-app/open-in-browser";

const PUBLIC = path.resolve("public");
const publicFiles = (dir = PUBLIC): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? publicFiles(path.join(dir, e.name)) : ["/" + path.relative(PUBLIC, path.join(dir, e.name))]));

async function cacheControlFor(urlPath: string): Promise<string | undefined> {
  let value: string | undefined;
  for (const rule of await nextConfig.headers!()) {
    const matches = rule.source.endsWith("/:path*")
      ? urlPath.startsWith(rule.source.slice(0, -"/:path*".length) + "/")
      : rule.source === urlPath;
    const h = rule.headers.find((x) => x.key.toLowerCase() === "cache-control");
    if (matches && h) value = h.value; // later rules win, as in Next.js
  }
  return value;
}

describe("public/", () => {
  it("has the favicon, the apple-touch-icon, the manifest and the store logos the demo catalogue (prisma/catalogue.json) names", async () => {
    const files = publicFiles();
    for (const f of ["/favicon.ico", "/apple-touch-icon.png", "/manifest.webmanifest"]) expect(files).toContain(f);
    const demo = JSON.parse(fs.readFileSync(path.resolve("prisma/catalogue.json"), "utf8")) as { stores: { logoUrl: string }[] };
    for (const s of demo.stores) expect(files).toContain(s.logoUrl);
    const manifest = JSON.parse(fs.readFileSync(path.join(PUBLIC, "manifest.webmanifest"), "utf8")) as { icons: { src: string }[] };
    for (const icon of manifest.icons) expect(files).toContain(icon.src);
  });

  it("every file is small (≤ 8 KiB) and served with a cache lifetime of at least a day; versioned names for a year, immutable", async () => {
    for (const f of publicFiles()) {
      expect(fs.statSync(path.join(PUBLIC, f)).size, f).toBeLessThanOrEqual(8 * 1024);
      const cc = await cacheControlFor(f);
      expect(cc, f).toBeDefined();
      expect(Number(/max-age=(\d+)/.exec(cc!)![1]), f).toBeGreaterThanOrEqual(86400);
      if (/\.v\d+\./.test(f)) expect(cc, f).toBe("public, max-age=31536000, immutable");
      // A year-long immutable cache is only safe for names that change with the content.
      if (cc!.includes("immutable")) expect(f, "immutable needs a versioned name").toMatch(/\.v\d+\./);
    }
  });

  it("PNG and ICO files are what their names say", () => {
    const png = fs.readFileSync(path.join(PUBLIC, "apple-touch-icon.png"));
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(180); // width in IHDR
    const ico = fs.readFileSync(path.join(PUBLIC, "favicon.ico"));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 1]);
  });
});

describe("guideText", () => {
  it("points at the ⋯ menu with the iOS and Android wording", () => {
    expect(guideText("wechat", "ios", "cart").steps[0]).toBe("点击右上角 ⋯，选择「在 Safari 中打开」");
    expect(guideText("wechat", "android", "cart").steps[0]).toBe("点击右上角 ⋯，选择「在浏览器打开」");
    expect(guideText("qq", "android", "order").lead).toContain("QQ内无法完成微信支付");
  });

  it("names the newer in-app browsers (§15.4) as shoppers know them", () => {
    expect(guideText("xiaohongshu", "ios", "cart").lead).toContain("小红书内无法完成微信支付");
    expect(guideText("toutiao", "android", "order").lead).toContain("今日头条内无法完成微信支付");
    expect(guideText("kuaishou", "android", "cart").lead).toContain("快手内无法完成微信支付");
    expect(openInBrowserMessage("kuaishou")).toContain("在快手内无法完成微信支付");
  });

  it("in a mini-program web-view (no browser menu) the link is the way out", () => {
    const t = guideText("wechat-miniprogram", "ios", "cart");
    expect(t.steps.join("")).not.toContain("右上角");
    expect(t.steps[0]).toContain("复制链接");
  });

  it("never relies on an emoji or symbol alone: every step is words", () => {
    for (const app of ["wechat", "alipay", "weibo"] as const) {
      for (const step of guideText(app, "android", "cart").steps) expect(step.replace(/[^\u4e00-\u9fff]/g, "").length).toBeGreaterThan(4);
    }
  });
});
