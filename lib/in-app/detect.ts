// Which app's built-in browser (webview) a request comes from, from its User-Agent alone.
// H5 payment only works in a real mobile browser (docs/wechatpay.md §4, §15): inside WeChat the
// cashier refuses with 「请在微信外打开订单，进行支付」, and other apps' webviews cannot launch
// WeChat. The tokens are those of docs/wechatpay.md §15.1 and §15.4. Standalone browsers made by
// the same companies (QQ Browser "MQQBrowser", Baidu's browser, UC, …) are real browsers: H5 works
// there, so they must NOT match.
// Pure function, no I/O: server pages, route handlers and tests call it alike.

export type InAppBrowser =
  | "wechat-miniprogram"
  | "wecom"
  | "wechat"
  | "qq"
  | "dingtalk"
  | "alipay"
  | "weibo"
  | "toutiao"
  | "douyin"
  | "baidu"
  | "xiaohongshu"
  | "kuaishou";

// Order matters: the first match wins. The mini-program web-view and WeCom also carry
// "MicroMessenger"; DingTalk carries "AliApp(DingTalk…)" which must not read as Alipay; Toutiao may
// run in ByteDance's webview ("BytedanceWebview") and must not read as Douyin.
const RULES: readonly [InAppBrowser, RegExp][] = [
  ["wechat-miniprogram", /\bminiProgram\b/i],
  ["wecom", /\bwxwork\//i],
  ["wechat", /MicroMessenger|WindowsWechat|MacWechat/i],
  // The mobile QQ app: " QQ/8.9…" (QQ Browser says "MQQBrowser/…", which has no "QQ/").
  ["qq", /(?:^|[\s;(])QQ\/\d/],
  ["dingtalk", /DingTalk/i],
  ["alipay", /AlipayClient|AliApp\(AP\//i],
  ["weibo", /__weibo__|\bWeibo\b/i],
  ["toutiao", /\bNewsArticle\/\d/],
  ["douyin", /\baweme|BytedanceWebview/i],
  ["baidu", /baiduboxapp/i],
  // iOS says "discover/<version>" (lower case, its own token: "AppDiscover/…" or a URL path is not it),
  // Android "XiaoHongShu/<version>"; some builds add "xhsdiscover".
  ["xiaohongshu", /xhsdiscover|\bXiaoHongShu\/\d/i],
  ["xiaohongshu", /(?:^|\s)discover\/\d/],
  // Kuaishou "Kwai/", its Lite build "Kwai_Lite/", and Kuaishou Express (快手极速版) "ksNebula/".
  ["kuaishou", /(?:^|\s)(?:Kwai|Kwai_Lite|Kwai_Pro|ksNebula)\/\d/],
];

/** The in-app browser the User-Agent names, or null for a normal browser (or no User-Agent). */
export function detectInAppBrowser(userAgent: string | null | undefined): InAppBrowser | null {
  if (!userAgent) return null;
  // Real User-Agents are a few hundred characters; never run the patterns over a huge header.
  const ua = userAgent.slice(0, 1024);
  for (const [app, re] of RULES) if (re.test(ua)) return app;
  return null;
}

export type MobilePlatform = "ios" | "android" | "other";

/** iOS and Android name the "open in browser" menu item differently (docs/wechatpay.md §15.2). */
export function mobilePlatform(userAgent: string | null | undefined): MobilePlatform {
  const ua = (userAgent ?? "").slice(0, 1024);
  if (/iPhone|iPad|iPod/.test(ua)) return "ios";
  if (/Android|HarmonyOS|OpenHarmony/i.test(ua)) return "android";
  return "other";
}

/** The app's name as shoppers know it. */
export const IN_APP_NAMES: Record<InAppBrowser, string> = {
  "wechat-miniprogram": "微信小程序",
  wecom: "企业微信",
  wechat: "微信",
  qq: "QQ",
  dingtalk: "钉钉",
  alipay: "支付宝",
  weibo: "微博",
  toutiao: "今日头条",
  douyin: "抖音",
  baidu: "百度",
  xiaohongshu: "小红书",
  kuaishou: "快手",
};
