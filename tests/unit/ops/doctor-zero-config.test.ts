// npm run doctor: the prepay budget is a limit, not part of a WeChat identity, so setting it keeps zero-config
// development (lib/env.ts decides zero-config by the identity variables alone).
import { describe, expect, it } from "vitest";
import { offlineChecks } from "@/lib/ops/doctor-checks";

const readFile = (p: string): string => {
  throw new Error(`unexpected read of ${p}`);
};

describe("doctor: zero-config", () => {
  it("WECHATPAY_PREPAY_MAX_PER_SECOND alone is still zero-config development", () => {
    const { findings } = offlineChecks({
      raw: { NODE_ENV: "development", WECHATPAY_PREPAY_MAX_PER_SECOND: "100" },
      readFile,
      now: new Date(),
    });
    expect(findings.find((f) => f.setting === "WECHATPAY_*")?.message).toMatch(/zero-config development/);
    expect(findings.filter((f) => f.level === "error")).toEqual([]);
  });
});
