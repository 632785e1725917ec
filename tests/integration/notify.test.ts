import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type Harness } from "./harness";
import { combineTransaction, encryptResource, notificationBody, signedHeaders } from "../support/notification-signer";
import { deliver as deliverTo, newOrder as newOrderIn, paymentRaceTests } from "./payment-races";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ label: "notify" });
});
afterAll(() => h.close());

const newOrder = () => newOrderIn(h);
const deliver = (body: string, headers: Record<string, string>) => deliverTo(h, body, headers);

async function state(orderNo: string) {
  const o = await h.prisma.order.findUniqueOrThrow({ where: { orderNo }, include: { subOrders: true } });
  return { status: o.status, paidAt: o.paidAt, tradeStates: o.subOrders.map((s) => s.tradeState).sort() };
}

const junkCount = async () => {
  await (await import("@/lib/notify/junk")).flushJunkCounters();
  return junkSum();
};
const junkSum = async () => (await h.prisma.junkNotificationCounter.aggregate({ _sum: { count: true } }))._sum.count ?? 0;

const outcomes = async (orderNo: string) =>
  (await h.prisma.paymentEvent.findMany({ where: { orderNo, source: "NOTIFY" } })).map((e) => e.outcome).sort();

describe("POST /api/wechatpay/notify", () => {
  it("applies a valid notification once and acknowledges duplicates with 204", async () => {
    const { orderNo, subs } = await newOrder();
    const body = notificationBody(JSON.stringify(combineTransaction(orderNo, subs)));
    const headers = signedHeaders(body);

    const first = await deliver(body, headers);
    expect(first.status).toBe(204);
    const after = await state(orderNo);
    expect(after.status).toBe("PAID");
    expect(after.tradeStates).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    const paidSubs = await h.prisma.subOrder.findMany({ where: { orderNo } });
    expect(paidSubs.every((s) => s.transactionId && s.payerAmountFen === s.amountFen && s.successTime)).toBe(true);

    const again = await deliver(body, signedHeaders(body));
    expect(again.status).toBe(204);
    expect((await state(orderNo)).paidAt).toEqual(after.paidAt);
    expect(await outcomes(orderNo)).toEqual(["APPLIED", "DUPLICATE"]);
  });

  paymentRaceTests(() => h);

  it("ignores the redirect: the fake's own signed notification is what marks the order paid", async () => {
    const { orderNo } = await newOrder();
    await h.control(`/orders/${orderNo}/pay`, {});
    await eventually(async () => (await state(orderNo)).status === "PAID");
  });
});

describe("rejected notifications never change an order", () => {
  type Case = [string, (o: Awaited<ReturnType<typeof newOrder>>) => { body: string; headers: Record<string, string> }, number];
  const valid = (o: Awaited<ReturnType<typeof newOrder>>, mutate: (tx: ReturnType<typeof combineTransaction>) => void = () => {}) => {
    const tx = combineTransaction(o.orderNo, o.subs);
    mutate(tx);
    return notificationBody(JSON.stringify(tx));
  };
  // Computed at delivery time: a value taken when the file loads would drift towards the window.
  const now = () => Math.floor(Date.now() / 1000);
  const cases: Case[] = [
    [
      "a bad signature",
      (o) => {
        const body = valid(o);
        return { body, headers: signedHeaders(body, { signature: signedHeaders("other")["wechatpay-signature"] }) };
      },
      401,
    ],
    [
      "a tampered body",
      (o) => {
        const body = valid(o);
        return { body: body.replace('"支付成功"', '"支付成功 "'), headers: signedHeaders(body) };
      },
      401,
    ],
    [
      "a timestamp 301 s old",
      (o) => {
        const body = valid(o);
        return { body, headers: signedHeaders(body, { timestamp: now() - 301 }) };
      },
      401,
    ],
    [
      "a timestamp 301 s ahead",
      (o) => {
        const body = valid(o);
        return { body, headers: signedHeaders(body, { timestamp: now() + 301 }) };
      },
      401,
    ],
    [
      "a signature probe",
      (o) => {
        const body = valid(o);
        return { body, headers: signedHeaders(body, { signature: "WECHATPAY/SIGNTEST/" + "A".repeat(300) }) };
      },
      401,
    ],
    [
      "an unknown serial",
      (o) => {
        const body = valid(o);
        return { body, headers: signedHeaders(body, { serial: "PUB_KEY_ID_0000000000000000000000000000099999" }) };
      },
      401,
    ],
    [
      "missing signature headers",
      (o) => {
        const body = valid(o);
        const { "wechatpay-signature": _s, ...rest } = signedHeaders(body);
        return { body, headers: rest };
      },
      401,
    ],
    [
      "undecryptable ciphertext (wrong key)",
      (o) => {
        const env = JSON.parse(valid(o)) as { resource: unknown };
        env.resource = encryptResource(JSON.stringify(combineTransaction(o.orderNo, o.subs)), { key: "x".repeat(32) });
        const body = JSON.stringify(env);
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "an invalid decrypted payload",
      (o) => {
        const body = notificationBody(JSON.stringify({ combine_out_trade_no: o.orderNo }));
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "an unknown order",
      (o) => {
        const body = valid(o, (tx) => {
          tx.combine_out_trade_no = "C000000000000UNKNOWN";
        });
        return { body, headers: signedHeaders(body) };
      },
      404,
    ],
    [
      "an amount mismatch",
      (o) => {
        const body = valid(o, (tx) => {
          tx.sub_orders[0]!.amount.total_amount -= 1;
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "another combine mchid",
      (o) => {
        const body = valid(o, (tx) => {
          tx.combine_mchid = "1900009999";
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "another appid",
      (o) => {
        const body = valid(o, (tx) => {
          tx.combine_appid = "wx0000000000000000";
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "another sub_mchid",
      (o) => {
        const body = valid(o, (tx) => {
          tx.sub_orders[1]!.sub_mchid = "1900000204";
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "another out_trade_no",
      (o) => {
        const body = valid(o, (tx) => {
          tx.sub_orders[2]!.out_trade_no = `${o.orderNo}-9`;
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
    [
      "a missing sub-order",
      (o) => {
        const body = valid(o, (tx) => {
          tx.sub_orders.pop();
        });
        return { body, headers: signedHeaders(body) };
      },
      400,
    ],
  ];

  it.each(cases)("rejects %s", async (_name, build, status) => {
    const o = await newOrder();
    const before = await state(o.orderNo);
    const rejectedBefore = await h.prisma.paymentEvent.count({ where: { outcome: "REJECTED" } });
    const junkBefore = await junkCount();
    const { body, headers } = build(o);
    const res = await deliver(body, headers);
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ code: "FAIL", message: expect.any(String) });
    expect(await state(o.orderNo)).toEqual(before);
    expect(before.status).toBe("PENDING");
    // Unverified (bad signature: 401) → counted, no audit row; verified but refused → one audit row.
    const unverified = status === 401;
    expect(await h.prisma.paymentEvent.count({ where: { outcome: "REJECTED" } })).toBe(rejectedBefore + (unverified ? 0 : 1));
    expect(await junkCount()).toBe(junkBefore + (unverified ? 1 : 0));
  });
});
