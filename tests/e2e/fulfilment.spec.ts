// The back office's fulfilment pages against the built app (README "Delivery and fulfilment"): the
// 待发货 queue with masked contact, the order detail's full contact and its ship / ready / pickup forms
// (inline field errors, a wrong pickup code), the printable packing slip, and bulk shipping by CSV.
// Paid orders are inserted straight into the e2e database (as checkout and payment leave them), so this
// spec does not depend on the checkout's body.
import { randomBytes } from "node:crypto";
import path from "node:path";
import Database from "better-sqlite3";
import { expect } from "@playwright/test";
import { signIn, test } from "./support";

const iso = (d: Date) => d.toISOString().replace("Z", "+00:00"); // how Prisma stores DateTime on SQLite

type Sub = { storeId: "chayu" | "xiangxiang" | "mumu"; method: "SHIPPING" | "PICKUP" | "NONE"; pickupCode?: string };

/** A PAID order with one sub-order per entry, contact 张三 13812341234 and an address in 杭州. */
function insertPaidOrder(subs: Sub[]): { orderNo: string; outTradeNos: string[] } {
  const db = new Database(path.resolve(".data/e2e.db"));
  try {
    const orderNo = `CE${randomBytes(8).toString("hex").toUpperCase()}`;
    const now = iso(new Date());
    const insert = db.transaction(() => {
      const lines = subs.map(
        (s) =>
          db.prepare(`SELECT sku, name, priceFen FROM Product WHERE storeId = ? ORDER BY sku LIMIT 1`).get(s.storeId) as {
            sku: string;
            name: string;
            priceFen: number;
          },
      );
      db.prepare(
        `INSERT INTO "Order" (orderNo, status, mode, combineMchid, combineAppid, totalFen, payerIp, expiresAt, prepayState, paidAt, createdAt, updatedAt,
           contactName, contactPhone, addressProvince, addressCity, addressDistrict, addressDetail, addressPostalCode)
         VALUES (?, 'PAID', 'partner', '1900000109', 'wxd930ea5d5a258f4f', ?, '127.0.0.1', ?, 'SENT', ?, ?, ?, '张三', '13812341234', '浙江省', '杭州市', '西湖区', '文三路 90 号 1 幢 101 室', '310012')`,
      ).run(
        orderNo,
        lines.reduce((a, l) => a + l.priceFen, 0),
        now,
        now,
        now,
        now,
      );
      subs.forEach((s, i) => {
        const outTradeNo = `${orderNo}-${i + 1}`;
        const l = lines[i]!;
        db.prepare(
          `INSERT INTO SubOrder (outTradeNo, orderNo, storeId, position, mchid, subMchid, amountFen, description, attach, tradeState, transactionId, successTime,
             deliveryMethod, fulfilmentStatus, pickupCode, pickupAddress, pickupHours)
           VALUES (?, ?, ?, ?, '1900000109', (SELECT subMchid FROM Store WHERE id = ?), ?, ?, 'e2e', 'SUCCESS', ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          outTradeNo,
          orderNo,
          s.storeId,
          i + 1,
          s.storeId,
          l.priceFen,
          l.name,
          `4200${randomBytes(10).toString("hex")}`,
          now,
          s.method,
          s.method === "NONE" ? "FULFILLED" : "UNFULFILLED",
          s.pickupCode ?? null,
          s.method === "PICKUP" ? "杭州市西湖区龙井路 1 号" : null,
          s.method === "PICKUP" ? "每天 9:00–18:00" : null,
        );
        db.prepare(`INSERT INTO OrderLine (outTradeNo, sku, name, unitPriceFen, quantity, amountFen) VALUES (?, ?, ?, ?, 1, ?)`).run(
          outTradeNo,
          l.sku,
          l.name,
          l.priceFen,
          l.priceFen,
        );
      });
    });
    // BEGIN IMMEDIATE: a deferred transaction that read first could not upgrade to a write while the app's
    // job runner writes (SQLITE_BUSY at once, no waiting)
    insert.immediate();
    return { orderNo, outTradeNos: subs.map((_, i) => `${orderNo}-${i + 1}`) };
  } finally {
    db.close();
  }
}

test("staff ship one store, prepare and hand over another with the buyer's code, and print a packing slip", async ({
  page,
  browserErrors,
}) => {
  browserErrors.allow(/status of 409 .*\/fulfilments\)$/); // the wrong pickup code, on purpose
  const { outTradeNos } = insertPaidOrder([
    { storeId: "chayu", method: "SHIPPING" },
    { storeId: "xiangxiang", method: "PICKUP", pickupCode: "246810" },
    { storeId: "mumu", method: "NONE" },
  ]);
  const [ship, pickup] = outTradeNos as [string, string];

  // the queue: listed, contact masked
  await signIn(page, "/admin/fulfilment");
  const row = page.getByTestId(`queue-${ship}`);
  await expect(row).toContainText("茶语轩茶叶铺");
  await expect(row).toContainText("138****1234");
  await expect(row).toContainText("张*");
  await expect(page.getByRole("table", { name: "待发货" })).not.toContainText("13812341234");

  // the order detail: full contact and address
  await row.getByRole("link", { name: ship }).click();
  await expect(page.getByTestId("order-contact")).toContainText("13812341234");
  await expect(page.getByTestId("order-contact")).toContainText("浙江省 杭州市 西湖区 文三路 90 号 1 幢 101 室（310012）");

  // ship: a bad tracking number is refused beside the field before anything is sent
  const shipping = page.getByRole("group", { name: "茶语轩茶叶铺 发货操作" });
  await shipping.getByLabel("快递公司").selectOption("中通");
  await shipping.getByLabel("运单号").fill("ZT 1");
  await shipping.getByRole("button", { name: "发货", exact: true }).click();
  await expect(shipping.getByRole("alert")).toContainText("运单号为 6–40 位");
  await shipping.getByLabel("运单号").fill("ZT1234567890");
  await shipping.getByRole("button", { name: "发货", exact: true }).click();
  const shipCard = page.getByTestId(`fulfil-${ship}`);
  await expect(shipCard.getByTestId("fulfilment-status")).toHaveText("已发货");
  await expect(shipCard).toContainText("中通 ZT1234567890");
  await expect(shipCard.getByRole("table", { name: "茶语轩茶叶铺 履约记录" })).toContainText("发货");

  // pickup: ready, a wrong code, then the buyer's code
  const pickupCard = page.getByTestId(`fulfil-${pickup}`);
  await pickupCard.getByRole("button", { name: "备货完成，通知自提" }).click();
  await expect(pickupCard.getByTestId("fulfilment-status")).toHaveText("待自提");
  await pickupCard.getByLabel("取件码").fill("000000");
  await pickupCard.getByRole("button", { name: "确认自提" }).click();
  await expect(pickupCard.getByRole("alert")).toContainText("取件码不正确");
  await pickupCard.getByLabel("取件码").fill("246810");
  await pickupCard.getByRole("button", { name: "确认自提" }).click();
  await expect(pickupCard.getByTestId("fulfilment-status")).toHaveText("已自提");
  await expect(page.getByTestId(`fulfil-${outTradeNos[2]}`).getByTestId("fulfilment-status")).toHaveText("无需配送");

  // the packing slip: full recipient; on paper only the slip
  await shipCard.getByRole("link", { name: "打印发货单" }).click();
  await expect(page.getByRole("heading", { name: "发货单 · 茶语轩茶叶铺" })).toBeVisible();
  await expect(page.getByTestId("slip-recipient")).toContainText("张三");
  await expect(page.getByTestId("slip-recipient")).toContainText("13812341234");
  await expect(page.getByRole("button", { name: "打印发货单" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "后台导航" })).toBeVisible();
  await page.emulateMedia({ media: "print" });
  await expect(page.getByRole("button", { name: "打印发货单" })).toBeHidden();
  await expect(page.getByRole("navigation", { name: "后台导航" })).toBeHidden();
  await expect(page.getByRole("table", { name: "商品清单" })).toBeVisible();
});

test("bulk shipping: a file with a bad row ships nothing and names the line; the corrected file ships every row", async ({
  page,
  browserErrors,
}) => {
  browserErrors.allow(/status of 400 .*\/api\/admin\/fulfilments\/bulk-ship\)$/); // the bad file, on purpose
  const { outTradeNos } = insertPaidOrder([
    { storeId: "chayu", method: "SHIPPING" },
    { storeId: "mumu", method: "SHIPPING" },
  ]);
  const [a, b] = outTradeNos as [string, string];
  await signIn(page, "/admin/fulfilment");
  const upload = page.getByRole("region", { name: "批量发货" });
  const send = async (csv: string) => {
    await upload.getByLabel("CSV 文件").setInputFiles({ name: "ship.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await upload.getByRole("button", { name: "检查并发货" }).click();
  };
  await send(`outTradeNo,carrier,trackingNo\r\n${a},顺丰,SF1000000001\r\n${b},顺风,SF1000000002\r\n`);
  await expect(upload.getByRole("alert")).toContainText("未发货任何子单");
  await expect(upload.getByRole("list", { name: "错误行" })).toContainText("第 3 行");
  await expect(page.getByTestId(`queue-${a}`)).toBeVisible(); // nothing shipped

  await send(`outTradeNo,carrier,trackingNo\r\n${a},顺丰,SF1000000001\r\n${b},韵达,YD1000000002\r\n`);
  await expect(upload.getByRole("status")).toContainText("已发货 2 单");
  await expect(page.getByTestId(`queue-${a}`)).toHaveCount(0);
  await expect(page.getByTestId(`queue-${b}`)).toHaveCount(0);
});
