// The in-app browser detector on real User-Agent strings as these apps and browsers send them.
import { describe, expect, it } from "vitest";
import { detectInAppBrowser, mobilePlatform, type InAppBrowser } from "@/lib/in-app/detect";

const IN_APP: [string, InAppBrowser, string][] = [
  [
    "WeChat on iOS",
    "wechat",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2b) NetType/WIFI Language/zh_CN",
  ],
  [
    "WeChat on Android (XWEB)",
    "wechat",
    "Mozilla/5.0 (Linux; Android 13; V2254A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/4356 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  ],
  [
    "PC WeChat on Windows",
    "wechat",
    "Mozilla/5.0 (Windows NT 10.0; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.138 Safari/537.36 NetType/WIFI MicroMessenger/7.0.20.1781(0x6700143B) WindowsWechat(0x63090819) XWEB/8447 Flue",
  ],
  [
    "WeCom (企业微信) on Android",
    "wecom",
    "Mozilla/5.0 (Linux; Android 12; PGT-AN10 Build/HUAWEIPGT-AN10; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 wxwork/4.1.16 ColorScheme/Light MicroMessenger/7.0.1 NetType/WIFI Language/zh Lang/zh ColorScheme/Light",
  ],
  [
    "WeCom on iOS",
    "wecom",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light",
  ],
  [
    "WeChat mini-program web-view on Android",
    "wechat-miniprogram",
    "Mozilla/5.0 (Linux; Android 12; M2102J2SC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230405 MMWEBID/2590 MicroMessenger/8.0.35.2360(0x2800235D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx3f1ac0d3c4f1e2b8",
  ],
  [
    "WeChat mini-program web-view on iOS",
    "wechat-miniprogram",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI Language/zh_CN miniProgram/wx3f1ac0d3c4f1e2b8",
  ],
  [
    "mobile QQ on Android (its webview also names MQQBrowser)",
    "qq",
    "Mozilla/5.0 (Linux; Android 10; MI 8 Build/QKQ1.190828.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/77.0.3865.120 MQQBrowser/6.2 TBS/045713 Mobile Safari/537.36 V1_AND_SQ_8.8.68_2538_YYB_D A_8086800 QQ/8.8.68.7265 NetType/WIFI WebP/0.3.0 Pixel/1080 StatusBarHeight/80 SimpleUISwitch/0 QQTheme/1000 InMagicWin/0 StudyMode/0 CurrentMode/0 CurrentFontScale/1.0",
  ],
  [
    "mobile QQ on iOS",
    "qq",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QQ/8.8.38.624 V1_IPH_SQ_8.8.38_1_APP_A Pixel/1170 MiniAppEnable SimpleUISwitch/0 StudyMode/0 QQTheme/1000 Core/WKWebView Device/Apple(iPhone 12) NetType/WIFI QBWebViewType/1 WKType/1",
  ],
  [
    "Alipay on Android",
    "alipay",
    "Mozilla/5.0 (Linux; U; Android 11; zh-CN; M2011K2C Build/RKQ1.200928.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.1.210 Mobile Safari/537.36 AlipayChannelId/5136 UCBS/3.22.1.210_211025174445 NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:393|0|2.75) AliApp(AP/10.2.53.7000) AlipayClient/10.2.53.7000 Language/zh-Hans useStatusBar/true isConcaveScreen/true Region/CNAriver/1.0.0",
  ],
  [
    "Alipay on iOS",
    "alipay",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/20B82 Ariver/1.1.0 AliApp(AP/10.3.10.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.3.10.6000 Language/zh-Hans Region/CN NebulaX/1.0.0",
  ],
  [
    "Weibo on iOS",
    "weibo",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Weibo (iPhone12,1__weibo__11.8.1__iphone__os14.4)",
  ],
  [
    "Weibo on Android",
    "weibo",
    "Mozilla/5.0 (Linux; Android 10; ELS-AN00 Build/HUAWEIELS-AN00; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.106 Mobile Safari/537.36 Weibo (HUAWEI-ELS-AN00__weibo__11.8.0__android__android10)",
  ],
  [
    "DingTalk on Android",
    "dingtalk",
    "Mozilla/5.0 (Linux; U; Android 11; zh-CN; PEGM00 Build/RKQ1.200903.002) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.1.161 Mobile Safari/537.36 AliApp(DingTalk/6.3.5) com.alibaba.android.rimet/21102014 Channel/700159 language/zh-CN abi/64 UT4Aplus/0.2.25 colorScheme/light",
  ],
  [
    "DingTalk on iOS",
    "dingtalk",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.0.0) com.laiwang.DingTalk/27125418 Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK",
  ],
  [
    "Douyin on iOS",
    "douyin",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 aweme_260300 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/zh Region/CN AppTheme/light RevealType/Dialog WKWebView/1 BytedanceWebview/d8a21c6 FalconTag/",
  ],
  [
    "Douyin on Android",
    "douyin",
    "Mozilla/5.0 (Linux; Android 12; 22041211AC Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.91 Mobile Safari/537.36 aweme_260200 AppName/aweme app_version/26.2.0 ByteLocale/zh-CN Region/CN AppSkin/white AppTheme/light BytedanceWebview/d8a21c6 WebView/075113004008",
  ],
  [
    "Baidu app on Android",
    "baidu",
    "Mozilla/5.0 (Linux; Android 10; PCT-AL10 Build/HUAWEIPCT-AL10; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/76.0.3809.89 Mobile Safari/537.36 T7/12.10 SP-engine/2.28.0 baiduboxapp/12.10.0.10 (Baidu; P1 10) NABar/1.0",
  ],
  [
    "Baidu app on iOS",
    "baidu",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 SP-engine/2.54.0 main/1.0 baiduboxapp/13.13.0.10 (Baidu; P2 15.5) NABar/1.0 themeUA=Theme/default",
  ],
  // docs/wechatpay.md §15.4: shop links are widely shared in these apps; their webviews cannot launch WeChat either.
  [
    "Xiaohongshu (小红书) on iOS: discover/<version>",
    "xiaohongshu",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 discover/8.7 (iPhone; iOS 16.6; Scale/3.00) Resolution/1170*2532 Version/8.7 Build/8070537 Device/(Apple Inc.;iPhone14,5) NetType/WiFi",
  ],
  [
    "Xiaohongshu on iOS (short form)",
    "xiaohongshu",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_3_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 discover/9.1 Device/(Apple Inc.;iPhone15,3) NetType/WiFi",
  ],
  [
    "Xiaohongshu on iOS with the xhsdiscover token",
    "xiaohongshu",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 discover/8.45.1 (iPhone; iOS 17.5; Scale/3.00) Resolution/1170*2532 xhsdiscover NetType/WiFi",
  ],
  [
    "Xiaohongshu on Android: XiaoHongShu/<version>",
    "xiaohongshu",
    "Mozilla/5.0 (Linux; Android 10; MI 8 Build/QKQ1.190828.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.101 Mobile Safari/537.36 XiaoHongShu/6.83.0 (Android 10) Resolution/1080*2248 Version/6.83.0 Build/6830155 Device/(Xiaomi;MI 8) discover/6.83.0 NetType/WiFi",
  ],
  [
    "Toutiao (今日头条) on Android",
    "toutiao",
    "Mozilla/5.0 (Linux; Android 10; MI CC 9e Build/QKQ1.190910.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.101 Mobile Safari/537.36 NewsArticle/8.7.5.0 ToutiaoMicroApp/2.31.1.1 PluginVersion/874011",
  ],
  [
    "Toutiao Lite (头条极速版) on iOS",
    "toutiao",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NewsArticle/8.1.3.05 JsSdk/2.0 NetType/WIFI (NewsLite 8.1.3 13.400000) NewsLite/8.1.3 Mobile ToutiaoMicroApp/1.95.0.23",
  ],
  [
    "Toutiao on Android (newer)",
    "toutiao",
    "Mozilla/5.0 (Linux; Android 12; PGBM10 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/97.0.4692.98 Mobile Safari/537.36 JsSdk/2 NewsArticle/9.1.0 NetType/wifi",
  ],
  [
    "Toutiao on iOS",
    "toutiao",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NewsArticle/9.1.9.20 JsSdk/2.0 NetType/WIFI (News 9.1.9 15.100000)",
  ],
  [
    "Kuaishou (快手) on iOS",
    "kuaishou",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Kwai/13.7.10.9371 ISLP/0 StatusHT/47 KDT/PHONE iosSCH/1 TitleHT/44 NetType/WIFI ISDM/0 ICFO/0 locale/zh-Hans CT/0 Yoda/3.3.8 ISLB/0 CoIS/2 ISLM/0 WebViewType/WK BHT/102 AZPREFIX/az1",
  ],
  [
    "Kuaishou on Android",
    "kuaishou",
    "Mozilla/5.0 (Linux; Android 7.1.2; Redmi 5 Plus Build/N2G47H; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/66.0.3359.158 Mobile Safari/537.36 Kwai/6.5.0.9223",
  ],
  [
    "Kuaishou Express (快手极速版, ksNebula) on Android",
    "kuaishou",
    "Mozilla/5.0 (Linux; Android 12; M2012K11AC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/90.0.4430.226 KsWebView/1.8.90.603 (rel) Mobile Safari/537.36 Yoda/3.1.2-rc1 ksNebula/11.4.10.5532 OS_PRO_BIT/64 MAX_PHY_MEM/11600 AZPREFIX/yz ICFO/0 StatusHT/36 TitleHT/43 NetType/WIFI ISLP/0 ISDM/0 ISLB/0 locale/zh-cn CT/0 ISLM/-1",
  ],
];

