import { describe, expect, it } from "vitest";
import { MAX_CONTENT_BYTES, paidContent, plain } from "@/lib/store-messages/content";
import { maskWebhookUrl, WebhookUrlSchema } from "@/lib/store-messages/webhook-url";

describe("webhook URLs", () => {
  it("masks the robot's key (and other secret parameters), keeps the rest readable", () => {
    expect(maskWebhookUrl("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa")).toBe(
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=****",
    );
    expect(maskWebhookUrl("https://oapi.example.com/robot/send?access_token=abc&x=1")).toBe(
      "https://oapi.example.com/robot/send?access_token=****&x=1",
    );
    expect(maskWebhookUrl("not a url")).toBe("****");
  });

  it("accepts absolute http(s) URLs only, without credentials, at most 500 characters", () => {
    expect(WebhookUrlSchema.safeParse("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k").success).toBe(true);
    expect(WebhookUrlSchema.safeParse("http://127.0.0.1:8080/hook?key=k").success).toBe(true);
    for (const bad of [
      "ftp://example.com/x",
      "/relative",
      "javascript:alert(1)",
      "https://user:pw@example.com/x",
      `https://example.com/${"a".repeat(500)}`,
    ])
      expect(WebhookUrlSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe("message content", () => {
  it("shop-entered text cannot add links, tags or lines to the markdown", () => {
    expect(plain("[点我](https://evil.example)<font>\n*粗*")).toBe("【点我】(https://evil.example) font   粗");
    expect(Array.from(plain("长".repeat(100))).length).toBe(40);
  });

  it("a paid sub-order with many lines stays within the robot's 4096 bytes and lists the first ten", () => {
    const content = paidContent(
      {
        orderNo: "C261207000000ABCDEFGH",
        outTradeNo: "C261207000000ABCDEFGH-1",
        storeName: "茶语轩",
        amountFen: 12345,
        shippingFeeFen: 600,
        deliveryMethod: "SHIPPING",
        contactName: "欧阳娜娜",
        contactPhone: "13912345678",
        lines: Array.from({ length: 200 }, (_, i) => ({ name: `商品${"名".repeat(30)}${i}`, quantity: 1 })),
      },
      "https://shop.example",
    );
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(MAX_CONTENT_BYTES);
    expect(content).toContain("欧*** 139****5678");
    expect(content).toContain("¥123.45</font>（含运费 ¥6.00）");
    expect(content).toContain("等共 200 种商品");
    expect(content).not.toContain("娜娜");
  });
});
