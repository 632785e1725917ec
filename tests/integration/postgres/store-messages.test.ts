// Store staff messages on PostgreSQL: the same assertions as ../store-messages.test.ts.
import { afterAll, beforeAll } from "vitest";
import { startHarness, type Harness } from "../harness";
import { storeMessageTests } from "../store-messages";
import { describePg, dropPgDatabase, freshPgDatabase } from "../../support/pg";
import { startWebhookReceiver, type WebhookReceiver } from "../../support/webhook-receiver";

describePg("store staff messages (outbox)", () => {
  let h: Harness;
  let url: string;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    url = await freshPgDatabase("store-messages");
    h = await startHarness({ label: "pg-store-messages", databaseUrl: url });
    receiver = await startWebhookReceiver();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await h?.close();
    if (url) await dropPgDatabase(url);
  });

  storeMessageTests(
    () => h,
    () => receiver,
  );
});