const BROWSERS: [string, string][] = [
  [
    "Safari on iPhone",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
  ],
  [
    "Safari on macOS",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
  ],
  ["Chrome on Android", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"],
  [
    "Chrome on iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
  ],
  ["Chrome desktop", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"],
  [
    "QQ Browser on Android",
    "Mozilla/5.0 (Linux; U; Android 10; zh-cn; PCT-AL10 Build/HUAWEIPCT-AL10) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/89.0.4389.72 MQQBrowser/12.1 Mobile Safari/537.36 COVC/045730",
  ],
  [
    "QQ Browser on iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 MQQBrowser/13.8.0 Mobile/15E148 Safari/604.1 QBWebViewUA/2 QBWebViewType/1 WKType/1",
  ],
  [
    "UC Browser on Android",
    "Mozilla/5.0 (Linux; U; Android 10; zh-CN; V1916A Build/QP1A.190711.020) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/78.0.3904.108 UCBrowser/15.3.8.1178 Mobile Safari/537.36",
  ],
  [
    "UC Browser on iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X; zh-CN) AppleWebKit/537.51.1 (KHTML, like Gecko) Mobile/20B82 UCBrowser/15.1.5.1833 Mobile AliApp(TUnionSDK/0.1.20.4)",
  ],
  [
    "Huawei Browser",
    "Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.11.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.88 HuaweiBrowser/14.0.1.300 Mobile Safari/537.36",
  ],
  [
    "Xiaomi (MIUI) Browser",
    "Mozilla/5.0 (Linux; U; Android 12; zh-cn; M2012K11AC Build/SKQ1.211006.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.127 Mobile Safari/537.36 XiaoMi/MiuiBrowser/17.2.40 swan-mibrowser",
  ],
  [
    "Firefox Focus on Android",
    "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Focus/121.0 Chrome/120.0.6099.144 Mobile Safari/537.36",
  ],
  [
    "Vivo Browser",
    "Mozilla/5.0 (Linux; Android 12; V2145A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/87.0.4280.141 Mobile Safari/537.36 VivoBrowser/13.1.10.0",
  ],
  ["Firefox on Android", "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0"],
  [
    "Samsung Internet",
    "Mozilla/5.0 (Linux; Android 13; SM-S9080) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
  ],
];

describe("detectInAppBrowser", () => {
  it.each(IN_APP)("%s → %s", (_name, app, ua) => {
    expect(detectInAppBrowser(ua)).toBe(app);
  });

  it.each(BROWSERS)("%s is a real browser (not detected)", (_name, ua) => {
    expect(detectInAppBrowser(ua)).toBeNull();
  });

  it("no or empty User-Agent is not an in-app browser", () => {
    expect(detectInAppBrowser(null)).toBeNull();
    expect(detectInAppBrowser(undefined)).toBeNull();
    expect(detectInAppBrowser("")).toBeNull();
  });

  it("Xiaohongshu's discover/ matches only as its own token: a word ending in discover, or Discover in a URL, is not Xiaohongshu", () => {
    const safari = BROWSERS[0]![1];
    expect(detectInAppBrowser(`${safari} discover/8.7`)).toBe("xiaohongshu");
    expect(detectInAppBrowser(`${safari} xhsdiscover`)).toBe("xiaohongshu");
    expect(detectInAppBrowser(`${safari} XiaoHongShu/8.92`)).toBe("xiaohongshu");
    for (const ua of [
      `${safari} AppDiscover/2.1`,
      `${safari} (+https://example.com/discover/1.0)`,
      `${safari} Discover/`,
      `${safari} discover/beta`,
      `${safari} NewsArticleReader/1.0`,
      `${safari} MyKwai/1.0`,
    ])
      expect(detectInAppBrowser(ua), ua).toBeNull();
  });

  it("Kuaishou Lite's webview appends \" Kwai_Lite/<version>\" to the system UA; Toutiao in ByteDance's webview is Toutiao, not Douyin", () => {
    const androidWebview = IN_APP.find(([n]) => n === "Kuaishou on Android")![2].replace(/ Kwai\/\S+$/, "");
    expect(detectInAppBrowser(androidWebview)).toBeNull();
    expect(detectInAppBrowser(`${androidWebview} Kwai_Lite/1.6.3.138`)).toBe("kuaishou");
    expect(detectInAppBrowser(`${androidWebview} JsSdk/2 NewsArticle/9.1.0 NetType/wifi BytedanceWebview/d8a21c6`)).toBe("toutiao");
  });

  it("looks at the first 1 KiB only (a token hidden after padding is ignored)", () => {
    expect(detectInAppBrowser("x".repeat(2000) + " MicroMessenger/8.0")).toBeNull();
  });
});

describe("mobilePlatform", () => {
  it("tells iOS from Android (the menu item is worded differently)", () => {
    expect(mobilePlatform(IN_APP[0]![2])).toBe("ios");
    expect(mobilePlatform(IN_APP[1]![2])).toBe("android");
    expect(mobilePlatform(BROWSERS.find(([n]) => n === "Huawei Browser")![1])).toBe("android");
    expect(mobilePlatform(IN_APP[2]![2])).toBe("other");
    expect(mobilePlatform(null)).toBe("other");
  });
});
