// WeChat's per-second frequency limit (maxQps / FAKE_WECHATPAY_MAX_QPS): calls of one API per caller mchid per
// second beyond it → 429 FREQUENCY_LIMITED, with no effect. Each test starts at the beginning of a second with
// most of it left, so its calls fall in one second whatever the machine's load.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeWechatPay } from "./server";
import { call, control, partnerBody } from "./test-helpers";
import { withWindowLeft } from "../support/limit-windows";

type Fake = Awaited<ReturnType<typeof startFakeWechatPay>>;
let fake: Fake;
const H5 = "/v3/combine-transactions/h5";
const QUERY = (no: string) => `/v3/combine-transactions/out-trade-no/${no}`;

beforeAll(async () => {
  fake = await startFakeWechatPay({ port: 0, notifyTimeScale: 0.001, maxQps: 2 });
});
afterAll(() => fake.close());
beforeEach(async () => {
  await control(fake.url, "/reset", {});
  await withWindowLeft(1, 800);
});

describe("fake WeChat Pay: per-second frequency limit", () => {
  it("the call past maxQps in one second is 429 FREQUENCY_LIMITED and creates nothing", async () => {
    const bodies = [partnerBody(), partnerBody(), partnerBody()];
    const replies = [];
    for (const b of bodies) replies.push(await call(fake.url, "POST", H5, b));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(replies[2]!.json.code).toBe("FREQUENCY_LIMITED");
    await withWindowLeft(1, 1000); // the next second
    expect((await call(fake.url, "GET", QUERY(bodies[2]!.combine_out_trade_no))).status).toBe(404); // never created
  });

  it("each API has its own limit: a full prepay second leaves the query's untouched", async () => {
    const b = partnerBody();
    expect((await call(fake.url, "POST", H5, b)).status).toBe(200);
    expect((await call(fake.url, "POST", H5, partnerBody())).status).toBe(200);
    expect((await call(fake.url, "POST", H5, partnerBody())).status).toBe(429);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(200);
    expect((await call(fake.url, "GET", QUERY(b.combine_out_trade_no))).status).toBe(200);
  });

  it("POST /__fake/settings {maxQps: null} lifts the limit until the next reset", async () => {
    expect(await control(fake.url, "/settings", { maxQps: null })).toMatchObject({ maxQps: null });
    for (let i = 0; i < 4; i++) expect((await call(fake.url, "POST", H5, partnerBody())).status).toBe(200);
    await control(fake.url, "/reset", {});
    expect(await control(fake.url, "/settings")).toMatchObject({ maxQps: 2 });
  });
});
