// The pay channel of a cart on real User-Agent strings (those the in-app detector knows, and real browsers).
import { describe, expect, it } from "vitest";
import { choosePayChannel } from "@/lib/in-app/channel";

const UA = {
  wechatIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2b) NetType/WIFI Language/zh_CN",
  wechatAndroid:
    "Mozilla/5.0 (Linux; Android 13; V2254A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/4356 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  wecom:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.10 MicroMessenger/7.0.1 Language/zh ColorScheme/Light",
  miniProgramAndroid:
    "Mozilla/5.0 (Linux; Android 12; M2102J2SC Build/SKQ1.211006.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230405 MMWEBID/2590 MicroMessenger/8.0.35.2360(0x2800235D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx3f1ac0d3c4f1e2b8",
  miniProgramIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI Language/zh_CN miniProgram/wx3f1ac0d3c4f1e2b8",
  qqIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 QQ/8.8.38.624 V1_IPH_SQ_8.8.38_1_APP_A Pixel/1170 MiniAppEnable SimpleUISwitch/0 StudyMode/0 QQTheme/1000 Core/WKWebView Device/Apple(iPhone 12) NetType/WIFI QBWebViewType/1 WKType/1",
  alipayIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/20B82 Ariver/1.1.0 AliApp(AP/10.3.10.6000) Nebula WK RVKType(1) AlipayDefined(nt:WIFI,ws:390|780|3.0) AlipayClient/10.3.10.6000 Language/zh-Hans Region/CN NebulaX/1.0.0",
  safariIos:
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  chromeAndroid: "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
  qqBrowserAndroid:
    "Mozilla/5.0 (Linux; U; Android 12; zh-cn; PFDM00 Build/SP1A.210812.016) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/109.0.5414.86 MQQBrowser/14.3 Mobile Safari/537.36 COVC/046829",
};

const on = { jsapiEnabled: true };
const off = { jsapiEnabled: false };
const ready = [{ jsapiEnabled: true }, { jsapiEnabled: true }];

describe("choosePayChannel", () => {
  it.each([
    ["WeChat on iOS", UA.wechatIos],
    ["WeChat on Android", UA.wechatAndroid],
  ])("%s with JSAPI on and every store ready pays with JSAPI", (_, ua) => {
    expect(choosePayChannel(ua, on, ready)).toBe("jsapi");
  });

  it("WeChat with JSAPI off gets the guide, as before JSAPI existed", () => {
    expect(choosePayChannel(UA.wechatIos, off, ready)).toBe("guide");
  });

  it("WeChat with one store of the cart not JSAPI-ready gets the guide", () => {
    expect(choosePayChannel(UA.wechatIos, on, [{ jsapiEnabled: true }, { jsapiEnabled: false }])).toBe("guide");
  });

  it("WeChat with no store to decide on (an empty cart) gets the guide, never JSAPI", () => {
    expect(choosePayChannel(UA.wechatIos, on, [])).toBe("guide");
  });

  it.each([
    ["WeCom (JSAPI unverified there)", UA.wecom],
    ["a mini-program web-view on Android (JSAPI refused there)", UA.miniProgramAndroid],
    ["a mini-program web-view on iOS", UA.miniProgramIos],
    ["mobile QQ", UA.qqIos],
    ["Alipay", UA.alipayIos],
  ])("%s gets the guide even with JSAPI on", (_, ua) => {
    expect(choosePayChannel(ua, on, ready)).toBe("guide");
  });

  it.each([
    ["Safari on iOS", UA.safariIos],
    ["Chrome on Android", UA.chromeAndroid],
    ["QQ Browser (a real browser)", UA.qqBrowserAndroid],
    ["no User-Agent", null],
  ])("%s pays with H5 whatever the JSAPI settings", (_, ua) => {
    expect(choosePayChannel(ua, on, ready)).toBe("h5");
    expect(choosePayChannel(ua, off, [{ jsapiEnabled: false }])).toBe("h5");
  });
});
