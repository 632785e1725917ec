import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness";
import { storeMessageTests } from "./store-messages";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

let h: Harness;
let receiver: WebhookReceiver;
beforeAll(async () => {
  h = await startHarness({ label: "store-messages" });
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

describe("store staff messages (outbox)", () => {
  storeMessageTests(
    () => h,
    () => receiver,
  );
});

describe("one webhook request", () => {
  it("is bounded in time: a receiver that never answers is a failure after the time-out", async () => {
    const { postToWebhook } = await import("@/lib/store-messages/send");
    const hook = receiver.hook("hang");
    const started = Date.now();
    expect(await postToWebhook(hook.url, "x", { timeoutMs: 300 })).toEqual({ ok: false, error: "no answer within 300 ms" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hook.received).toHaveLength(1);
  });

  it("an unreachable receiver is a failure naming no URL", async () => {
    const { postToWebhook } = await import("@/lib/store-messages/send");
    const r = await postToWebhook("http://127.0.0.1:9/hook?key=secret-key", "x", { timeoutMs: 2000 });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain("secret-key");
    expect(JSON.stringify(r)).not.toContain("127.0.0.1");
  });
});
