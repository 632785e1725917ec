import { afterAll, beforeAll, describe } from "vitest";
import { startHarness, type Harness } from "./harness";
import { allStoresJsapiReady, wechatJsapiTests } from "./wechat-jsapi";

describe("paying inside WeChat with JSAPI (SQLite)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ label: "wechat-jsapi", jsapi: true });
    await allStoresJsapiReady(h);
  });
  afterAll(() => h.close());

  wechatJsapiTests(() => h);
});
