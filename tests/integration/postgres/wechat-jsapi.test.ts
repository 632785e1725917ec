import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { allStoresJsapiReady, wechatJsapiTests } from "../wechat-jsapi";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";

describePg("paying inside WeChat with JSAPI", () => {
  let h: Harness;
  let url: string;
  beforeAll(async () => {
    url = await freshPgDatabase("wechat-jsapi");
    h = await startHarness({ label: "pg-wechat-jsapi", databaseUrl: url, jsapi: true });
    await allStoresJsapiReady(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  wechatJsapiTests(() => h);
});
